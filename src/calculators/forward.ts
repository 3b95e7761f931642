/**
 * Forwarding an input packet to an output unchanged, the one step pass-through style calculators
 * share: a frame travels by reference (one extra reference for the output; the runtime drops the
 * input's own after `process`), any other value as it is.
 *
 * Threading: call inside a lifecycle call, on the calculator's actor thread.
 */
import type { CalculatorContext, InputPacket, OutputPort } from '../core/calculator.js';

/** Emits `p` on `out` at `timestamp`; a frame is retained and handed over, never copied. */
export function forwardPacket(
  ctx: CalculatorContext<unknown>,
  p: InputPacket,
  out: OutputPort,
  timestamp: number,
): void {
  if (p.frame >= 0) {
    ctx.frames.retain(p.frame);
    out.addFrame(p.frame, timestamp);
  } else {
    out.add(p.value, timestamp);
  }
}
