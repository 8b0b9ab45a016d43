// The Python shim's cost to a script: interpreter start-up with the audit hook and environment capture installed,
// against a bare `python3 -c pass`, and reading 10,000 small files with and without the hook.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Report = (name: string, value: number, unit: string, target: string) => void;

const ROOT = join(__dirname, '..', '..');
const PYTHON = process.env.LABBOOK_TEST_PYTHON ?? '/usr/bin/python3';

function shimEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: join(ROOT, 'python'), LABBOOK_JOURNAL: join(dir, 'journal.jsonl'), LABBOOK_READ_ROOTS: dir };
}

/** Median wall time in ms of `python3 args` over `repeats` runs. */
function medianMs(args: string[], env: NodeJS.ProcessEnv, repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(PYTHON, args, { env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`python3 ${args.join(' ')}: ${result.stderr}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** Seconds the script itself reports for reading every file of `folder`. */
function readSeconds(folder: string, env: NodeJS.ProcessEnv): number {
  const result = spawnSync(PYTHON, [join(ROOT, 'test', 'fixtures', 'scripts', 'read_many.py'), folder], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`read_many.py: ${result.stderr}`);
  return Number(result.stdout);
}

/** Reports start-up and read overheads of the shim. */
export function runPythonShimBench(report: Report): void {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-shim-bench-'));
  try {
    const bare = { ...process.env, PYTHONPATH: '' };
    const withShim = medianMs(['-c', 'pass'], shimEnv(dir), 21);
    const without = medianMs(['-c', 'pass'], bare, 21);
    report('python shim: start-up added by the audit hook and environment capture', withShim - without, 'ms', '< 50 ms');
    report('  baseline: bare `python3 -c pass`', without, 'ms', '');
    const files = join(dir, 'files');
    mkdirSync(files);
    for (let i = 0; i < 10_000; i++) writeFileSync(join(files, `f${i}.txt`), `row ${i}\n`);
    const hooked = Math.min(readSeconds(files, shimEnv(dir)), readSeconds(files, shimEnv(dir)));
    const plain = Math.min(readSeconds(files, bare), readSeconds(files, bare));
    report('python shim: reading 10,000 small files with the audit hook (each recorded once)', hooked * 1000, 'ms', '');
    report('  baseline: the same reads without the hook', plain * 1000, 'ms', '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
