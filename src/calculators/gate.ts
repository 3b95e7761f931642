/**
 * GateCalculator: lets data streams through or drops them, under a boolean control.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, type NodeWiring } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { nextAllowedInStream } from '../core/timestamp.js';

/** Options of {@link GateCalculator}. */
export interface GateOptions {
  /**
   * What an empty ALLOW/DISALLOW stream means at a timestamp where data arrived: `false` (default,
   * MediaPipe's) treats it as "disallow", `true` as "allow". Ignored with a side-packet control.
   */
  readonly emptyPacketsAsAllow: boolean;
  /** The decision when no ALLOW/DISALLOW stream or side packet is wired (default false). */
  readonly allow: boolean;
  /**
   * The state STATE_CHANGE compares the first decision with: `GATE_UNINITIALIZED` (default: no
   * change is reported for the first), `GATE_ALLOW` or `GATE_DISALLOW`.
   */
  readonly initialGateState: 'GATE_UNINITIALIZED' | 'GATE_ALLOW' | 'GATE_DISALLOW' | 'UNSPECIFIED';
}

const GATE_STATES = ['UNSPECIFIED', 'GATE_UNINITIALIZED', 'GATE_ALLOW', 'GATE_DISALLOW'];

const CONTROLS = ['ALLOW', 'DISALLOW'] as const;

/**
 * Passes or drops each data packet according to a control (MediaPipe's GateCalculator).
 *
 * - Inputs: untagged data streams (any number), and the control: at most one of an `ALLOW` or
 *   `DISALLOW` input stream of booleans, or an `ALLOW` or `DISALLOW` input side packet (a fixed
 *   decision for the run; a side packet that disallows closes the data outputs at the first input
 *   set). With no control the `allow` option decides.
 * - Outputs: as many untagged streams as data inputs; optional `STATE_CHANGE` emitting the new
 *   decision (a boolean, true = allow) at the timestamp where it changes (not for the first one).
 * - Options: `emptyPacketsAsAllow` (default false), `allow` (default false), `initialGateState`.
 * - Timestamps: packets keep their timestamps (`timestampOffset: 0`). While disallowed the data
 *   outputs still advance their bound past the input timestamp, so a downstream join on a gated
 *   stream never waits for a packet that was dropped.
 * - Errors: a control value that is not a boolean fails `open` or `process`.
 * - Threading: runs on its actor's thread.
 */
const GateCalculator = defineCalculator<GateOptions>({
  name: 'GateCalculator',
  description: 'Passes or drops packets according to an ALLOW or DISALLOW stream or side packet.',
  contract: {
    inputs: { '': 'many', ALLOW: 'optional', DISALLOW: 'optional' },
    outputs: { '': 'many', STATE_CHANGE: 'optional' },
    inputSidePackets: { ALLOW: 'optional', DISALLOW: 'optional' },
    options: { emptyPacketsAsAllow: false, allow: false, initialGateState: 'GATE_UNINITIALIZED' },
    validateOptions: (o) =>
      GATE_STATES.includes(o.initialGateState)
        ? undefined
        : `initialGateState "${o.initialGateState}" is not one of ${GATE_STATES.join(', ')}`,
    validate: (wiring: NodeWiring) => {
      const data = wiring.inputs['']?.length ?? 0;
      const outputs = wiring.outputs['']?.length ?? 0;
      if (data !== outputs) {
        return (
          'GateCalculator needs as many untagged outputs as data inputs ' +
          `(has ${data} inputs, ${outputs} outputs)`
        );
      }
      const controls = CONTROLS.flatMap((t) => [
        ...((wiring.inputs[t]?.length ?? 0) > 0 ? [`input stream ${t}`] : []),
        ...((wiring.inputSidePackets[t]?.length ?? 0) > 0 ? [`input side packet ${t}`] : []),
      ]);
      return controls.length <= 1
        ? undefined
        : `GateCalculator takes at most one control, has ${controls.join(', ')}`;
    },
    timestampOffset: 0,
  },
  create: () => {
    // Decision fixed by a side packet or the `allow` option; undefined when a stream controls it.
    let fixed: boolean | undefined;
    // A side packet fixed it: a refusal is for good, so the outputs close (MediaPipe's rule).
    let bySidePacket = false;
    // Last decision, for STATE_CHANGE; undefined before the first.
    let last: boolean | undefined;
    return {
      open(ctx) {
        const state = ctx.options.initialGateState;
        last = state === 'GATE_ALLOW' ? true : state === 'GATE_DISALLOW' ? false : undefined;
        for (const tag of CONTROLS) {
          if (ctx.sidePacketCount(tag) === 0) continue;
          bySidePacket = true;
          const v = ctx.sidePacket(tag);
          fixed =
            tag === 'ALLOW' ? asBool(v, `input side packet ${tag}`) : !asBool(v, `input side packet ${tag}`);
        }
        if (!bySidePacket && ctx.inputCount('ALLOW') + ctx.inputCount('DISALLOW') === 0) {
          fixed = ctx.options.allow;
        }
      },
      process(ctx) {
        const ts = ctx.inputTimestamp;
        let allow = fixed ?? ctx.options.emptyPacketsAsAllow;
        if (fixed === undefined) {
          for (const tag of CONTROLS) {
            if (ctx.inputCount(tag) === 0) continue;
            const c = ctx.input(tag);
            if (!c.isEmpty) allow = asBool(c.value, `${tag} at ${ts}`) === (tag === 'ALLOW');
          }
        }
        if (last !== undefined && last !== allow && ctx.outputCount('STATE_CHANGE') > 0) {
          ctx.output('STATE_CHANGE').add(allow, ts);
        }
        last = allow;
        const n = ctx.inputCount('');
        for (let i = 0; i < n; i++) {
          const out = ctx.output(i);
          if (!allow) {
            if (bySidePacket) {
              out.close();
              continue;
            }
            // Dropped: say so downstream at once instead of leaving the join to wait for the offset.
            const bound = nextAllowedInStream(ts);
            if (bound > out.nextTimestampBound) out.setNextTimestampBound(bound);
            continue;
          }
          const p = ctx.input(i);
          if (p.isEmpty) continue;
          if (p.frame >= 0) {
            ctx.frames.retain(p.frame);
            out.addFrame(p.frame, ts);
          } else {
            out.add(p.value, ts);
          }
        }
      },
    };
  },
});
export default GateCalculator;

function asBool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean')
    throw new InvalidArgumentError(`GateCalculator ${what} is ${typeof v}, not a boolean`);
  return v;
}
