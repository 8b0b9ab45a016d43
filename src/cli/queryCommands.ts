import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { toCsv } from '../core/csv';
import { FilterError } from '../core/filter';
import { runLabels } from '../core/compare';
import { formatDuration, formatMetric, relativeTime, runsJson } from '../core/format';
import { parseTolerance, REPRODUCES_TAG, reproductionPair, reproductionVerdict, type Tolerance } from '../core/reproduction';
import { diffRuns } from '../core/runDiff';
import { textSparkline } from '../core/series';
import type { Run, RunDetail, RunListing } from '../core/types';
import { collectGarbage } from '../store/gc';
import type { ListRunsOptions } from '../store/runListing';
import { resolveRunRef, resolveTrashedRunRef, RunRefError } from '../store/runRefs';
import { sampledHistory } from '../store/seriesReads';
import type { Store } from '../store/store';
import { listTrash, restoreRuns, trashRuns, TRASH_DAYS } from '../store/trash';
import { formatTable } from './format';
import { CliError, openWorkspace, type Workspace } from './workspace';
import { environmentDifferences, type EnvironmentDifference } from '../core/environment';
import { environmentOf } from '../capture/environment';

/** Runs a query against the workspace store (closing it after), turning filter and reference mistakes into plain messages. */
export async function withWorkspace<T>(action: (workspace: Workspace) => T | Promise<T>, create = false): Promise<T> {
  const workspace = await openWorkspace(process.cwd(), { create });
  for (const warning of workspace.warnings) process.stderr.write(`labbook: warning: ${warning}\n`);
  try {
    return await action(workspace);
  } catch (error) {
    if (error instanceof FilterError) throw new CliError(`Bad filter: ${error.message}`, 2);
    if (error instanceof RunRefError) throw new CliError(error.message, 2);
    throw error;
  } finally {
    workspace.store.close();
  }
}

/** The ids of the experiment named `name` (undefined: every experiment); a usage error naming the experiments when there is none. */
export function experimentIds(store: Store, name: string | undefined): number[] | undefined {
  if (name === undefined) return undefined;
  const experiment = store.experimentByName(name, false);
  if (!experiment)
    throw new CliError(
      `No experiment named '${name}'. Experiments: ${store
        .listExperiments()
        .map((e) => e.name)
        .join(', ')}`,
      2,
    );
  return [experiment.id];
}

const listOptions = {
  json: { type: 'boolean' },
  filter: { type: 'string', short: 'f' },
  sort: { type: 'string', short: 's', multiple: true },
  experiment: { type: 'string', short: 'e' },
  limit: { type: 'string' },
} as const;

function listOptionsOf(store: Store, values: { filter?: string; sort?: string[]; experiment?: string; limit?: string }): ListRunsOptions {
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new CliError(`--limit takes a whole number, got '${values.limit}'.`, 2);
  return { filter: values.filter, orderBy: values.sort, experimentIds: experimentIds(store, values.experiment), limit };
}

const RUNS_PER_WRITE = 500;

/**
 * Writes the runs `options` select as runsJson(store.listRuns(options)) would, a few hundred runs at a time: no
 * single string of the whole listing (35 MB for 10,000 runs x 20 metrics), and no summary objects: an ended run's
 * listing is stored as its text (run_summaries) and written as it is.
 */
export function writeRunsJson(store: Store, options: ListRunsOptions, out: Writer = process.stdout): void {
  let pieces: Uint8Array[] = [];
  let first = true;
  const flush = (): void => {
    out.write(Buffer.concat(pieces));
    pieces = [];
  };
  store.visitListingTexts(options, (text) => {
    pieces.push(first ? OPEN : COMMA, text);
    first = false;
    if (pieces.length === 2 * RUNS_PER_WRITE) flush();
  });
  if (pieces.length > 0) flush();
  out.write(first ? '[]\n' : ']\n');
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');

/** Where writeRunsJson writes. */
export interface Writer {
  write(text: string | Uint8Array): unknown;
}

/** `labbook ls`: a table of runs, or JSON. */
export async function lsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: listOptions, strict: true });
  return withWorkspace(({ store }) => {
    if (values.json) {
      writeRunsJson(store, listOptionsOf(store, values));
      return 0;
    }
    const runs = store.listRuns(listOptionsOf(store, values));
    if (runs.length === 0) {
      process.stdout.write(values.filter ? 'No runs match that filter.\n' : 'No runs yet. Track one with: labbook run -- python3 train.py\n');
      return 0;
    }
    const metricKeys = [...new Set(runs.flatMap((run) => Object.keys(run.metrics).filter((key) => !key.startsWith('system/'))))].sort().slice(0, 6);
    const header = ['ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED', 'DURATION', ...metricKeys];
    const rows = runs.map((run) => [
      run.id.slice(0, 8),
      run.name,
      run.experimentName,
      run.status,
      relativeTime(run.startTime),
      formatDuration((run.endTime ?? Date.now()) - run.startTime),
      ...metricKeys.map((key) => formatMetric(run.metrics[key]?.last)),
    ]);
    process.stdout.write(`${formatTable(header, rows)}\n`);
    return 0;
  });
}

/** `labbook show <run>`: everything about one run. */
export async function showCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new CliError('Usage: labbook show <run> (an id prefix, a name, @last or @best:<metric>)', 2);
  return withWorkspace(({ store }) => {
    const run = store.getRunDetail(resolveRunRef(store, positionals[0]).id);
    if (values.json) {
      process.stdout.write(`${runsJson(run, 2)}\n`);
      return 0;
    }
    process.stdout.write(`${describeRun(store, run)}\n`);
    return 0;
  });
}

function describeRun(store: Store, run: RunDetail): string {
  const lines = [
    `Run ${run.name} (${run.id})`,
    `  experiment  ${run.experimentName}`,
    `  status      ${run.status}${run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}`,
    `  started     ${new Date(run.startTime).toISOString()}  duration ${formatDuration((run.endTime ?? Date.now()) - run.startTime)}`,
    `  command     ${run.argv.join(' ')}`,
    `  cwd         ${run.cwd ?? ''}`,
    ...reproducesLine(store, run),
    `  git         ${run.git.commit ? `${run.git.commit.slice(0, 12)}${run.git.branch ? ` on ${run.git.branch}` : ''}${run.git.dirty ? ' (uncommitted changes stored)' : ''}` : 'not a git repository'}`,
  ];
  const section = (title: string, header: string[], rows: string[][]): void => {
    if (rows.length === 0) return;
    lines.push('', `${title}:`, formatTable(header, rows).replace(/^/gm, '  '));
  };
  section('Params', ['KEY', 'VALUE'], Object.entries(run.params));
  section(
    'Metrics',
    ['KEY', 'LAST', 'MIN', 'MAX', 'STEPS', 'HISTORY'],
    run.metrics.map((m) => [
      m.key,
      formatMetric(m.last),
      formatMetric(m.min),
      formatMetric(m.max),
      String(m.count),
      historySparkline(store, run.id, m.key),
    ]),
  );
  section('Tags', ['KEY', 'VALUE'], Object.entries(run.tags));
  section(
    'Artifacts',
    ['ROLE', 'PATH', 'SIZE', 'SHA256'],
    run.artifacts.map((a) => [a.role, a.path, String(a.size), a.sha256.slice(0, 12)]),
  );
  return lines.join('\n');
}

/** `reproduces  <name> (<id>)` for a rerun of another run; the id alone when that run is gone. */
function reproducesLine(store: Store, run: RunDetail): string[] {
  const id = run.tags[REPRODUCES_TAG];
  if (!id) return [];
  const original = store.findRun(id);
  return [`  reproduces  ${original ? `${original.name} (${id.slice(0, 8)})` : `${id} (no longer in the store)`}`];
}

/** The whole history of a metric as a one-line chart, first step on the left. */
function historySparkline(store: Store, runId: string, key: string): string {
  const points = sampledHistory(store, runId, key, 24);
  return `${points[0]?.step ?? ''} ${textSparkline(
    points.map((p) => p.value),
    24,
  )} ${points[points.length - 1]?.step ?? ''}`;
}

function cliTolerance(text: string | undefined): Tolerance {
  try {
    return parseTolerance(text);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}

/** The verdict when one of the compared runs reproduces another (its tag names it), with both runs named. */
function reproductionOf(runs: readonly RunDetail[], tolerance: Tolerance) {
  const pair = reproductionPair(runs);
  if (!pair) return undefined;
  const lastValues = (run: RunDetail): Record<string, number> => Object.fromEntries(run.metrics.map((m) => [m.key, m.last]));
  const labels = runLabels([pair.original, pair.reproduction]);
  return {
    original: pair.original.id,
    originalName: labels[0],
    reproduction: pair.reproduction.id,
    reproductionName: labels[1],
    ...reproductionVerdict(lastValues(pair.original), lastValues(pair.reproduction), tolerance),
  };
}

/** `labbook compare <run> <run>…`: params and metrics side by side. */
export async function compareCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'only-diff': { type: 'boolean' }, json: { type: 'boolean' }, tolerance: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length < 2) throw new CliError('Usage: labbook compare <run> <run>… [--only-diff] [--tolerance REL[,ABS]]', 2);
  const tolerance = cliTolerance(values.tolerance);
  return withWorkspace(({ store }) => {
    const runs = positionals.map((ref) => store.getRunDetail(resolveRunRef(store, ref).id));
    const reproduction = reproductionOf(runs, tolerance);
    const rows = diffRuns(
      runs.map((run) => ({ label: run.name, params: run.params, metrics: Object.fromEntries(run.metrics.map((m) => [m.key, m])) })),
      { onlyDifferences: values['only-diff'] },
    );
    const environment = environmentChanges(store, runs);
    if (values.json) {
      process.stdout.write(
        `${runsJson({ runs: runs.map((r) => ({ id: r.id, name: r.name })), rows: rows.map((row) => ({ ...row, values: row.values.map((v) => (typeof v === 'number' ? formatMetric(v) : (v ?? null))) })), environment, reproduction })}\n`,
      );
      return 0;
    }
    const header = ['', 'KEY', ...runs.map((run) => `${run.name} (${run.id.slice(0, 8)})`)];
    const table = rows.map((row) => [
      `${row.differs ? '*' : ' '}${row.kind === 'param' ? 'param' : 'metric'}`,
      row.key,
      ...row.values.map((v) => (typeof v === 'number' ? formatMetric(v) : (v ?? '—'))),
    ]);
    process.stdout.write(rows.length ? `${formatTable(header, table)}\n` : 'The runs have the same params and metrics.\n');
    if (reproduction) process.stdout.write(`\n${reproduction.reproductionName} reproduces ${reproduction.originalName}: ${reproduction.summary}\n`);
    process.stdout.write(environmentText(runs[0], environment));
    return 0;
  });
}

/** Each run's environment differences from the first run's (runs without a recorded environment are left out). */
function environmentChanges(
  store: Store,
  runs: readonly { id: string; name: string }[],
): Array<{ id: string; differences: EnvironmentDifference[] }> {
  const first = environmentOf(store, runs[0].id);
  if (!first) return [];
  return runs.slice(1).flatMap((run) => {
    const other = environmentOf(store, run.id);
    return other ? [{ id: run.id, differences: environmentDifferences(first, other) }] : [];
  });
}

function environmentText(first: { id: string; name: string }, changes: ReturnType<typeof environmentChanges>): string {
  const changed = changes.filter((change) => change.differences.length > 0);
  if (changed.length === 0) return changes.length > 0 ? 'Same environment (interpreter, packages, machine, variables).\n' : '';
  return changed
    .map(({ id, differences }) => {
      const lines = differences.map((d) => `  ${d.field}: ${d.left ?? '—'} -> ${d.right ?? '—'}`);
      return `Environment of ${id.slice(0, 8)} vs ${first.name} (${first.id.slice(0, 8)}):\n${lines.join('\n')}\n`;
    })
    .join('');
}

/** `labbook log <run>`: the console output, live while the run is going. */
export async function logCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new CliError('Usage: labbook log <run>', 2);
  return withWorkspace(async ({ store }) => {
    const run = resolveRunRef(store, positionals[0]);
    const live = store.consolePath(run.id);
    const path = run.consoleSha ? store.objects.pathOf(run.consoleSha) : live && existsSync(live) ? live : null;
    if (!path) process.stderr.write(`Run ${run.name} has no console output.\n`);
    // Streamed: a console log can be larger than memory (or than the 2 GiB a single read allows).
    else await pipeline(createReadStream(path), process.stdout, { end: false });
    return 0;
  });
}

/** Resolves among active runs, else among the Trash (what purging accepts); the active miss is what is reported. */
function resolveAnyRunRef(store: Store, ref: string): Run {
  try {
    return resolveRunRef(store, ref);
  } catch (error) {
    if (!(error instanceof RunRefError)) throw error;
    try {
      return resolveTrashedRunRef(store, ref);
    } catch {
      throw error;
    }
  }
}

const shortIds = (runs: readonly Run[]): string => runs.map((run) => run.id.slice(0, 8)).join(' ');

/** `labbook rm [--purge] <run>…`: moves runs to the Trash, or with --purge deletes them now (their files are freed by gc). */
export async function rmCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { purge: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length === 0) throw new CliError('Usage: labbook rm [--purge] <run>…', 2);
  return withWorkspace(({ store }) => {
    const runs = positionals.map((ref) => (values.purge ? resolveAnyRunRef(store, ref) : resolveRunRef(store, ref)));
    const live = runs.filter((run) => run.status === 'RUNNING');
    if (live.length) throw new CliError(`Run ${live[0].name} is still running; stop it first.`, 2);
    if (values.purge) {
      store.deleteRuns(runs.map((run) => run.id));
      for (const run of runs) process.stdout.write(`Deleted ${run.name} (${run.id.slice(0, 8)})\n`);
      return 0;
    }
    trashRuns(
      store,
      runs.map((run) => run.id),
    );
    for (const run of runs) process.stdout.write(`Moved ${run.name} (${run.id.slice(0, 8)}) to the Trash\n`);
    process.stdout.write(`Restore with: labbook restore ${shortIds(runs)}  (the Trash keeps runs ${TRASH_DAYS} days; rm --purge deletes now)\n`);
    return 0;
  });
}

/** `labbook trash [--json]`: the runs in the Trash and when each is purged. */
export async function trashCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  return withWorkspace(({ store }) => {
    const runs = listTrash(store);
    if (values.json) {
      process.stdout.write(`${runsJson(runs)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write('The Trash is empty.\n');
      return 0;
    }
    const rows = runs.map((run) => [
      run.id.slice(0, 8),
      run.name,
      run.experimentName,
      relativeTime(run.deletedAt),
      new Date(run.expiresAt).toISOString().slice(0, 10),
    ]);
    process.stdout.write(`${formatTable(['ID', 'NAME', 'EXPERIMENT', 'DELETED', 'PURGED ON'], rows)}\n`);
    process.stdout.write(
      `Runs stay in the Trash ${TRASH_DAYS} days. Restore with: labbook restore <run>…; delete now with: labbook rm --purge <run>…\n`,
    );
    return 0;
  });
}

/** `labbook restore <run>…`: brings runs back from the Trash. */
export async function restoreCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length === 0) throw new CliError('Usage: labbook restore <run>… (`labbook trash` lists them)', 2);
  return withWorkspace(({ store }) => {
    const runs = positionals.map((ref) => resolveTrashedRunRef(store, ref));
    restoreRuns(
      store,
      runs.map((run) => run.id),
    );
    for (const run of runs) process.stdout.write(`Restored ${run.name} (${run.id.slice(0, 8)})\n`);
    return 0;
  });
}

/** `labbook export --format csv|json`: every matching run with its params and last metric values. */
export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...listOptions, format: { type: 'string', default: 'csv' }, output: { type: 'string', short: 'o' } },
    strict: true,
  });
  if (values.format !== 'csv' && values.format !== 'json') throw new CliError(`--format is csv or json, got '${values.format}'.`, 2);
  return withWorkspace(({ store }) => {
    const runs = store.listRuns(listOptionsOf(store, values));
    const text = values.format === 'json' ? `${runsJson(runs, 2)}\n` : runsToCsv(runs);
    if (values.output) writeFileSync(values.output, text);
    else process.stdout.write(text);
    return 0;
  });
}

/** Runs as CSV: fixed columns, then `param.<key>`, `metric.<key>` and `tag.<key>` columns. */
export function runsToCsv(runs: readonly RunListing[]): string {
  const keys = (pick: (run: RunListing) => object): string[] => [...new Set(runs.flatMap((run) => Object.keys(pick(run))))].sort();
  const paramKeys = keys((run) => run.params);
  const metricKeys = keys((run) => run.metrics);
  const tagKeys = keys((run) => run.tags);
  const header = [
    'run_id',
    'name',
    'experiment',
    'status',
    'start_time',
    'end_time',
    'git_commit',
    ...paramKeys.map((k) => `param.${k}`),
    ...metricKeys.map((k) => `metric.${k}`),
    ...tagKeys.map((k) => `tag.${k}`),
  ];
  const rows = runs.map((run) => [
    run.id,
    run.name,
    run.experimentName,
    run.status,
    new Date(run.startTime).toISOString(),
    run.endTime ? new Date(run.endTime).toISOString() : '',
    run.git.commit ?? '',
    ...paramKeys.map((k) => run.params[k] ?? ''),
    ...metricKeys.map((k) => formatMetric(run.metrics[k]?.last)),
    ...tagKeys.map((k) => run.tags[k] ?? ''),
  ]);
  return toCsv(header, rows);
}

/** Unreferenced blobs younger than this survive gc. */
const GC_GRACE_MS = 60 * 60 * 1000;

/** `labbook gc`: removes stored files that no run references any more. */
export async function gcCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' } }, strict: true });
  return withWorkspace(({ store }) => {
    const dryRun = values['dry-run'] ?? false;
    const { count, bytes } = collectGarbage(store, { graceMs: GC_GRACE_MS, dryRun });
    process.stdout.write(`${dryRun ? 'Would remove' : 'Removed'} ${count} unreferenced file(s), ${(bytes / 1024 / 1024).toFixed(1)} MiB.\n`);
    return 0;
  });
}
