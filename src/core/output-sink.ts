/**
 * What a node engine hands its owner: its outputs, through an OutputSink, and its state.
 *
 * Threading: types only.
 */

/**
 * Where a node engine's outputs go. Called synchronously from inside the engine's methods.
 * Threading: the engine's thread.
 */
export interface OutputSink {
  /**
   * A packet on output `output` (position in node.outputs). frame >= 0 marks a frame packet whose
   * reference is handed over; value is then the FrameRef the calculator passed, or undefined (a
   * frame crosses as its handle: no object per frame).
   */
  packet(output: number, timestamp: number, value: unknown, frame: number): void;
  /**
   * The output's bound rose to `bound` without a packet at bound-1 (only called when it differs
   * from last packet + 1).
   */
  bound(output: number, bound: number): void;
  /** The output stream is done (bound Done). */
  close(output: number): void;
  /** An output side packet was set. */
  sidePacket(index: number, value: unknown): void;
}

/** What an engine's state can be. */
export type EngineState = 'created' | 'opened' | 'closed' | 'failed';
