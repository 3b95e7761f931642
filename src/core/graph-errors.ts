/**
 * The errors of graph configuration and validation, reported before any worker starts (phase
 * `config`): part of the error table of errors.ts, which re-exports them.
 *
 * Threading: pure data, usable on any thread (the contract on {@link WeftError} and `defineError`).
 */
import { defineError, type WeftError } from './weft-error.js';

/**
 * MediaPipe text format that does not parse; the message gives line and column. Thrown by the parse
 * itself (`parseGraphText`, `CalculatorGraph.fromText`, `registerSubgraph`), phase `config`.
 */
export const GraphParseError = defineError(
  'GraphParseError',
  'ERR_WEFT_GRAPH_PARSE',
  'graph text does not parse',
);
export type GraphParseError = InstanceType<typeof GraphParseError>;
/**
 * A graph with one or more validation problems; `problems` lists every one as its own typed error.
 * Thrown by validation (`validate`, or the first start or run), before any thread starts.
 */
export const GraphInvalidError = defineError<'ERR_WEFT_GRAPH_INVALID', { problems?: WeftError[] }>(
  'GraphInvalidError',
  'ERR_WEFT_GRAPH_INVALID',
  'graph is invalid',
);
export type GraphInvalidError = InstanceType<typeof GraphInvalidError>;
/**
 * A calculator name the registry does not know: a validation problem (in GraphInvalidError's
 * `problems`), or thrown by the registry's `load` and `entries` (phase `config`).
 */
export const UnknownCalculatorError = defineError(
  'UnknownCalculatorError',
  'ERR_WEFT_UNKNOWN_CALCULATOR',
  'unknown calculator',
);
export type UnknownCalculatorError = InstanceType<typeof UnknownCalculatorError>;
/**
 * A tag the calculator does not declare, or a required tag (or count) the node does not wire; found
 * by validation or subgraph expansion (phase `config`).
 */
export const PortTagError = defineError(
  'PortTagError',
  'ERR_WEFT_PORT_TAG',
  'port tag does not match the contract',
);
export type PortTagError = InstanceType<typeof PortTagError>;
/** Indices of one tag with a gap or a repeat (e.g. IN:0 and IN:2 without IN:1); found by validation. */
export const PortIndexError = defineError(
  'PortIndexError',
  'ERR_WEFT_PORT_INDEX',
  'port indices have a gap or a repeat',
);
export type PortIndexError = InstanceType<typeof PortIndexError>;
/** A stream, side-packet, tag, node or executor name that breaks the naming rules; found by validation. */
export const BadNameError = defineError('BadNameError', 'ERR_WEFT_BAD_NAME', 'name breaks the naming rules');
export type BadNameError = InstanceType<typeof BadNameError>;
/** Two nodes with the same name; found by validation. */
export const DuplicateNodeError = defineError(
  'DuplicateNodeError',
  'ERR_WEFT_DUPLICATE_NODE',
  'node name used twice',
);
export type DuplicateNodeError = InstanceType<typeof DuplicateNodeError>;
/** A stream or side packet produced twice (also a graph input that a node produces); found by validation. */
export const DuplicateProducerError = defineError(
  'DuplicateProducerError',
  'ERR_WEFT_DUPLICATE_PRODUCER',
  'stream or side packet produced twice',
);
export type DuplicateProducerError = InstanceType<typeof DuplicateProducerError>;
/** An input stream (or side packet, or graph output) that nothing produces; found by validation. */
export const NoProducerError = defineError(
  'NoProducerError',
  'ERR_WEFT_NO_PRODUCER',
  'input has no producer',
);
export type NoProducerError = InstanceType<typeof NoProducerError>;
/** A cycle whose closing input is not declared as a back edge; found by validation. */
export const CycleError = defineError('CycleError', 'ERR_WEFT_CYCLE', 'cycle without a back edge');
export type CycleError = InstanceType<typeof CycleError>;
/**
 * A required side packet that was not provided when the run started: thrown by the start, before
 * any node opens; or, failing the run, one a node's `open` should have set for another node.
 */
export const SidePacketMissingError = defineError(
  'SidePacketMissingError',
  'ERR_WEFT_SIDE_PACKET_MISSING',
  'required side packet missing',
);
export type SidePacketMissingError = InstanceType<typeof SidePacketMissingError>;
/**
 * Options the calculator rejects (unknown keys, wrong types, bad values), or graph settings out of
 * range; found by validation (phase `config`).
 */
export const BadOptionsError = defineError(
  'BadOptionsError',
  'ERR_WEFT_BAD_OPTIONS',
  'node options are invalid',
);
export type BadOptionsError = InstanceType<typeof BadOptionsError>;
