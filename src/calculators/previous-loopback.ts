/**
 * PreviousLoopbackCalculator: for each MAIN packet, the LOOP packet of the previous MAIN packet
 * (MediaPipe's PreviousLoopbackCalculator, with its contract): the way a graph feeds a result back
 * into the processing of the next frame.
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator } from '../core/calculator.js';
import { Timestamp } from '../core/timestamp.js';

/** PreviousLoopbackCalculator takes no options. Plain data; any thread. */
export type PreviousLoopbackOptions = Record<string, never>;

interface MainSpec {
  readonly ts: number;
  /** The LOOP timestamp this MAIN timestamp answers with: the previous non-empty MAIN's. */
  readonly loopTs: number;
}

interface LoopPacket {
  readonly ts: number;
  readonly empty: boolean;
  readonly value: unknown;
  /** Our own reference to a frame packet's frame, or -1. */
  readonly frame: number;
}

/**
 * Emits on `PREV_LOOP`, at each `MAIN` timestamp, the `LOOP` packet whose timestamp is the previous
 * non-empty `MAIN` packet's (nothing, only a bound, for the first one or when that LOOP had no
 * packet). `LOOP` is a back edge from downstream of this node.
 *
 * - Handler: Immediate with `processTimestampBounds`: MAIN and LOOP are followed separately.
 * - Timestamps: `timestampOffset: null`; the output closes once MAIN is done and answered.
 * - Frames: a LOOP frame waiting for its MAIN timestamp holds one reference, handed on or released.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<PreviousLoopbackOptions>({
  name: 'PreviousLoopbackCalculator',
  description: 'Emits, at each MAIN timestamp, the LOOP packet of the previous MAIN packet.',
  contract: {
    inputs: { MAIN: 'one', LOOP: 'one' },
    outputs: { PREV_LOOP: 'one' },
    inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
    processTimestampBounds: true,
    timestampOffset: null,
  },
  create: () => {
    const mains: MainSpec[] = [];
    const loops: LoopPacket[] = [];
    let prevMain: number = Timestamp.Unstarted;
    let prevNonEmptyMain: number = Timestamp.Unstarted;
    let prevLoop: number = Timestamp.Unset;
    return {
      process(ctx) {
        const main = ctx.input('MAIN');
        if (prevMain < main.timestamp) {
          mains.push({ ts: main.timestamp, loopTs: main.isEmpty ? Timestamp.Unset : prevNonEmptyMain });
          if (!main.isEmpty) prevNonEmptyMain = main.timestamp;
          prevMain = main.timestamp;
        }
        const loop = ctx.input('LOOP');
        if (prevLoop < loop.timestamp) {
          if (loop.frame >= 0) ctx.frames.retain(loop.frame);
          loops.push({ ts: loop.timestamp, empty: loop.isEmpty, value: loop.value, frame: loop.frame });
          prevLoop = loop.timestamp;
        }
        const out = ctx.output('PREV_LOOP');
        while (mains.length > 0 && loops.length > 0) {
          const spec = mains[0]!;
          const candidate = loops[0]!;
          if (spec.loopTs < candidate.ts) {
            // No LOOP packet at the wanted timestamp: this MAIN timestamp gets a bound only.
            raise(out, spec.ts + 1);
            mains.shift();
          } else if (spec.loopTs > candidate.ts) {
            drop(ctx, loops.shift()!);
          } else {
            loops.shift();
            if (candidate.empty || out.nextTimestampBound > Timestamp.Max) {
              raise(out, spec.ts + 1);
              drop(ctx, candidate);
            } else if (candidate.frame >= 0) out.addFrame(candidate.frame, spec.ts);
            else out.add(candidate.value, spec.ts);
            mains.shift();
          }
          if (spec.ts === Timestamp.Max && out.nextTimestampBound <= Timestamp.Max) out.close();
        }
      },
      close(ctx) {
        for (const l of loops.splice(0)) drop(ctx, l);
      },
    };
  },
});

function raise(out: { nextTimestampBound: number; setNextTimestampBound(b: number): void }, b: number): void {
  if (b > out.nextTimestampBound && b <= Timestamp.Max) out.setNextTimestampBound(b);
}

function drop(ctx: { frames: { release(h: number): void } }, l: LoopPacket): void {
  if (l.frame >= 0) ctx.frames.release(l.frame);
}
