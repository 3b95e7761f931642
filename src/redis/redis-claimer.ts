/**
 * Upkeep of a consumer group, done by every consumer between reads:
 *
 * - **Claiming** (`XAUTOCLAIM key group me min-idle cursor COUNT n`): entries another consumer read
 *   and has not acknowledged for `claimIdleMs` are taken over, so a consumer that died (`kill -9`, a
 *   lost host) leaves no work behind. A live consumer's entries are never that idle as long as
 *   `claimIdleMs` exceeds the time a sample spends in the graph; if it does not, an entry is
 *   processed twice, never lost (at least once: accounting dedupes).
 * - **Trimming** (`XTRIM key MINID floor`, exact: an approximate trim keeps whole 100-entry nodes):
 *   entries every group of the stream has delivered and acknowledged are removed, so a stream holds
 *   only what is undelivered or in flight. The floor is read as `XINFO GROUPS` (each group's last
 *   delivered id) *then* `XPENDING` (its oldest pending id): an entry delivered between the two has
 *   an id above the first reading, so it is kept. A stream whose last trim found nothing pending and
 *   nothing to remove is left alone until this consumer reads from it again: idle streams cost the
 *   server nothing however short the cadence. Trimming runs on its own, shorter cadence
 *   (`trimEveryMs`): a stream trimmed once a second swings by a second of frames, and the server
 *   pays for that swing in fresh pages (a 36 KiB XADD cost 2.6× as much into a growing stream as
 *   into one trimmed to a steady length, measured with `INFO commandstats`). All streams' readings
 *   go out together: three round trips a trim, whatever the number of streams.
 *   Producers that wait while a stream is longer than their limit (`weft feed`) then bound Redis's
 *   memory against a slow graph.
 *
 * Threading: the thread of its reader's connection. Lifecycle: from the source's calls, hand it
 * every read's entries ({@link RedisClaimer.noteRead}) and, when {@link RedisClaimer.due}, call
 * {@link RedisClaimer.claim} then {@link RedisClaimer.trimIfDue}; nothing to close.
 */
import type { RawEntry, RedisStreamReader } from './redis-stream-reader.js';
import { field, toEntry } from './redis-stream-reader.js';
import { compareEntryIds, nextEntryId } from './stream-wire-format.js';

/** When to claim and whether to trim. */
export interface ClaimSpec {
  /** Entries pending this long (ms) are taken over. */
  readonly claimIdleMs: number;
  /** How often to look for idle entries (ms). */
  readonly claimEveryMs: number;
  /** Trim acknowledged entries from the streams. */
  readonly trim: boolean;
  /** How often to trim (ms). */
  readonly trimEveryMs: number;
}

/** See the module comment. */
export class RedisClaimer {
  private lastClaim = 0;
  private lastTrim = 0;
  private readonly cursors = new Map<string, string>();
  // Streams a trim looks at: all at first; a stream leaves once a trim found nothing pending in
  // any group and nothing to remove, and comes back when this consumer reads or claims from it.
  private readonly active: Set<string>;

  constructor(
    private readonly reader: RedisStreamReader,
    private readonly spec: ClaimSpec,
  ) {
    this.active = new Set(reader.spec.streams);
  }

  /** Entries this consumer read: their streams need trimming again. */
  noteRead(entries: readonly RawEntry[]): void {
    for (let i = 0; i < entries.length; i++) this.active.add(entries[i]!.stream);
  }

  /** True when claiming or trimming is due. */
  due(now: number): boolean {
    return (
      now - this.lastClaim >= this.spec.claimEveryMs ||
      (this.spec.trim && now - this.lastTrim >= this.spec.trimEveryMs)
    );
  }

  /** Claims idle entries (at most `count` per stream) when that is due; else returns none. */
  async claim(now: number): Promise<RawEntry[]> {
    const out: RawEntry[] = [];
    if (now - this.lastClaim >= this.spec.claimEveryMs) {
      this.lastClaim = now;
      await this.claimIdle(out);
    }
    return out;
  }

  /**
   * Trims when that is due. Called after the claimed entries are safe in the caller's queue: a
   * trim that fails (a lost connection) must not take them along, or they would wait another
   * `claimIdleMs`, pending to this consumer.
   */
  async trimIfDue(now: number): Promise<void> {
    if (this.spec.trim && now - this.lastTrim >= this.spec.trimEveryMs) {
      this.lastTrim = now;
      await this.trim();
    }
  }

  private async claimIdle(out: RawEntry[]): Promise<void> {
    const { conn, spec } = this.reader;
    // Issued together, so the client pipelines them: one round trip for all streams.
    const replies = await Promise.all(
      spec.streams.map((s) =>
        conn.command<unknown[]>(
          [
            'XAUTOCLAIM',
            s,
            spec.group,
            spec.consumer,
            String(this.spec.claimIdleMs),
            this.cursors.get(s) ?? '0-0',
            'COUNT',
            String(spec.count),
          ],
          'XAUTOCLAIM',
          s,
        ),
      ),
    );
    spec.streams.forEach((s, i) => {
      const reply = replies[i]!;
      this.cursors.set(s, String(reply[0]));
      for (const e of (reply[1] as (unknown[] | null)[]) ?? []) if (e !== null) out.push(toEntry(s, e, true));
    });
    this.noteRead(out);
  }

  private async trim(): Promise<void> {
    const { conn } = this.reader;
    const streams = this.reader.spec.streams.filter((s) => this.active.has(s));
    if (streams.length === 0) return;
    const groupsOf = await Promise.all(
      streams.map((s) => conn.command<unknown[]>(['XINFO', 'GROUPS', s], 'XINFO GROUPS', s)),
    );
    // Each group's oldest pending entry, read after its last delivered id (see the module comment).
    const pendingOf = await Promise.all(
      streams.map((s, i) =>
        Promise.all(
          groupsOf[i]!.map((g) =>
            conn.command<unknown[]>(['XPENDING', s, String(field(g, 'name'))], 'XPENDING', s),
          ),
        ),
      ),
    );
    const trims = streams.map((s, i) => {
      let floor: string | undefined;
      let pendingAll = 0;
      groupsOf[i]!.forEach((g, k) => {
        let groupFloor = nextEntryId(String(field(g, 'last-delivered-id') ?? '0-0'));
        const pending = pendingOf[i]![k]!;
        pendingAll += Number(pending[0]);
        if (
          Number(pending[0]) > 0 &&
          pending[1] !== null &&
          compareEntryIds(String(pending[1]), groupFloor) < 0
        )
          groupFloor = String(pending[1]);
        if (floor === undefined || compareEntryIds(groupFloor, floor) < 0) floor = groupFloor;
      });
      const trimmed =
        floor === undefined
          ? Promise.resolve(0)
          : conn.command<number>(['XTRIM', s, 'MINID', floor], 'XTRIM', s);
      // Nothing pending and nothing left to remove: quiet until this consumer reads or claims
      // from it again (whoever else reads it trims it).
      return trimmed.then((n) => {
        if (pendingAll === 0 && Number(n) === 0) this.active.delete(s);
      });
    });
    await Promise.all(trims);
  }
}
