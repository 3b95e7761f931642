// MediaPipe's own graph configs through weft (scripts/mediapipe-corpus.ts). Needs a MediaPipe source
// tree, which is never part of this repository: set WEFT_MEDIAPIPE_CORPUS to a checkout of
// https://github.com/google-ai-edge/mediapipe (or a bare clone of it), else this test is skipped.
import { describe, expect, it } from 'vitest';
import { extractCorpus, runCorpus, summarize } from '../scripts/mediapipe-corpus.js';

const root = process.env.WEFT_MEDIAPIPE_CORPUS;
if (root === undefined) {
  console.warn(
    'mediapipe-corpus test skipped: set WEFT_MEDIAPIPE_CORPUS to a MediaPipe checkout ' +
      '(git clone https://github.com/google-ai-edge/mediapipe) to run it',
  );
}

describe.skipIf(root === undefined)("MediaPipe's graph configs", () => {
  it('parse, and every one that validates runs on a few packets or is refused at open', async () => {
    const entries = extractCorpus(root!);
    const s = summarize(await runCorpus(entries));
    console.log(`${s.configs} graph configs: ${s.parsed} parse, ${s.valid} validate, ${s.ran} run`);
    expect(s.parsed).toBeGreaterThanOrEqual(650);
    // Refused at open: wiring a calculator's own checks reject (MediaPipe's negative tests).
    expect(s.ran + s.refused).toBe(s.valid);
  }, 600_000);
});
