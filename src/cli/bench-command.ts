/**
 * `weft bench`: the bench entry `npm run bench` runs (bench/main.ts), with the same arguments, in a
 * child Node with tsx: bench/ is TypeScript and not compiled into dist/, so this works from source
 * and from a built clone alike, and says so where the bench sources are absent (an installed
 * package). The child's exit code becomes ours.
 *
 * Threading: main thread of the CLI process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { tsxApiUrls } from '../core/module-loader.js';

/** Runs the bench suites with `args`. */
export async function benchCommand(args: readonly string[]): Promise<void> {
  // src/cli/ and dist/cli/ both sit two levels below the repository root.
  const entry = new URL('../../bench/main.ts', import.meta.url);
  if (!existsSync(entry)) {
    throw new UsageError(
      `weft bench runs the benchmark sources (${fileURLToPath(entry)}), which are not part of the ` +
        'installed package: run it from a clone of the weft repository (npx weft bench, or npm run bench)',
    );
  }
  if (tsxApiUrls(entry.href) === undefined) {
    throw new UsageError(
      'weft bench needs tsx to run the TypeScript bench sources: npm install in the clone',
    );
  }
  const loader = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--import', loader, fileURLToPath(entry), ...args], {
    stdio: 'inherit',
  });
  process.exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
