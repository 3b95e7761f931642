// An owner's own wake condition (an actor's stop word) ends an input set's wait like a readable
// ring, also when it is set just before the set advertises sleep: a stop set by another thread
// followed by a doorbell ring that found nobody asleep yet was missed, and the actor slept out its
// 250 ms wait (a thread that died mid-run took that long to tear its graph down).
import { describe, expect, it } from 'vitest';
import { createDoorbell } from '../src/transport/doorbell.js';
import { createRing, InputSet, RingReader } from '../src/transport/ring-queue.js';

describe('InputSet wakeIf', () => {
  it('a wait with nothing readable returns at once when the owner condition holds', async () => {
    const bell = createDoorbell();
    const reader = new RingReader(createRing({ doorbell: bell, name: 'in' }));
    let stop = false;
    const set = new InputSet([reader], bell, { wakeIf: () => stop, maxSpin: 0 });
    // Nothing readable, condition false: the bounded wait times out (the control case).
    expect(set.wait(1)).toBe(false);
    stop = true;
    // The condition is checked after the set advertised sleep: the wait returns true without parking.
    expect(set.wait(60_000)).toBe(true);
    await expect(set.waitAsync(60_000)).resolves.toBe(true);
  });
});
