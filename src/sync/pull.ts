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
import { proxiedRoot } from './push';
import { remoteHistory, RUN_ID_TAG } from './remoteRuns';

/** Which remote runs to pull. */
export interface PullOptions {
  experiment?: string;
  filter?: string;
  /** Only runs started at or after this time (ms since epoch). */
  since?: number;
}

/** What a pull did. */
export interface PullSummary {
  runs: number;
  created: number;
  /** Remote runs that are this store's own pushed runs, or adopted here: left alone. */
  own: number;
  points: number;
  artifacts: number;
  artifactBytes: number;
}

interface WireRun {
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
  data?: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[]; metrics?: { key: string }[] };
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
  const summary: PullSummary = { runs: 0, created: 0, own: 0, points: 0, artifacts: 0, artifactBytes: 0 };
  const experiments = await remoteExperiments(client, options.experiment);
  for await (const remote of searchRuns(client, [...experiments.keys()], options)) {
    const origin = store.findRun(remote.info.run_id) ? store.originOf(remote.info.run_id) : client.url;
    const ownId = tagOf(remote, RUN_ID_TAG);
    if (origin === undefined || (ownId && ownId !== remote.info.run_id && store.findRun(ownId) && store.originOf(ownId) === undefined)) {
      summary.own++;
      continue;
    }
    await pullRun(store, client, ledger, remote, experiments.get(remote.info.experiment_id) ?? 'Default', summary);
    onRun(++summary.runs);
  }
  return summary;
}

async function remoteExperiments(client: MlflowClient, name: string | undefined): Promise<Map<string, string>> {
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

async function* searchRuns(client: MlflowClient, experimentIds: string[], options: PullOptions): AsyncGenerator<WireRun> {
  if (experimentIds.length === 0) return;
  const clauses = [options.filter, options.since === undefined ? undefined : `attributes.start_time >= ${Math.floor(options.since)}`].filter(Boolean);
  let token: string | undefined;
  do {
    const page = await client.post<{ runs?: WireRun[]; next_page_token?: string }>('runs/search', {
      experiment_ids: experimentIds,
      filter: clauses.join(' AND ') || undefined,
      max_results: SEARCH_PAGE,
      page_token: token,
    });
    yield* page.runs ?? [];
    token = page.next_page_token || undefined;
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
  const counts = Object.fromEntries(store.metricSummaries(id).map((m) => [m.key, m.count]));
  for (const key of new Set((remote.data?.metrics ?? []).map((m) => m.key))) {
    const points = await remoteHistory(client, id, key);
    const missing = points.slice(counts[key] ?? 0);
    appendPoints(store, id, key, missing);
    counts[key] = points.length;
    summary.points += missing.length;
  }
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
  });
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
