// FaultAtCalculator: forwards packets until input timestamp `at`, then stamps the wall-clock time
// into shared memory (`stamp`, two Float64: the fault, then the first packet after it, which only an
// instance that replaced the failed one under a restart policy processes) and fails the way `fault` says: a throw, process.exit,
// a heap that grows without end (stamped when 90 % of `heapLimitMb` is used: filling the heap is not
// the fault), a loop that never returns; or, for `none`, stamps and goes on (that packet is the
// source's last: the run then ends normally). JavaScript, so that the `faults` suite measures the
// compiled package as users run it, with no TypeScript loader in the threads.
import { getHeapStatistics } from 'node:v8';
import { defineCalculator } from 'weft/calculator';

export default defineCalculator({
  name: 'FaultAtCalculator',
  contract: {
    inputs: { '': 'one' },
    outputs: { '': 'one' },
    options: { fault: 'none', at: 100, stamp: null, heapLimitMb: 64 },
  },
  create: () => ({
    process(ctx) {
      const p = ctx.input(0);
      if (p.isEmpty) return;
      const o = ctx.options;
      const stamp = new Float64Array(o.stamp);
      const now = () => performance.timeOrigin + performance.now();
      if (ctx.inputTimestamp !== o.at) {
        // Past the fault: a restarted instance's first packet stamps the recovery.
        if (ctx.inputTimestamp > o.at && stamp[1] === 0) stamp[1] = now();
        ctx.output(0).add(p.value, ctx.inputTimestamp);
        return;
      }
      if (o.fault !== 'oom') stamp[0] = now();
      switch (o.fault) {
        case 'none':
          ctx.output(0).add(p.value, ctx.inputTimestamp);
          return;
        case 'throw':
          throw new RangeError('injected fault');
        case 'exit':
          process.exit(5);
          break;
        case 'oom': {
          const hog = [];
          const limit = o.heapLimitMb * 2 ** 20;
          for (;;) {
            hog.push(new Array(100_000).fill(hog.length));
            if (stamp[0] === 0 && getHeapStatistics().used_heap_size > 0.9 * limit) stamp[0] = now();
          }
        }
        case 'loop':
          for (;;) {}
      }
    },
  }),
});
