// `labbook pull`: brings a remote's runs into the local store under their remote ids, tagged with their origin
// (`labbook.origin` = the remote's URL), so every view works on them. Pulled runs are read-only here (the store
// refuses other writers) until `labbook adopt`. Pulling again fetches only what grew: new points per key (by
// count), new or changed params, tags and files; the remote wins for a pulled run's name, status and end.
import type { HistoryPoint, Run, RunStatus } from '../core/types';
import { RUN_STATUSES } from '../core/types';
import type { Store } from '../store/store';
import { ORIGIN_TAG } from '../store/runs';
import { setRunUser } from '../store/tracking';
import type { MlflowClient } from './client';
import type { Ledger } from './ledger';
import { pullModelVersions } from './modelPull';
import type { ModelPullSummary } from './modelPull';
import { proxiedRoot } from './push';
import { historyPage, remoteHistory, remoteValue, RUN_ID_TAG } from './remoteRuns';
import type { HistoryPage } from './remoteRuns';

/** Which remote runs to pull. */
export interface PullOptions {
  /** Only these remote runs (by id), whatever their experiment. */
  runIds?: readonly string[];
  experiment?: string;
  filter?: string;
  /** Only runs started at or after this time (ms since epoch). */
  since?: number;
  /** A history longer than this many points is left on the remote (its latest point kept) until first needed; undefined: all fetched. */
  lazyAbove?: number;
}

/** What a pull did. */
export interface PullSummary {
  runs: number;
  created: number;
  /** Remote runs that are this store's own pushed runs, or adopted here: left alone. */
  own: number;
  points: number;
  /** Large histories left on the remote (their latest point kept), fetched on first open. */
  deferred: number;
  artifacts: number;
  artifactBytes: number;
  /** Registered model versions of pulled runs: created here, stage and alias changes. */
  models: ModelPullSummary;
}

/** A run as runs/search and runs/get answer it. */
export interface WireRun {
  info: {
    run_id: string;
    run_name?: string;
    experiment_id: string;
    status?: string;
    start_time?: number | string;
    end_time?: number | string;
    user_id?: string;
    artifact_uri?: string;
  };
  data?: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[]; metrics?: WireLatest[] };
}

/** A run's latest value of a metric as runs/search gives it. */
interface WireLatest {
  key: string;
  value?: unknown;
  timestamp?: number | string;
  step?: number | string;
}

const SEARCH_PAGE = 1000;

/** Pulls the runs the options select and resolves to the summary; `onRun` hears each run as it lands. */
export async function pull(
  store: Store,
  client: MlflowClient,
  ledger: Ledger,
  options: PullOptions,
  onRun: (done: number) => void = () => undefined,
): Promise<PullSummary> {
  const summary: PullSummary = {
    runs: 0,
    created: 0,
    own: 0,
    points: 0,
    deferred: 0,
    artifacts: 0,
    artifactBytes: 0,
    models: { versions: 0, stages: 0, aliases: 0 },
  };
  const experiments = options.runIds ? new Map<string, string>() : await remoteExperiments(client, options.experiment);
  const selected = options.runIds ? runsById(client, options.runIds, experiments) : searchRuns(client, [...experiments.keys()], options);
  for await (const remote of selected) {
    const origin = store.findRun(remote.info.run_id) ? store.originOf(remote.info.run_id) : client.url;
    const ownId = tagOf(remote, RUN_ID_TAG);
    if (origin === undefined || (ownId && ownId !== remote.info.run_id && store.findRun(ownId) && store.originOf(ownId) === undefined)) {
      summary.own++;
      continue;
    }
    await pullRun(store, client, ledger, remote, experiments.get(remote.info.experiment_id) ?? 'Default', summary, options.lazyAbove);
    onRun(++summary.runs);
  }
  summary.models = await pullModelVersions(store, client, ledger);
  return summary;
}

/** The runs of `ids` (runs/get), noting their experiments' names in `experiments` as it meets them. */
async function* runsById(client: MlflowClient, ids: readonly string[], experiments: Map<string, string>): AsyncGenerator<WireRun> {
  for (const id of ids) {
    const { run } = await client.get<{ run: WireRun }>('runs/get', { run_id: id });
    const experimentId = run.info.experiment_id;
    if (!experiments.has(experimentId)) {
      const found = await client.get<{ experiment: { name: string } }>('experiments/get', { experiment_id: experimentId });
      experiments.set(experimentId, found.experiment.name);
    }
    yield run;
  }
}

/** The remote's experiments (id to name): the one named, or all of them (paged). */
export async function remoteExperiments(client: MlflowClient, name: string | undefined): Promise<Map<string, string>> {
  if (name !== undefined) {
    const found = await client.get<{ experiment: { experiment_id: string; name: string } }>('experiments/get-by-name', { experiment_name: name });
    return new Map([[found.experiment.experiment_id, found.experiment.name]]);
  }
  const all = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.post<{ experiments?: { experiment_id: string; name: string }[]; next_page_token?: string }>('experiments/search', {
      max_results: 1000,
      page_token: token,
    });
    for (const e of page.experiments ?? []) all.set(e.experiment_id, e.name);
    token = page.next_page_token || undefined;
  } while (token);
  return all;
}

/** The remote's runs in these experiments that the options select, newest first (paged). */
export async function* searchRuns(client: MlflowClient, experimentIds: string[], options: PullOptions & { max?: number }): AsyncGenerator<WireRun> {
  if (experimentIds.length === 0) return;
  const clauses = [options.filter, options.since === undefined ? undefined : `attributes.start_time >= ${Math.floor(options.since)}`].filter(Boolean);
  let token: string | undefined;
  let left = options.max ?? Number.POSITIVE_INFINITY;
  do {
    const page = await client.post<{ runs?: WireRun[]; next_page_token?: string }>('runs/search', {
      experiment_ids: experimentIds,
      filter: clauses.join(' AND ') || undefined,
      max_results: Math.min(SEARCH_PAGE, left),
      order_by: ['attributes.start_time DESC'],
      page_token: token,
    });
    yield* page.runs ?? [];
    left -= page.runs?.length ?? 0;
    token = left > 0 ? page.next_page_token || undefined : undefined;
  } while (token);
}

function tagOf(run: WireRun, key: string): string | undefined {
  return run.data?.tags?.find((tag) => tag.key === key)?.value;
}

function statusOf(text: string | undefined): RunStatus {
  return RUN_STATUSES.includes(text as RunStatus) ? (text as RunStatus) : 'FINISHED';
}

async function pullRun(
  store: Store,
  client: MlflowClient,
  ledger: Ledger,
  remote: WireRun,
  experimentName: string,
  summary: PullSummary,
  lazyAbove: number | undefined,
): Promise<void> {
  const id = remote.info.run_id;
  const tags = Object.fromEntries((remote.data?.tags ?? []).map((t) => [t.key, t.value]));
  const params = Object.fromEntries((remote.data?.params ?? []).map((p) => [p.key, p.value]));
  const fresh = !store.findRun(id);
  store.asImport(() => {
    if (fresh) createPulledRun(store, remote, experimentName, tags);
    applyRunFacts(store, store.getRun(id), remote, tags);
    store.logParams(id, params);
    store.setTags(id, { ...tags, [ORIGIN_TAG]: client.url });
  });
  if (fresh) summary.created++;
  const histories: Histories = {
    counts: Object.fromEntries(store.metricSummaries(id).map((m) => [m.key, m.count])),
    deferred: new Set(ledger.get(id)?.deferred),
    lazyAbove,
  };
  for (const latest of remote.data?.metrics ?? []) await pullHistory(store, client, id, latest, histories, summary);
  const counts = histories.counts;
  await pullArtifacts(store, client, id, remote.info.artifact_uri, summary);
  const status = statusOf(remote.info.status);
  // Recorded as if pushed: once adopted, a push continues this remote run instead of making another.
  ledger.put({
    url: client.url,
    localRunId: id,
    remoteRunId: id,
    remoteExperimentId: remote.info.experiment_id,
    artifactUri: remote.info.artifact_uri,
    name: remote.info.run_name ?? '',
    status,
    endTime: remote.info.end_time === undefined ? null : Number(remote.info.end_time),
    params,
    tags,
    metrics: counts,
    artifacts: Object.fromEntries(store.artifacts(id).map((a) => [a.path, a.sha256])),
    ...(histories.deferred.size > 0 ? { deferred: [...histories.deferred] } : {}),
  });
}

/** What pull knows of a run's histories: the local count per key, the keys left on the remote, the lazy threshold. */
interface Histories {
  counts: Record<string, number>;
  deferred: Set<string>;
  lazyAbove: number | undefined;
}

/**
 * Pulls one metric's history: the points past the local count, or, for a history past the lazy threshold, only its
 * latest point (replacing the last one kept), leaving the rest on the remote until a reader asks (lazyHistory.ts).
 */
async function pullHistory(store: Store, client: MlflowClient, runId: string, latest: WireLatest, h: Histories, summary: PullSummary): Promise<void> {
  const key = latest.key;
  const first = h.lazyAbove !== undefined && (h.deferred.has(key) || !h.counts[key]) ? await firstPage(client, runId, latest, h) : undefined;
  if (first === 'large') {
    const point = { step: Number(latest.step ?? 0), timestamp: Number(latest.timestamp ?? 0), value: remoteValue(latest.value) };
    store.asImport(() => store.replaceHistory(runId, key, [point]));
    h.deferred.add(key);
    h.counts[key] = 1;
    summary.deferred++;
    return;
  }
  const points = await remoteHistory(client, runId, key, first);
  // A stub kept by an earlier lazy pull is the history's last point, not its first: the whole history replaces it.
  const have = h.deferred.delete(key) ? 0 : (h.counts[key] ?? 0);
  if (have === 0) store.asImport(() => store.replaceHistory(runId, key, points));
  else appendPoints(store, runId, key, points.slice(have));
  h.counts[key] = points.length;
  summary.points += points.length - have;
}

/**
 * The first page of a history not pulled yet, or 'large' when it is past the threshold: known from the latest step
 * alone (steps that count up; MLflow 2.x answers a history whole, so asking would fetch it all), or from the server
 * paging past the threshold. A server that answers whole anyway has sent it all: that page is kept.
 */
async function firstPage(client: MlflowClient, runId: string, latest: WireLatest, h: Histories): Promise<HistoryPage | 'large'> {
  const limit = h.lazyAbove!;
  if (h.deferred.has(latest.key) || Number(latest.step ?? 0) >= limit) return 'large';
  const page = await historyPage(client, runId, latest.key, limit);
  return page.next ? 'large' : page;
}

function createPulledRun(store: Store, remote: WireRun, experimentName: string, tags: Record<string, string>): void {
  store.createRun({
    id: remote.info.run_id,
    experimentName,
    name: remote.info.run_name || remote.info.run_id.slice(0, 8),
    startTime: Number(remote.info.start_time ?? Date.now()),
    argv: parseArgv(tags['labbook.argv']),
    sourceFile: tags['labbook.source_file'] ?? null,
    git: {
      commit: tags['labbook.git.commit'] ?? tags['mlflow.source.git.commit'] ?? null,
      branch: tags['labbook.git.branch'] ?? null,
      remote: tags['labbook.git.remote'] ?? null,
      dirty: tags['labbook.git.dirty'] === 'true',
      patchSha: tags['labbook.git.patch_sha'] ?? null,
    },
  });
  if (remote.info.user_id) setRunUser(store, remote.info.run_id, remote.info.user_id);
}

function parseArgv(text: string | undefined): string[] {
  try {
    const argv = JSON.parse(text ?? '[]') as unknown;
    return Array.isArray(argv) ? argv.map(String) : [];
  } catch {
    return [];
  }
}

/** The remote wins for a pulled run: its name, status and end time replace ours. */
function applyRunFacts(store: Store, local: Run, remote: WireRun, tags: Record<string, string>): void {
  const status = statusOf(remote.info.status);
  if (remote.info.run_name && remote.info.run_name !== local.name) store.rename(local.id, remote.info.run_name);
  const endTime = remote.info.end_time === undefined || remote.info.end_time === null ? undefined : Number(remote.info.end_time);
  if (status === local.status && (endTime ?? null) === local.endTime) return;
  store.setStatus(local.id, 'RUNNING');
  if (status === 'RUNNING' || status === 'SCHEDULED') return store.setStatus(local.id, status);
  const exitCode = tags['labbook.exit_code'] === undefined ? null : Number(tags['labbook.exit_code']);
  store.finishRun(local.id, status, { endTime, exitCode: Number.isFinite(exitCode) ? exitCode : null });
}

function appendPoints(store: Store, runId: string, key: string, points: HistoryPoint[]): void {
  const BATCH = 50_000;
  for (let i = 0; i < points.length; i += BATCH) {
    const slice = points.slice(i, i + BATCH).map((p) => ({ key, value: p.value, step: p.step, timestamp: p.timestamp }));
    store.asImport(() => store.logMetrics(runId, slice));
  }
}

async function pullArtifacts(
  store: Store,
  client: MlflowClient,
  runId: string,
  artifactUri: string | undefined,
  summary: PullSummary,
): Promise<void> {
  const root = proxiedRoot(artifactUri);
  if (root === undefined) return;
  const have = new Map(
    store
      .artifacts(runId)
      .filter((a) => a.direction === 'output')
      .map((a) => [a.path, a.size]),
  );
  for (const file of await listFiles(client, root, '')) {
    if (have.get(file.path) === file.size) continue;
    const data = await client.download(`${root}/${file.path}`);
    const sha256 = store.objects.putBuffer(data);
    store.asImport(() => store.addArtifact({ runId, path: file.path, sha256, size: data.byteLength, role: 'output', direction: 'output' }));
    summary.artifacts++;
    summary.artifactBytes += data.byteLength;
  }
}

async function listFiles(client: MlflowClient, root: string, dir: string): Promise<{ path: string; size: number }[]> {
  const files: { path: string; size: number }[] = [];
  for (const entry of await client.listArtifacts(dir ? `${root}/${dir}` : root)) {
    const name = entry.path.split('/').pop()!;
    const path = dir ? `${dir}/${name}` : name;
    if (entry.is_dir) files.push(...(await listFiles(client, root, path)));
    else files.push({ path, size: Number(entry.file_size ?? -1) });
  }
  return files;
}
