/**
 * `npm run bench:readme -- FILE [README]`: regenerates the README performance table from a bench
 * JSON file. The text between `<!-- bench:start -->` and `<!-- bench:end -->` is replaced by a
 * markdown table and a line naming the machine; the markers stay, so the table can be regenerated
 * again. Without the markers the table is printed for pasting, and nothing is written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type BenchDocument, describeEnv, renderMarkdown } from './report.js';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** The block that goes between the markers. */
function benchBlock(doc: BenchDocument): string {
  return [
    renderMarkdown(doc.results),
    '',
    `${describeEnv(doc.env)} Regenerate with \`npm run bench -- --json FILE\` and ` +
      '`npm run bench:readme -- FILE`. Ratios compare cases measured in the same run; absolute rates ' +
      'on shared machines are noise.',
  ].join('\n');
}

/** `readme` with the text between the markers replaced, or undefined when a marker is missing. */
function replaceBlock(readme: string, block: string): string | undefined {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END, start + START.length);
  if (start < 0 || end < 0) return undefined;
  return `${readme.slice(0, start + START.length)}\n${block}\n${readme.slice(end)}`;
}

function main(argv: string[]): number {
  const [jsonPath, readmePath = 'README.md'] = argv;
  if (jsonPath === undefined || jsonPath === '--help' || jsonPath === '-h') {
    process.stderr.write('Usage: npm run bench:readme -- BENCH_JSON [README.md]\n');
    return jsonPath === undefined ? 2 : 0;
  }
  const doc = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchDocument;
  if (!Array.isArray(doc.results) || typeof doc.env !== 'object' || doc.env === null) {
    process.stderr.write(`${jsonPath} is not a bench JSON file ({ env, results })\n`);
    return 2;
  }
  const block = benchBlock(doc);
  let readme: string | undefined;
  try {
    readme = readFileSync(readmePath, 'utf8');
  } catch {
    readme = undefined;
  }
  const updated = readme === undefined ? undefined : replaceBlock(readme, block);
  if (updated === undefined) {
    const why =
      readme === undefined ? `${readmePath} not found` : `no ${START} ... ${END} markers in ${readmePath}`;
    process.stdout.write(`${block}\n`);
    process.stderr.write(`${why}: printed the table above instead of writing it\n`);
    return 0;
  }
  writeFileSync(readmePath, updated);
  process.stderr.write(`updated the performance table in ${readmePath}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
