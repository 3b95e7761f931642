/**
 * The counter and gauge families of weft's Prometheus metrics: each a name, a help text, its label
 * names and how to pick its samples out of a {@link LiveReading}. Names follow Prometheus'
 * conventions: a `weft_` prefix, `_total` on counters, base units (`_seconds`, no milliseconds).
 *
 * Threading: none (constant tables and pure functions).
 */
import type { LiveReading } from './live-reading.js';

/** Label names to values. */
export type Labels = Record<string, string>;
/** One sample: its labels and value. */
export type Sample = readonly [labels: Labels, value: number];
/** Picks a family's samples out of a reading. */
export type Pick = (r: LiveReading) => readonly Sample[];
/** A family: name, help, label names, picker. */
export type Family = readonly [name: string, help: string, labelNames: readonly string[], pick: Pick];

const perNode =
  (field: (s: LiveReading['stats'][number]) => number): Pick =>
  (r) =>
    r.stats.map((s) => [{ node: s.node }, field(s)] as const);

const perInput =
  (field: 'queueDepths' | 'queueLimits'): Pick =>
  (r) =>
    r.stats.flatMap((s) => s[field].map((v, i) => [{ node: s.node, input: String(i) }, v] as const));

const perClass =
  (field: (c: LiveReading['pool'][number]) => number): Pick =>
  (r) =>
    r.pool.map((c, i) => [{ class: String(i), slot_bytes: String(c.slotBytes) }, field(c)] as const);

const seconds = (ms: number) => ms / 1000;

/** Counter families (rebuilt from the shared counters at each scrape). */
export const COUNTER_FAMILIES: readonly Family[] = [
  ['weft_node_process_calls_total', 'Process calls of the node.', ['node'], perNode((s) => s.processCalls)],
  [
    'weft_node_packets_in_total',
    'Packets the node took from its input queues.',
    ['node'],
    perNode((s) => s.packetsIn),
  ],
  [
    'weft_node_packets_out_total',
    'Packets the node emitted (once per packet, whatever the fan-out).',
    ['node'],
    perNode((s) => s.packetsOut),
  ],
  [
    'weft_node_busy_seconds_total',
    'Time the node spent in its loop working, back-pressured time included.',
    ['node'],
    perNode((s) => seconds(s.busyMs)),
  ],
  [
    'weft_node_back_pressured_seconds_total',
    'Time the node spent blocked on full output rings.',
    ['node'],
    perNode((s) => seconds(s.blockedMs)),
  ],
  [
    'weft_node_idle_seconds_total',
    'Time the node spent asleep waiting for input.',
    ['node'],
    perNode((s) => seconds(s.idleMs)),
  ],
  [
    'weft_node_restarts_total',
    'Failures the node survived under its restart policy.',
    ['node'],
    perNode((s) => s.restarts),
  ],
  [
    'weft_node_lost_packets_total',
    'Input packets the node lost to failures its restart policy survived (sets it dropped, or read by a thread that died).',
    ['node'],
    perNode((s) => s.lost),
  ],
  [
    'weft_stream_packets_total',
    'Packets that crossed a stream into one consumer.',
    ['stream', 'from', 'to'],
    (r) =>
      (r.snapshot?.pads ?? []).map((p) => [{ stream: p.stream, from: p.from, to: p.to }, p.packets] as const),
  ],
  [
    'weft_input_pushed_total',
    'Samples a Run accepted at a Push input.',
    ['input'],
    (r) => (r.snapshot?.boundary?.inputs ?? []).map((i) => [{ input: i.input }, i.pushed] as const),
  ],
  [
    'weft_input_dropped_total',
    'Samples a Push input refused (policy drop) or evicted (policy replace).',
    ['input', 'reason'],
    (r) =>
      (r.snapshot?.boundary?.inputs ?? []).flatMap((i) => [
        [{ input: i.input, reason: 'drop' }, i.dropped] as const,
        [{ input: i.input, reason: 'replace' }, i.evicted] as const,
      ]),
  ],
  [
    'weft_output_pulled_total',
    'Samples the application took from a Pull output.',
    ['output'],
    (r) => (r.snapshot?.boundary?.outputs ?? []).map((o) => [{ output: o.output }, o.pulled] as const),
  ],
  [
    'weft_output_delivered_total',
    'Samples the graph delivered to a Pull output.',
    ['output'],
    (r) => (r.snapshot?.boundary?.outputs ?? []).map((o) => [{ output: o.output }, o.delivered] as const),
  ],
  [
    'weft_frame_pool_allocations_total',
    'Frames allocated in the size class.',
    ['class', 'slot_bytes'],
    perClass((c) => c.allocations),
  ],
  [
    'weft_frame_pool_exhausted_waits_total',
    'Allocations that found the size class empty and waited.',
    ['class', 'slot_bytes'],
    perClass((c) => c.exhaustedWaits),
  ],
  [
    'weft_frame_pool_failures_total',
    'Allocations that failed (tryAlloc found no slot, or a wait timed out).',
    ['class', 'slot_bytes'],
    perClass((c) => c.failures),
  ],
  [
    'weft_app_processed_total',
    'Items the application counts as fully processed (the fleet: frames at the sinks).',
    [],
    (r) => (r.app === undefined ? [] : [[{}, r.app.processed]]),
  ],
  [
    'weft_app_dropped_total',
    'Items the application dropped (the fleet: frames live cameras dropped).',
    [],
    (r) => (r.app === undefined ? [] : [[{}, r.app.dropped]]),
  ],
];

/** Gauge families. */
export const GAUGE_FAMILIES: readonly Family[] = [
  [
    'weft_node_queue_depth',
    'Packets queued at one input of the node (inputs numbered in port order).',
    ['node', 'input'],
    perInput('queueDepths'),
  ],
  [
    'weft_node_queue_limit',
    'Queue limit of one input of the node.',
    ['node', 'input'],
    perInput('queueLimits'),
  ],
  [
    'weft_node_info',
    'The node and its calculator (always 1).',
    ['node', 'calculator'],
    (r) => r.stats.map((s) => [{ node: s.node, calculator: s.calculator }, 1] as const),
  ],
  [
    'weft_input_queued',
    'Samples waiting at a Push input.',
    ['input'],
    (r) => (r.snapshot?.boundary?.inputs ?? []).map((i) => [{ input: i.input }, i.queued] as const),
  ],
  [
    'weft_output_queued',
    'Samples delivered to a Pull output and not pulled yet.',
    ['output'],
    (r) => (r.snapshot?.boundary?.outputs ?? []).map((o) => [{ output: o.output }, o.queued] as const),
  ],
  ['weft_frame_pool_slots', 'Slots in the size class.', ['class', 'slot_bytes'], perClass((c) => c.slots)],
  [
    'weft_frame_pool_slots_in_use',
    'Slots holding a live frame now.',
    ['class', 'slot_bytes'],
    perClass((c) => c.inUse),
  ],
  [
    'weft_frame_pool_slots_high_water',
    'Most slots ever in use at once.',
    ['class', 'slot_bytes'],
    perClass((c) => c.highWater),
  ],
];
