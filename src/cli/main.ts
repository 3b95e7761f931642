#!/usr/bin/env node
/**
 * The `weft` command line: `demo` (also `demo --redis`, one host of a fleet across hosts), `feed`
 * and `report` (that fleet's producer and accounting), `relay`, `run`, `viz`, `inspect` and `bench`,
 * with `--help` on each and `weft --version`. Arguments are parsed by commander; each command's work lives in its
 * own module, imported only when that command runs (so `weft --help` loads no runtime).
 *
 * Exit codes: 0 success; 1 the work failed (a graph error, frames unaccounted for); 2 the command
 * line was wrong (unknown option, bad value, a graph input left unfed); 130 interrupted (Ctrl-C),
 * after printing what was done so far.
 *
 * Threading: main thread of its own process.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { UsageError, WeftError } from '../core/errors.js';
import { count, DEMO_FLAGS, MAX_CAMERAS, number, redisUrl } from './cli-values.js';
import type { FeedFlags } from './feed-command.js';
import { addRedisTlsOptions, redisTlsFiles } from './redis-tls-flags.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

function program(): Command {
  const weft = new Command('weft')
    .description(
      'Streaming calculator graphs on Node.js, every calculator an actor in its own worker thread.',
    )
    .version(version, '-v, --version', 'print the version')
    .helpCommand('help [command]', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const demo = weft
    .command('demo')
    .description(
      'the camera-fleet pipeline (seed 004): synthetic cameras -> preprocess -> batched ONNX inference, one lane per camera shard, -> postprocess -> sink; frames pass as shared-memory handles',
    );
  for (const f of DEMO_FLAGS) demo.addOption(new Option(f.flags, f.help).argParser(f.parse));
  demo.option(
    '--restart',
    'inference restarts on a fresh thread after a crash (a restart policy) instead of failing the run',
  );
  // Across hosts: this process becomes one consumer host of a fleet fed through Redis (weft feed).
  demo
    .option(
      '--redis <url>',
      'read the cameras from Redis streams (redis:// or rediss://, weft feed writes them)',
      redisUrl,
    )
    .option(
      '--streams <n>',
      'with --redis: the input streams weft feed writes (default: 32)',
      count('streams'),
    )
    .option('--prefix <name>', 'with --redis: key prefix (default: weft)')
    .option(
      '--idle-exit <ms>',
      'with --redis: exit once the group has had nothing left for this long',
      count('idle-exit', 0),
    )
    .option(
      '--claim-idle <ms>',
      "with --redis: claim a consumer's entries pending this long (default: 10000)",
      count('claim-idle'),
    )
    .option('--consumer <name>', 'with --redis: consumer name prefix (default: host-pid)');
  addRedisTlsOptions(demo);
  addUiOptions(demo);
  demo.action(async (o: Record<string, number | string | undefined>) => {
    // Flags that only mean something across hosts: without --redis they would be ignored silently.
    const redisOnly = [
      'streams',
      'prefix',
      'idleExit',
      'claimIdle',
      'consumer',
      'redisCa',
      'redisCert',
      'redisKey',
    ];
    const stray = redisOnly.filter((k) => o[k] !== undefined);
    if (o.redis === undefined && stray.length > 0) {
      const flags = stray.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      throw new UsageError(`weft demo: ${flags.join(', ')} take effect only with --redis`);
    }
    const { fleetDemo } = await import('./fleet-demo.js');
    await fleetDemo(o);
  });

  const feed = weft
    .command('feed')
    .description('publish synthetic cameras into hash-sharded Redis streams, for weft demo --redis consumers')
    .requiredOption('--redis <url>', 'redis:// or rediss:// URL, with ACL user and password if any', redisUrl)
    .option('--cameras <n>', 'synthetic cameras', count('cameras', 1, MAX_CAMERAS), 100)
    .option(
      '--fps <f>',
      'frames per second per camera; 0: as fast as the streams take them',
      number('fps'),
      0,
    )
    .option('--seconds <n>', 'stop after n seconds', number('seconds', 0.1))
    .option('--frames <n>', 'frames per camera, then stop', count('frames'))
    .option('--streams <n>', 'input streams (cameras hashed over them)', count('streams'), 32)
    .option('--size <px>', 'frame width and height (RGBA)', count('size', 8), 96)
    .option('--prefix <name>', 'key prefix', 'weft')
    .option(
      '--max-backlog <n>',
      'entries a stream may hold before the feed waits (live cameras drop)',
      count('max-backlog'),
      1000,
    );
  addRedisTlsOptions(feed).action(async (o: FeedFlags) => {
    if (o.seconds !== undefined && o.frames !== undefined) {
      throw new UsageError('weft feed: give --seconds or --frames, not both');
    }
    const { feedCommand } = await import('./feed-command.js');
    await feedCommand(o);
  });

  const report = weft
    .command('report')
    .description(
      'account every frame of a fleet spread over hosts: produced = processed + dropped, per camera',
    )
    .requiredOption('--redis <url>', 'redis:// or rediss:// URL', redisUrl)
    .option('--prefix <name>', 'key prefix', 'weft')
    .option('--json', 'print JSON instead of text');
  addRedisTlsOptions(report).action(
    async (o: { redis: string; prefix: string; json?: boolean } & Record<string, unknown>) => {
      const { reportCommand } = await import('./report-command.js');
      await reportCommand({ redis: o.redis, prefix: o.prefix, json: o.json === true, tls: redisTlsFiles(o) });
    },
  );

  weft
    .command('relay')
    .description('the frame relay: one camera thread, one analyzer thread, large RGBA frames read in place')
    .option('--seconds <n>', 'how long to run', number('seconds', 0.1), 5)
    .option('--width <px>', 'frame width', count('width'), 1280)
    .option('--height <px>', 'frame height', count('height'), 720)
    .option('--slots <n>', 'frame pool slots', count('slots'), 8)
    .action(async (o: { seconds: number; width: number; height: number; slots: number }) => {
      const { relayCommand } = await import('./relay-command.js');
      await relayCommand(o);
    });

  const run = weft
    .command('run')
    .description('run a graph to the end and print its outputs, side packets and diagnostic snapshot')
    .argument(
      '<graph>',
      'MediaPipe text (.pbtxt) or a module whose default export is a GraphConfig or graph() builder (.js, .mjs, .ts, .mts)',
    )
    .option('--calculators <module>', 'register every calculator a module exports (repeatable)', collect)
    .option(
      '--side <name=value>',
      'an input side packet; the value is JSON, else a string (repeatable)',
      collect,
      [],
    )
    .option(
      '--input <name=file>',
      'feed a graph input stream from a JSON-lines file: line i is the packet at timestamp i µs (repeatable)',
      collect,
      [],
    )
    .action(
      async (
        file: string,
        o: { calculators?: string[]; side?: string[]; input?: string[]; ui?: number; uiHost?: string },
      ) => {
        const { runCommand } = await import('./run-command.js');
        await runCommand(file, {
          calculators: o.calculators ?? [],
          side: o.side ?? [],
          input: o.input ?? [],
          ...(o.ui === undefined ? {} : { ui: { port: o.ui, host: o.uiHost ?? '127.0.0.1' } }),
        });
      },
    );
  addUiOptions(run);

  weft
    .command('viz')
    .description('print a graph as Mermaid or Graphviz dot')
    .argument('<graph>', 'MediaPipe text (.pbtxt) or a graph module (.js, .mjs, .ts, .mts)')
    .addOption(
      new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'),
    )
    .option('--calculators <module>', 'register every calculator a module exports (repeatable)', collect)
    .action(async (file: string, o: { format: 'mermaid' | 'dot'; calculators?: string[] }) => {
      const { vizCommand } = await import('./viz-command.js');
      await vizCommand(file, { format: o.format, calculators: o.calculators ?? [] });
    });

  weft
    .command('inspect')
    .description('list the calculators, or show one with its ports, side packets, options and defaults')
    .argument('[calculator]', 'a calculator name')
    .option('--calculators <module>', 'also list every calculator a module exports (repeatable)', collect)
    .option('--json', 'print JSON instead of text')
    .action(async (name: string | undefined, o: { calculators?: string[]; json?: boolean }) => {
      const { inspectCommand } = await import('./inspect-command.js');
      await inspectCommand(name, { calculators: o.calculators ?? [], json: o.json === true });
    });

  weft
    .command('bench')
    .description(
      'the benchmark suites, as `npm run bench` (from a clone of the repository; weft bench --help)',
    )
    .argument('[args...]', 'passed on to the bench runner')
    .helpOption(false)
    .allowUnknownOption()
    .action(async (args: string[]) => {
      const { benchCommand } = await import('./bench-command.js');
      await benchCommand(args);
    });
  return weft;
}

/** `--ui PORT` and `--ui-host HOST`: the live view and /metrics (src/web), off unless given. */
function addUiOptions(command: Command): void {
  command
    .option(
      '--ui <port>',
      'serve the live view and Prometheus /metrics on this port (0: a free one)',
      count('ui', 0),
    )
    .option('--ui-host <host>', 'interface the view listens on (default 127.0.0.1: this machine only)');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function main(argv: string[]): Promise<void> {
  const weft = program();
  if (argv.length === 0) {
    weft.outputHelp();
    return;
  }
  try {
    await weft.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end in a CommanderError with exit code 0; anything else is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    throw err;
  }
}

// A reader that stops early (`weft inspect --json | head -1`) closes the pipe: the output is no
// longer wanted, which is no failure of the command. Anything else on stdout is.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).catch((err: unknown) => {
  // A wrapped failure (a node's open that failed on a refused password) shows what it wraps too.
  const cause = err instanceof WeftError && err.cause instanceof WeftError ? err.cause.code : undefined;
  const code =
    err instanceof WeftError
      ? ` (${err.code}${cause === undefined || cause === err.code ? '' : `, cause ${cause}`})`
      : '';
  process.stderr.write(`weft: ${err instanceof Error ? err.message : String(err)}${code}\n`);
  // The validation message speaks to API users (a registry); on the command line it is a flag.
  const problems = (err as { problems?: readonly { code?: string }[] }).problems ?? [
    err as { code?: string },
  ];
  if (problems.some((p) => p?.code === 'ERR_WEFT_UNKNOWN_CALCULATOR')) {
    process.stderr.write(
      'weft: give the module that defines it with --calculators FILE (`weft inspect` lists the calculators weft has)\n',
    );
  }
  // Exit now: a failed command may leave a connection or timer open (a Redis client mid-retry), and
  // a CLI that printed its error must not linger. stderr is written synchronously to files, TTYs
  // and pipes on POSIX.
  process.exit(err instanceof UsageError ? 2 : 1);
});
