/**
 * Upkeep of a consumer group, done by every consumer between reads:
 *
 * - **Claiming** (`XAUTOCLAIM key group me min-idle cursor COUNT n`): entries another consumer read
 *   and has not acknowledged for `claimIdleMs` are taken over, so a consumer that died (`kill -9`, a
 *   lost host) leaves no work behind. A live consumer's entries are never that idle as long as
 *   `claimIdleMs` exceeds the time a sample spends in the graph; if it does not, an entry is
 *   processed twice, never lost (at least once: accounting dedupes).
 * - **Trimming** (`XTRIM key MINID floor`, exact: an approximate trim keeps whole 100-entry nodes): entries every group of the stream has delivered and
 *   acknowledged are removed, so a stream holds only what is undelivered or in flight. The floor is
 *   read as `XINFO GROUPS` (each group's last delivered id) *then* `XPENDING` (its oldest pending
 *   id): an entry delivered between the two has an id above the first reading, so it is kept.
 *   Producers that wait while a stream is longer than their limit (`weft feed`) then bound Redis's
 *   memory against a slow graph.
 *
 * Threading: the thread of its reader's connection. Lifecycle: call {@link RedisClaimer.due} and
 * {@link RedisClaimer.claim} from the source's calls; nothing to close.
 */
import type { RawEntry, RedisStreamReader } from './redis-stream-reader.js';
import { field, toEntry } from './redis-stream-reader.js';
import { compareEntryIds, nextEntryId } from './stream-wire-format.js';

/** When to claim and whether to trim. */
export interface ClaimSpec {
  /** Entries pending this long (ms) are taken over. */
  readonly claimIdleMs: number;
  /** How often to look (ms). */
  readonly claimEveryMs: number;
  /** Trim acknowledged entries from the streams. */
  readonly trim: boolean;
}

/** See the module comment. */
export class RedisClaimer {
  private lastRun = 0;
  private readonly cursors = new Map<string, string>();

  constructor(
    private readonly reader: RedisStreamReader,
    private readonly spec: ClaimSpec,
  ) {}

  /** True when the upkeep is due. */
  due(now: number): boolean {
    return now - this.lastRun >= this.spec.claimEveryMs;
  }

  /** Claims idle entries (at most `count` per stream) and trims; returns the claimed entries. */
  async claim(now: number): Promise<RawEntry[]> {
    this.lastRun = now;
    const { conn, spec } = this.reader;
    const out: RawEntry[] = [];
    for (const s of spec.streams) {
      const cursor = this.cursors.get(s) ?? '0-0';
      const reply = await conn.command<unknown[]>(
        [
          'XAUTOCLAIM',
          s,
          spec.group,
          spec.consumer,
          String(this.spec.claimIdleMs),
          cursor,
          'COUNT',
          String(spec.count),
        ],
        'XAUTOCLAIM',
        s,
      );
      this.cursors.set(s, String(reply[0]));
      for (const e of (reply[1] as (unknown[] | null)[]) ?? []) if (e !== null) out.push(toEntry(s, e, true));
      if (this.spec.trim) await this.trim(s);
    }
    return out;
  }

  private async trim(stream: string): Promise<void> {
    const { conn } = this.reader;
    const groups = await conn.command<unknown[]>(['XINFO', 'GROUPS', stream], 'XINFO GROUPS', stream);
    let floor: string | undefined;
    for (const g of groups) {
      const name = String(field(g, 'name'));
      let groupFloor = nextEntryId(String(field(g, 'last-delivered-id') ?? '0-0'));
      const pending = await conn.command<unknown[]>(['XPENDING', stream, name], 'XPENDING', stream);
      if (
        Number(pending[0]) > 0 &&
        pending[1] !== null &&
        compareEntryIds(String(pending[1]), groupFloor) < 0
      ) {
        groupFloor = String(pending[1]);
      }
      if (floor === undefined || compareEntryIds(groupFloor, floor) < 0) floor = groupFloor;
    }
    if (floor !== undefined) await conn.command(['XTRIM', stream, 'MINID', floor], 'XTRIM', stream);
  }
}
