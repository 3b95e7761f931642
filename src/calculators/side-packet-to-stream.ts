/**
 * SidePacketToStreamCalculator: input side packets as stream packets (MediaPipe's
 * SidePacketToStreamCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { type CalculatorContext, defineCalculator, STOP } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';
import { Timestamp } from '../core/timestamp.js';

/** SidePacketToStreamCalculator takes no options. Plain data; any thread. */
export type SidePacketToStreamOptions = Record<string, never>;

// Output tag → the timestamp its packets carry (undefined: taken from TICK or TIMESTAMP).
const AT: Readonly<Record<string, number | undefined>> = {
  AT_PRESTREAM: Timestamp.PreStream,
  AT_POSTSTREAM: Timestamp.PostStream,
  AT_ZERO: 0,
  AT_TICK: undefined,
  AT_FIRST_TICK: undefined,
  AT_TIMESTAMP: undefined,
};
const MANY = { min: 0, max: 64 } as const;

/**
 * Emits side packet i on output i of its one output tag:
 * - `AT_PRESTREAM`, `AT_POSTSTREAM`, `AT_ZERO`: once, at that timestamp, when the node closes;
 * - `AT_TIMESTAMP`: once, at the timestamp given by the `TIMESTAMP` side packet;
 * - `AT_TICK` (with a `TICK` input): at every tick's timestamp; `AT_FIRST_TICK`: at the first one,
 *   then the outputs close.
 * - Side packets: untagged, one per output stream; `TIMESTAMP` with `AT_TIMESTAMP`.
 * - Errors: another output tag, several, a TICK without a tick output (or the reverse), or counts
 *   that do not match, fail `open`.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<SidePacketToStreamOptions>({
  name: 'SidePacketToStreamCalculator',
  description:
    'Emits its input side packets as packets: at PreStream, PostStream, 0, a TIMESTAMP, or each TICK.',
  contract: {
    inputs: { TICK: 'optional' },
    outputs: Object.fromEntries(Object.keys(AT).map((tag) => [tag, MANY])),
    inputSidePackets: { '': { min: 1, max: 64 }, TIMESTAMP: 'optional' },
    timestampOffset: 0,
  },
  create: () => {
    let tag = '';
    return {
      open(ctx) {
        tag = outputTag(ctx);
        const tick = tag === 'AT_TICK' || tag === 'AT_FIRST_TICK';
        if (tick !== ctx.inputCount('TICK') > 0) {
          throw new InvalidArgumentError(
            'use both a TICK input and an AT_TICK/AT_FIRST_TICK output, or neither',
          );
        }
        if ((tag === 'AT_TIMESTAMP') !== ctx.sidePacketCount('TIMESTAMP') > 0) {
          throw new InvalidArgumentError(
            'use both a TIMESTAMP side packet and an AT_TIMESTAMP output, or neither',
          );
        }
        if (ctx.outputCount(tag) !== ctx.sidePacketCount('')) {
          throw new InvalidArgumentError(
            `${ctx.sidePacketCount('')} side packets for ${ctx.outputCount(tag)} ${tag} outputs: give one per output`,
          );
        }
      },
      process(ctx) {
        if (ctx.inputCount('TICK') === 0) return STOP;
        const tick = ctx.input('TICK');
        if (tick.isEmpty || ctx.output(tag, 0).nextTimestampBound > Timestamp.Max) return undefined;
        for (let i = 0; i < ctx.outputCount(tag); i++) {
          ctx.output(tag, i).add(ctx.sidePacket(i), tick.timestamp);
          if (tag === 'AT_FIRST_TICK') ctx.output(tag, i).close();
        }
        return undefined;
      },
      close(ctx) {
        const at = tag === 'AT_TIMESTAMP' ? ctx.sidePacket<number>('TIMESTAMP') : AT[tag];
        if (at === undefined) return;
        for (let i = 0; i < ctx.outputCount(tag); i++) ctx.output(tag, i).add(ctx.sidePacket(i), at);
      },
    };
  },
});

function outputTag(ctx: CalculatorContext<SidePacketToStreamOptions>): string {
  const wired = Object.keys(AT).filter((t) => ctx.outputCount(t) > 0);
  if (wired.length !== 1) {
    throw new InvalidArgumentError(
      `exactly one of ${Object.keys(AT).join(', ')} is needed, not ${wired.length}`,
    );
  }
  return wired[0]!;
}
