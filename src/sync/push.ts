// `labbook push`: copies local runs to an MLflow tracking server. The plan (plan.ts) says what is new since the
// ledger; every batch is recorded in the ledger only once the server acknowledged it, and a metric batch is marked
// in flight before it is sent, so a push killed at any point resumes without sending a point twice.
import type { Run } from '../core/types';
import type { Store } from '../store/store';
import type { MlflowClient } from './client';
import { SyncError } from './client';
import type { Ledger } from './ledger';
import { newLedger } from './ledger';
import { chunkRecord, inflightLanded, isEmptyPlan, metricBatches, MLFLOW_LIMITS, planPoints, planPush, reconcile } from './plan';
import type { LocalRunState, MetricSegment, PushPlan, RunLedger } from './plan';
import { pushModelVersions } from './models';
import type { ModelPushSummary } from './models';
import { historyCounts, RUN_ID_TAG } from './remoteRuns';

/** Where a push is, for a progress line. */
export interface PushProgress {
  runsDone: number;
  runsTotal: number;
  points: number;
  pointsTotal: number;
  bytes: number;
}

/** What a push did. */
export interface PushSummary {
  runs: number;
  created: number;
  upToDate: number;
  /** Pulled runs (not this store's own) left out. */
  pulled: number;
  points: number;
  params: number;
  tags: number;
  artifacts: number;
  artifactBytes: number;
  /** Values the server would refuse, left out (key and reason). */
  skipped: string[];
  /** Local run id -> remote run id, for every run pushed or up to date. */
  remoteIds: Record<string, string>;
  /** Registered model versions of these runs created on the remote, stage changes and alias changes sent. */
  models: ModelPushSummary;
}

interface PushContext {
  store: Store;
  client: MlflowClient;
  ledger: Ledger;
  summary: PushSummary;
  progress: PushProgress;
  onProgress: (progress: PushProgress) => void;
  experiments: Map<string, string>;
}

/** Pushes `runIds` (this store's own runs; pulled ones are left out) and resolves to the summary. */
export async function push(
  store: Store,
  client: MlflowClient,
  ledger: Ledger,
  runIds: readonly string[],
  onProgress: (progress: PushProgress) => void = () => undefined,
): Promise<PushSummary> {
  const summary: PushSummary = {
    runs: 0,
    created: 0,
    upToDate: 0,
    pulled: 0,
    points: 0,
    params: 0,
    tags: 0,
    artifacts: 0,
    artifactBytes: 0,
    skipped: [],
    remoteIds: {},
    models: { versions: 0, stages: 0, aliases: 0 },
  };
  const runs = runIds.map((id) => store.getRun(id));
  const own = runs.filter((run) => store.originOf(run.id) === undefined);
  summary.pulled = runs.length - own.length;
  const plans = own.map((run) => ({ run, plan: planPush(localState(store, run), ledger.get(run.id)) }));
  const progress: PushProgress = {
    runsDone: 0,
    runsTotal: own.length,
    points: 0,
    pointsTotal: plans.reduce((n, p) => n + planPoints(p.plan), 0),
    bytes: 0,
  };
  const ctx: PushContext = { store, client, ledger, summary, progress, onProgress, experiments: new Map() };
  for (const { run } of plans) {
    await pushRun(ctx, run);
    progress.runsDone++;
    onProgress(progress);
  }
  summary.models = await pushModelVersions(store, client, ledger, summary.remoteIds);
  progress.bytes = client.stats.bytesSent;
  return summary;
}

/** The run as push sends it: its params, tags plus Labbook's own facts as `labbook.*` tags, point counts and output files. */
export function localState(store: Store, run: Run): LocalRunState {
  const detail = store.getRunDetail(run.id);
  const metricCounts: Record<string, number> = {};
  for (const summary of detail.metrics) metricCounts[summary.key] = summary.count;
  const artifacts: Record<string, string> = {};
  for (const artifact of detail.artifacts) if (artifact.direction === 'output') artifacts[artifact.path] = artifact.sha256;
  const inputs = detail.artifacts.filter((a) => a.direction === 'input').map((a) => ({ path: a.path, sha256: a.sha256 }));
  return {
    name: run.name,
    status: run.status,
    startTime: run.startTime,
    endTime: run.endTime,
    params: detail.params,
    // A tag the run already has wins over a fact: an adopted run keeps the `labbook.run_id` it was first pushed with.
    tags: { ...factTags(run, inputs), ...detail.tags },
    metricCounts,
    artifacts,
  };
}

function factTags(run: Run, inputs: { path: string; sha256: string }[]): Record<string, string> {
  const facts: Record<string, string | null | undefined> = {
    [RUN_ID_TAG]: run.id,
    'labbook.git.commit': run.git.commit,
    'mlflow.source.git.commit': run.git.commit,
    'labbook.git.branch': run.git.branch,
    'labbook.git.remote': run.git.remote,
    'labbook.git.dirty': run.git.commit ? String(run.git.dirty) : undefined,
    'labbook.git.patch_sha': run.git.patchSha,
    'labbook.argv': run.argv.length ? JSON.stringify(run.argv) : undefined,
    'labbook.source_file': run.sourceFile,
    'labbook.exit_code': run.exitCode === null ? undefined : String(run.exitCode),
    'labbook.console_sha': run.consoleSha,
    'labbook.data_inputs': inputs.length ? JSON.stringify(inputs) : undefined,
    'mlflow.user': run.user,
  };
  return Object.fromEntries(Object.entries(facts).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
}

async function pushRun(ctx: PushContext, run: Run): Promise<void> {
  let entry = ctx.ledger.get(run.id);
  if (entry?.creating) entry = await recoverCreate(ctx, entry);
  if (entry?.inflight?.length) entry = await reconcileInflight(ctx, entry);
  const local = localState(ctx.store, run);
  const plan = planPush(local, entry);
  ctx.summary.skipped.push(...plan.skipped.map((reason) => `${run.id.slice(0, 8)} ${reason}`));
  if (entry && isEmptyPlan(plan)) {
    ctx.summary.upToDate++;
    ctx.summary.remoteIds[run.id] = entry.remoteRunId;
    return;
  }
  if (!entry || plan.create) {
    entry = await createRemoteRun(ctx, run, entry);
    ctx.summary.created++;
  }
  ctx.summary.runs++;
  ctx.summary.remoteIds[run.id] = entry.remoteRunId;
  await sendKeyValues(ctx, entry, plan);
  await sendMetrics(ctx, entry, run.id, plan.metrics);
  await sendArtifacts(ctx, entry, local, plan.artifacts);
  if (plan.update) {
    const { status, endTime, name } = plan.update;
    await ctx.client.post('runs/update', { run_id: entry.remoteRunId, status, end_time: endTime ?? undefined, run_name: name });
    Object.assign(entry, { status, endTime, name });
    ctx.ledger.put(entry);
  }
}

/** The remote experiment's id by name, created when missing. */
async function remoteExperiment(ctx: PushContext, name: string): Promise<string> {
  const known = ctx.experiments.get(name);
  if (known) return known;
  let id: string;
  try {
    const found = await ctx.client.get<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: name });
    id = found.experiment.experiment_id;
  } catch (error) {
    if (!(error instanceof SyncError) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
    id = (await ctx.client.post<{ experiment_id: string }>('experiments/create', { name })).experiment_id;
  }
  ctx.experiments.set(name, id);
  return id;
}

interface RemoteRunInfo {
  run_id: string;
  artifact_uri?: string;
}

async function createRemoteRun(ctx: PushContext, run: Run, previous: RunLedger | undefined): Promise<RunLedger> {
  const experimentId = await remoteExperiment(ctx, run.experimentName);
  // Marked before the call: if the answer is lost, the next push finds the run by its tag instead of making another.
  const entry: RunLedger = { ...(previous ?? newLedger(ctx.ledger.url, run.id, experimentId)), remoteExperimentId: experimentId, creating: true };
  ctx.ledger.put(entry);
  const created = await ctx.client.post<{ run: { info: RemoteRunInfo } }>(
    'runs/create',
    {
      experiment_id: experimentId,
      run_name: run.name,
      start_time: run.startTime,
      user_id: run.user ?? undefined,
      tags: [{ key: RUN_ID_TAG, value: run.id }],
    },
    { once: true },
  );
  return recordCreated(ctx, entry, created.run.info, run.name);
}

function recordCreated(ctx: PushContext, entry: RunLedger, info: RemoteRunInfo, name: string): RunLedger {
  const done: RunLedger = {
    ...entry,
    remoteRunId: info.run_id,
    artifactUri: info.artifact_uri,
    creating: false,
    name,
    status: 'RUNNING',
    endTime: null,
  };
  done.tags = { ...done.tags, [RUN_ID_TAG]: entry.localRunId };
  ctx.ledger.put(done);
  return done;
}

async function recoverCreate(ctx: PushContext, entry: RunLedger): Promise<RunLedger> {
  const found = await ctx.client.post<{ runs?: { info: RemoteRunInfo & { run_name?: string } }[] }>('runs/search', {
    experiment_ids: [entry.remoteExperimentId],
    filter: `tags.\`${RUN_ID_TAG}\` = '${entry.localRunId}'`,
    run_view_type: 'ALL',
    max_results: 1,
  });
  const info = found.runs?.[0]?.info;
  if (!info) return { ...entry, creating: false, remoteRunId: '' };
  return recordCreated(ctx, entry, info, info.run_name ?? entry.name ?? '');
}

async function reconcileInflight(ctx: PushContext, entry: RunLedger): Promise<RunLedger> {
  const keys = [...new Set(entry.inflight!.map((segment) => segment.key))];
  const counts = await historyCounts(ctx.client, entry.remoteRunId, keys);
  const settled: RunLedger = { ...entry, metrics: reconcile(entry, counts), inflight: undefined };
  ctx.ledger.put(settled);
  return settled;
}

async function sendKeyValues(ctx: PushContext, entry: RunLedger, plan: PushPlan): Promise<void> {
  for (const params of chunkRecord(plan.params, MLFLOW_LIMITS.paramsPerBatch)) {
    await ctx.client.post('runs/log-batch', { run_id: entry.remoteRunId, params: keyValues(params) });
    entry.params = { ...entry.params, ...params };
    ctx.summary.params += Object.keys(params).length;
    ctx.ledger.put(entry);
  }
  for (const tags of chunkRecord(plan.tags, MLFLOW_LIMITS.tagsPerBatch)) {
    await ctx.client.post('runs/log-batch', { run_id: entry.remoteRunId, tags: keyValues(tags) });
    entry.tags = { ...entry.tags, ...tags };
    ctx.summary.tags += Object.keys(tags).length;
    ctx.ledger.put(entry);
  }
}

async function sendMetrics(ctx: PushContext, entry: RunLedger, runId: string, segments: MetricSegment[]): Promise<void> {
  for (const batch of metricBatches(segments)) {
    const metrics = batch.flatMap((segment) =>
      ctx.store
        .history(runId, segment.key, { offset: segment.from, limit: segment.count })
        .map((p) => ({ key: segment.key, value: p.value, timestamp: p.timestamp, step: p.step })),
    );
    entry.inflight = batch;
    ctx.ledger.put(entry);
    await sendBatch(ctx, entry, metrics);
    for (const segment of batch) entry.metrics[segment.key] = segment.from + segment.count;
    entry.inflight = undefined;
    ctx.ledger.put(entry);
    ctx.summary.points += metrics.length;
    ctx.progress.points += metrics.length;
    ctx.progress.bytes = ctx.client.stats.bytesSent;
    ctx.onProgress(ctx.progress);
  }
}

const AMBIGUOUS_RETRIES = 3;

/** Sends one metric batch; when its answer is lost, asks the remote whether it landed before sending it again. */
async function sendBatch(ctx: PushContext, entry: RunLedger, metrics: object[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.client.post('runs/log-batch', { run_id: entry.remoteRunId, metrics }, { once: true });
      return;
    } catch (error) {
      if (!(error instanceof SyncError) || !error.ambiguous || attempt >= AMBIGUOUS_RETRIES) throw error;
      const keys = entry.inflight!.map((segment) => segment.key);
      if (inflightLanded(entry, await historyCounts(ctx.client, entry.remoteRunId, keys))) return;
    }
  }
}

async function sendArtifacts(ctx: PushContext, entry: RunLedger, local: LocalRunState, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  const root = proxiedRoot(entry.artifactUri);
  if (root === undefined) {
    ctx.summary.skipped.push(
      `${entry.localRunId.slice(0, 8)} artifacts: the server keeps them at ${entry.artifactUri ?? '(no artifact URI)'}, not behind its proxy (mlflow-artifacts:/); upload them there yourself`,
    );
    return;
  }
  for (const path of paths) {
    const sha = local.artifacts[path];
    const data = ctx.store.objects.read(sha);
    await ctx.client.upload(`${root}/${path.replace(/^\/+/, '')}`, data);
    entry.artifacts = { ...entry.artifacts, [path]: sha };
    ctx.ledger.put(entry);
    ctx.summary.artifacts++;
    ctx.summary.artifactBytes += data.byteLength;
    ctx.progress.bytes = ctx.client.stats.bytesSent;
    ctx.onProgress(ctx.progress);
  }
}

/** The path under the proxy of an `mlflow-artifacts:` URI (with or without a host); undefined for any other store. */
export function proxiedRoot(uri: string | undefined): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri ?? '');
  return match ? match[1].replace(/\/+$/, '') : undefined;
}

function keyValues(record: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}
