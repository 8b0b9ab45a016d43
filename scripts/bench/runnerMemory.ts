// Runner memory against console size: `labbook run` tracking a script that prints 300 MiB, its peak RSS next to a
// bare Node process's. Peaks come from peak_rss.py (Linux RUSAGE_CHILDREN: the largest process of the tree).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Report = (name: string, value: number, unit: string, target: string) => void;

const ROOT = join(__dirname, '..', '..');
const SCRIPTS = join(ROOT, 'test', 'fixtures', 'scripts');
const PYTHON = process.env.LABBOOK_TEST_PYTHON ?? '/usr/bin/python3';

/** Peak RSS in MiB of `command` run in `cwd` with its output thrown away. */
export function peakRssMib(cwd: string, command: string[]): number {
  const result = spawnSync(PYTHON, [join(SCRIPTS, 'peak_rss.py'), ...command], { cwd, encoding: 'utf8', env: { ...process.env, LABBOOK_DIR: '' } });
  if (result.status !== 0) throw new Error(`${command.join(' ')}: ${result.stderr}`);
  return Number(result.stdout) / 1024;
}

/** Reports the runner's peak memory on 300 MiB of console output and a bare Node baseline. */
export function runRunnerMemoryBench(report: Report): void {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-'));
  try {
    const cli = join(ROOT, 'dist', 'cli.js');
    const runner = peakRssMib(dir, [process.execPath, cli, 'run', '--', PYTHON, join(SCRIPTS, 'print_bulk.py'), '300']);
    report('runner: peak RSS tracking a script that prints 300 MiB of console output', runner, 'MiB', '< 150 MiB');
    report('  baseline: `node -e ""` peak RSS', peakRssMib(dir, [process.execPath, '-e', '']), 'MiB', '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module)
  runRunnerMemoryBench((name, value, unit, target) => process.stdout.write(`${name}: ${value.toFixed(1)} ${unit}  ${target}\n`));
