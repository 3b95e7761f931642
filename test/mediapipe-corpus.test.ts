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
  it('parse; every one made of calculators weft has runs, or is refused as MediaPipe refuses it', async () => {
    const results = await runCorpus(extractCorpus(root!));
    const s = summarize(results);
    console.log(
      `${s.configs} graph configs: ${s.parsed} parse, ${s.known} known: ${s.ran} run, ${s.refused} refused`,
    );
    expect(s.parsed).toBeGreaterThanOrEqual(650);
    // Refused: MediaPipe's negative tests, which assert that MediaPipe refuses the same graph.
    const known = results.filter((r) => r.stage !== 'parse' && !r.blocker.startsWith('calculator '));
    expect(known.filter((r) => r.stage !== 'ran' && r.stage !== 'refused')).toEqual([]);
  }, 600_000);
});
