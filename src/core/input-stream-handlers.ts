/**
 * Input stream handlers: which packets a node's `process` sees, and when it runs.
 *
 * | handler    | sets                                  | fires                                         |
 * |------------|---------------------------------------|-----------------------------------------------|
 * | Default    | one over all inputs                   | at the lowest timestamp settled on every input |
 * | Immediate  | one per input                         | as soon as any input has a packet             |
 * | EarlyClose | one over all inputs                   | like Default; closes once any input is done   |
 * | Mux        | the control and the data input it picks | at each control timestamp                   |
 * | Barrier    | one over all inputs, by arrival       | once every input holds a packet               |
 * | TimestampAlign | one over all inputs, shifted       | like Default on the base stream's clock       |
 * | SyncSet    | declared groups, plus one for the rest | per group, lowest timestamp first            |
 * | FixedSize  | one over all inputs, trimmed          | like Default, after dropping old packets      |
 *
 * The rules are MediaPipe's (see `handlers/sync-groups.ts` and `handlers/fixed-size.ts`). Default's
 * `batchSize` is applied by the engine, which gathers that many sets before calling `process` once
 * per set.
 *
 * Threading: a handler belongs to one node engine on one thread; not thread-safe.
 */
import { InvalidArgumentError } from './errors.js';
import type { ResolvedNode } from './graph-config.js';
import { BarrierHandler } from './handlers/barrier.js';
import { EarlyCloseHandler } from './handlers/early-close.js';
import { FixedSizeHandler } from './handlers/fixed-size.js';
import { MuxHandler } from './handlers/mux.js';
import { type InputStreamHandler, SyncGroupHandler } from './handlers/sync-groups.js';
import { TimestampAlignHandler } from './handlers/timestamp-align.js';
import type { InputQueue } from './input-queue.js';

export { FixedSizeHandler } from './handlers/fixed-size.js';
export {
  type InputStreamHandler,
  NOT_READY,
  READY,
  READY_FOR_CLOSE,
  type Readiness,
  SyncGroupHandler,
} from './handlers/sync-groups.js';

/**
 * Builds the handler `node.inputStreamHandler` names over `queues` (one per `node.inputs` entry).
 * Throws InvalidArgumentError for a configuration graph validation would also reject.
 */
export function createInputStreamHandler(
  node: ResolvedNode,
  queues: readonly InputQueue[],
): InputStreamHandler {
  const h = node.inputStreamHandler;
  const bounds = node.processTimestampBounds;
  switch (h.name) {
    case 'DefaultInputStreamHandler':
      batchSizeOf(node);
      return new SyncGroupHandler(queues, [Int32Array.from(queues, (_, i) => i)], bounds, false);
    case 'ImmediateInputStreamHandler':
      return new SyncGroupHandler(
        queues,
        queues.map((_, i) => Int32Array.of(i)),
        bounds,
        true,
      );
    case 'EarlyCloseInputStreamHandler':
      return new EarlyCloseHandler(queues, bounds);
    case 'MuxInputStreamHandler': {
      if (queues.length < 2) throw bad(node, 'MuxInputStreamHandler needs a control input and a data input');
      const select = node.inputs.findIndex((p) => p.tag === 'SELECT');
      return new MuxHandler(queues, select >= 0 ? select : queues.length - 1, node.name);
    }
    case 'BarrierInputStreamHandler':
      return new BarrierHandler(queues);
    case 'TimestampAlignInputStreamHandler': {
      const id = h.timestampBaseTagIndex;
      const base = id === undefined || id === '' ? 0 : findInput(node, id);
      if (base < 0)
        throw bad(node, `TimestampAlignInputStreamHandler: base "${id}" names no input of this node`);
      return new TimestampAlignHandler(queues, base);
    }
    case 'SyncSetInputStreamHandler':
      return new SyncGroupHandler(queues, syncGroups(node, h.syncSets), bounds, false);
    case 'FixedSizeInputStreamHandler': {
      const trigger = h.triggerQueueSize ?? 2;
      const target = h.targetQueueSize ?? 1;
      if (!isCount(trigger) || !isCount(target) || target > trigger) {
        throw bad(
          node,
          `FixedSizeInputStreamHandler needs 1 ≤ targetQueueSize (${target}) ≤ ` +
            `triggerQueueSize (${trigger})`,
        );
      }
      return new FixedSizeHandler(queues, bounds, trigger, target, h.fixedMinSize ?? false);
    }
    default:
      throw bad(node, `unknown input stream handler "${(h as { name: string }).name}"`);
  }
}

/** Input sets the engine gathers before calling `process` (Default's `batchSize`; 1 otherwise). */
export function batchSizeOf(node: ResolvedNode): number {
  const h = node.inputStreamHandler;
  if (h.name !== 'DefaultInputStreamHandler' || h.batchSize === undefined) return 1;
  if (!isCount(h.batchSize)) throw bad(node, `batchSize ${h.batchSize} must be an integer ≥ 1`);
  return h.batchSize;
}

/**
 * True when every input set of `node` is made of the packets at one timestamp, taken from the
 * queues' heads in timestamp order: the Default handler, batch 1, no bound-only calls. A set's
 * packets are then known by its timestamp, and one packet per input queued ahead is all it needs.
 */
export function setsByTimestamp(node: ResolvedNode): boolean {
  return (
    node.inputs.length > 0 &&
    node.inputStreamHandler.name === 'DefaultInputStreamHandler' &&
    batchSizeOf(node) === 1 &&
    !node.processTimestampBounds
  );
}

function syncGroups(node: ResolvedNode, sets: readonly (readonly string[])[]): Int32Array[] {
  const owner = new Int32Array(node.inputs.length).fill(-1);
  const groups = sets.map((ids, g) =>
    Int32Array.from(ids, (id) => {
      const i = findInput(node, id);
      if (i < 0)
        throw bad(node, `SyncSetInputStreamHandler: sync set entry "${id}" names no input of this node`);
      if (owner[i] !== -1) throw bad(node, `SyncSetInputStreamHandler: input "${id}" is in two sync sets`);
      owner[i] = g;
      return i;
    }),
  );
  const rest = [...owner.keys()].filter((i) => owner[i] === -1);
  if (rest.length > 0) groups.push(Int32Array.from(rest));
  return groups.filter((g) => g.length > 0);
}

// `TAG:index`, `TAG` or `:index` (MediaPipe's tag_index form).
function findInput(node: ResolvedNode, id: string): number {
  const colon = id.indexOf(':');
  const tag = colon < 0 ? id : id.slice(0, colon);
  const index = colon < 0 ? 0 : Number(id.slice(colon + 1));
  return node.inputs.findIndex((p) => p.tag === tag && p.index === index);
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1;
}

function bad(node: ResolvedNode, message: string): Error {
  return new InvalidArgumentError(message, { node: node.name, phase: 'config' });
}
