// Development benchmark (not in CI, which has no MLflow): the real mlflow 2.12 client's four workloads
// (mlflow_client_bench.py) against a null server, the client's own limit, against `labbook serve`, and against the
// floor server (floorStore.ts: parses each write and commits it as one row), the least a durable server adds.
//
//   node --import tsx scripts/bench/mlflowClient.ts --mlflow /path/to/mlflow-2.12-tree [--repeat 3] [--only labbook|null|floor]
//     [--before /abs/path/in/this/tree/.cache/dist-before/cli.js] [-- --runs 100]
//
// --before adds a third server, an earlier build, measured in the same interleaved rounds: a before/after pair that
// a busy machine cannot skew. The copy is a whole earlier dist/ (cli.js loads cliMain.js and the workers beside it)
// and must sit inside this tree (.cache/ is ignored) so that it finds node_modules.
//
// The tree is MLflow's `mlflow` package exported outside this repo (../shared/docs/real-mlflow-server.md); `npm run
// build` first, since `labbook serve` runs from dist/cli.js.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLabbookServe } from './labbookServe';
import { startNullServer } from './nullMlflowServer';

const PYTHON = process.env.LABBOOK_TEST_PYTHON ?? '/usr/bin/python3';
const DRIVER = join(__dirname, 'mlflow_client_bench.py');

/** The driver's figures. */
interface Figures {
  log_metric: number;
  log_batch: number;
  history_s: number;
  runs_s: number;
}

/** Output of a child process that must succeed. */
function output(child: ChildProcess, what: string): Promise<string> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} exited with ${code}: ${err}`))));
  });
}

async function drive(servers: Record<string, string>, mlflowTree: string, driverArgs: string[]): Promise<Record<string, Figures>> {
  const cwd = mkdtempSync(join(tmpdir(), 'labbook-bench-client-'));
  try {
    const env = { ...process.env, PYTHONPATH: mlflowTree, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', MLFLOW_DISABLE_TELEMETRY: 'true' };
    const targets = Object.entries(servers).map(([name, url]) => `${name}=${url}`);
    const text = await output(spawn(PYTHON, [DRIVER, ...driverArgs, ...targets], { cwd, env }), 'the mlflow client driver');
    return JSON.parse(text) as Record<string, Figures>;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** The servers up for the length of `action`: null, labbook, floor, and `before` when an earlier build is given. */
async function withServers<T>(before: string | undefined, action: (servers: Record<string, string>) => Promise<T>): Promise<T> {
  const dirs = [mkdtempSync(join(tmpdir(), 'labbook-bench-serve-')), mkdtempSync(join(tmpdir(), 'labbook-bench-before-'))];
  // Each server is stopped however the rest goes: one that fails to start must not leave the others running.
  const running: (() => Promise<void>)[] = [];
  try {
    const empty = await startNullServer();
    running.push(() => empty.close());
    const floor = await startNullServer({ floor: true });
    running.push(() => floor.close());
    const serve = await startLabbookServe(dirs[0]);
    running.push(() => serve.stop());
    const earlier = before ? await startLabbookServe(dirs[1], before) : undefined;
    if (earlier) running.push(() => earlier.stop());
    return await action({ null: empty.url, labbook: serve.url, floor: floor.url, ...(earlier ? { before: earlier.url } : {}) });
  } finally {
    for (const stop of running) await stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function show(value: number | undefined): string {
  return value === undefined ? '-' : value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** How much slower `value` is than the client's limit, as a percentage. */
function gap(value: number | undefined, limit: number | undefined, higherIsBetter: boolean): string {
  if (value === undefined || limit === undefined) return '';
  return `${(((higherIsBetter ? limit / value : value / limit) - 1) * 100).toFixed(0)}%`;
}

function line(name: string, unit: string, figures: Partial<Record<string, Figures>>, workload: keyof Figures, higherIsBetter: boolean): string {
  const { null: limit, labbook, floor, before } = figures;
  const cell = (label: string, f: Figures | undefined): string =>
    f ? ` ${label} ${show(f[workload]).padStart(8)} (${gap(f[workload], limit?.[workload], higherIsBetter).padStart(4)} slower)` : '';
  return `${name.padEnd(40)} ${unit.padEnd(9)} client limit ${show(limit?.[workload]).padStart(8)}${cell('labbook', labbook)}${cell('floor', floor)}${cell('before', before)}\n`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { mlflow: { type: 'string' }, repeat: { type: 'string', default: '3' }, only: { type: 'string' }, before: { type: 'string' } },
    allowPositionals: true,
  });
  if (values.only !== undefined && !['null', 'labbook', 'floor'].includes(values.only)) throw new Error('--only takes null, labbook or floor.');
  const only = values.only;
  const tree = values.mlflow ?? process.env.LABBOOK_MLFLOW_SRC;
  if (!tree) throw new Error('Give --mlflow <dir holding the mlflow 2.12 package> (or LABBOOK_MLFLOW_SRC).');
  // Arguments after `--` go to the driver (--calls, --batches, --runs: smaller workloads for a quick look).
  const driverArgs = ['--repeat', values.repeat, ...positionals];
  const figures = await withServers(values.before, (servers) => drive(only ? { [only]: servers[only] } : servers, tree, driverArgs));
  process.stdout.write(`mlflow 2.12 client, best of ${values.repeat} rounds\n`);
  process.stdout.write(line('log_metric (one point a call)', 'calls/s', figures, 'log_metric', true));
  process.stdout.write(line('log_batch (1,000 metrics a call)', 'points/s', figures, 'log_batch', true));
  process.stdout.write(line('get_metric_history, 100,000 points', 's', figures, 'history_s', false));
  process.stdout.write(line('runs with 10 params + 10 metrics each', 's', figures, 'runs_s', false));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
