// `labbook drift` on two CSVs of 1,000,000 rows x 20 columns (16 numeric, 4 categorical; 5 columns shifted in the
// current file): wall time, CPU time and peak RSS of the built CLI, next to papaparse alone reading the same two files.
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';

type Report = (name: string, value: number, unit: string, target: string) => void;

const ROOT = join(__dirname, '..', '..');
const PYTHON = process.env.LABBOOK_TEST_PYTHON ?? '/usr/bin/python3';
const ROWS = 1_000_000;
const COLUMNS = 20;

/** Writes a CSV of generated rows; `shift` moves every fourth numeric column. */
function writeCsv(path: string, seed: number, shift: number): void {
  let state = seed;
  const next = (): number => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
  const fd = openSync(path, 'w');
  writeSync(fd, `${Array.from({ length: COLUMNS }, (_, j) => `c${j}`).join(',')}\n`);
  let buffer = '';
  for (let i = 0; i < ROWS; i++) {
    const row: string[] = [];
    for (let j = 0; j < COLUMNS; j++) {
      if (j % 5 === 4) row.push(['red', 'green', 'blue', 'grey'][Math.floor(next() * 4)]);
      else row.push((next() * 100 + (j % 4 === 0 ? shift : 0)).toFixed(4));
    }
    buffer += `${row.join(',')}\n`;
    if (buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = '';
    }
  }
  writeSync(fd, buffer);
  closeSync(fd);
}

function parseOnly(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    Papa.parse<string[]>(createReadStream(path, { encoding: 'utf8' }), {
      chunk: (results) => void (rows += results.data.length),
      complete: () => resolve(rows),
      error: reject,
    });
  });
}

/** Runs the command under Python's getrusage: its children's CPU time and largest RSS come back on stderr's last line. */
const RUSAGE = [
  'import resource, subprocess, sys',
  'code = subprocess.run(sys.argv[1:]).returncode',
  'usage = resource.getrusage(resource.RUSAGE_CHILDREN)',
  'sys.stderr.write(f"\\n{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}\\n")',
  'sys.exit(code)',
].join('\n');

/** One run of `command`: its output, wall and CPU seconds, and peak RSS. */
function measured(command: string[]): { stdout: string; seconds: number; cpuSeconds: number; peakMib: number } {
  const start = process.hrtime.bigint();
  const result = spawnSync(PYTHON, ['-c', RUSAGE, ...command], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`drift bench: ${result.stderr}`);
  const [cpuSeconds, peakKib] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { stdout: result.stdout, seconds, cpuSeconds, peakMib: peakKib / 1024 };
}

/** Reports the drift command's time and memory on 1,000,000 x 20 and the parse-only baseline. */
export async function runDriftBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-drift-'));
  try {
    const reference = join(dir, 'reference.csv');
    const current = join(dir, 'current.csv');
    writeCsv(reference, 1, 0);
    writeCsv(current, 2, 10);
    const mib = (statSync(reference).size + statSync(current).size) / 1024 ** 2;
    const run = measured([process.execPath, join(ROOT, 'dist', 'cli.js'), 'drift', reference, current, '--json']);
    const drifted = (JSON.parse(run.stdout) as { driftedColumns: number }).driftedColumns;
    report(
      `drift: 1,000,000 x 20 against 1,000,000 x 20 CSV (${Math.round(mib)} MiB, ${drifted} columns drifted)`,
      run.seconds,
      's',
      'a few seconds',
    );
    report('  drift: CPU time, all threads (the machine may be shared: wall time alone misleads)', run.cpuSeconds, 's', '');
    report('  drift: peak RSS', run.peakMib, 'MiB', 'bounded: 8 bytes a numeric value, no rows kept');
    const parseStart = process.hrtime.bigint();
    await Promise.all([parseOnly(reference), parseOnly(current)]);
    report('  baseline: papaparse alone reading both files', Number(process.hrtime.bigint() - parseStart) / 1e9, 's', '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void runDriftBench((name, value, unit, target) => process.stdout.write(`${name}: ${value.toFixed(2)} ${unit}  ${target}\n`));
}
