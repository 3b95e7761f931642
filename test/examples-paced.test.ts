// The paced-emitter example is documentation: it runs here so that it cannot rot.
import { describe, expect, it } from 'vitest';
import { main as pacedEmitter } from '../examples/paced-emitter.js';

describe('paced-emitter example', () => {
  it('plays every frame out in order, intact, with one message per batch and no drops', async () => {
    const lines: string[] = [];
    const out = await pacedEmitter(16, (l) => lines.push(l));
    expect(out.timestamps).toHaveLength(16);
    for (let i = 1; i < out.timestamps.length; i++)
      expect(out.timestamps[i]!).toBeGreaterThan(out.timestamps[i - 1]!);
    expect(out.framesIntact).toBe(true);
    expect(out.messages.map((m) => m.firstFrame)).toEqual([0, 4, 8, 12]);
    expect(out.messages.every((m) => m.brightness.length === 4)).toBe(true);
    expect(out.stats).toMatchObject({ emitted: 16, dropped: 0, messages: 4 });
    expect(lines[0]).toContain('16 frames');
  });
});
