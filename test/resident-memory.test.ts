import { describe, expect, it } from 'vitest';
import { ResidentMemory } from '../src/cli/resident-memory.js';

describe('ResidentMemory (the demos’ memory row)', () => {
  it('says so when nothing was sampled', () => {
    expect(new ResidentMemory().summary()).toBe('not sampled');
  });

  it('reports the first sample with its time, the last, and a peak no lower than either', () => {
    const m = new ResidentMemory();
    const first = m.sample(1);
    expect(first).toBeGreaterThan(0);
    // Memory the process holds while the second sample is taken (kept alive past it).
    const held = Buffer.alloc(32 * 1024 * 1024, 1);
    const last = m.sample(7);
    const s = m.summary();
    const got = /^(\d+) MiB at 1 s, (\d+) MiB at the end, peak (\d+) MiB$/.exec(s);
    expect(got, s).not.toBeNull();
    const [, a, b, peak] = got!.map(Number);
    expect(a).toBe(Math.round(first));
    expect(b).toBe(Math.round(last));
    expect(peak).toBeGreaterThanOrEqual(Math.max(a!, b!));
    expect(held[held.length - 1]).toBe(1);
    expect(ResidentMemory.label(157.6)).toBe('rss 158 MiB');
  });
});
