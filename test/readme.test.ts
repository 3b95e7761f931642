// The README as an executable contract: every code block in it runs as written. JavaScript and
// TypeScript blocks are written into .readme-run/ inside the clone (so `import … from 'weft'`
// resolves to the package's own build, as it does for a user of the installed package); a block
// headed `file=NAME` is written as that file, for the blocks that import it, and every other block
// runs as a program that must exit 0. The TypeScript blocks are type-checked too (strict). Shell
// blocks: `npx weft …` lines run through the compiled CLI; the install, start and test lines are what
// `.ci/run` itself runs on a fresh machine.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = fileURLToPath(new URL('../.readme-run/', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface Block {
  readonly line: number;
  readonly lang: string;
  readonly file: string | undefined;
  readonly body: string;
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    const file = /(?:^|\s)file=(\S+)/.exec(open[2] ?? '')?.[1];
    out.push({ line: start + 1, lang: open[1] ?? '', file, body: `${body.join('\n')}\n` });
  }
  return out;
}

const all = blocks(readme);
const code = all.filter((b) => b.lang === 'js' || b.lang === 'ts');
const programs = code
  .filter((b) => b.file === undefined)
  .map((b) => ({ ...b, file: `block-line-${b.line}.${b.lang === 'ts' ? 'ts' : 'mjs'}` }));
const shell = all
  .filter((b) => b.lang === 'sh')
  .flatMap((b) => b.body.split('\n').filter((l) => l.trim() !== ''));
// What `.ci/run` runs itself, or what sets up a user's project (installs, package.json settings).
const SETUP = /^npm (install|start|test|pkg set)\b/;

function exec(file: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const b of code) if (b.file !== undefined) writeFileSync(`${dir}${b.file}`, b.body);
  for (const p of programs) writeFileSync(`${dir}${p.file}`, p.body);
  writeFileSync(
    `${dir}tsconfig.json`,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023', 'ESNext.Disposable'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        allowImportingTsExtensions: true,
      },
      include: ['*.ts'],
    }),
  );
});

describe('README code blocks', () => {
  it('has only blocks this test knows how to run', () => {
    expect(all.filter((b) => !['js', 'ts', 'sh', 'text'].includes(b.lang)).map((b) => b.line)).toEqual([]);
    expect(programs.length).toBeGreaterThan(5);
  });

  it('type-checks every TypeScript block (strict)', async () => {
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
    const r = await exec(process.execPath, [tsc, '-p', dir], dir);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it.each(programs.map((p) => [p.line, p] as const))(
    'the block at line %i runs and exits 0',
    async (_line, p) => {
      const args = p.file.endsWith('.ts') ? ['--import', 'tsx', p.file] : [p.file];
      const r = await exec(process.execPath, args, dir);
      if (r.code !== 0) throw new Error(`README block at line ${p.line} exited ${r.code}:\n${r.out}`);
    },
  );

  it('its shell lines are either setup that CI runs or weft commands, which run', async () => {
    for (const line of shell.map((l) => l.replace(/\s+#.*$/, '').trim())) {
      if (SETUP.test(line)) continue;
      expect(line).toMatch(/^npx weft /);
      const args = line.slice('npx weft '.length).split(/\s+/);
      const r = await exec(process.execPath, ['dist/cli/main.js', ...args], root);
      if (r.code !== 0) throw new Error(`README line "${line}" exited ${r.code}:\n${r.out}`);
    }
  });
});
