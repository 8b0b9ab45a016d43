// What a push must send, from the local run and what the remote already acknowledged (the ledger). Pure: no I/O,
// so every rule (only new points, changed tags, status when it changed) is tested without a server.
import type { RunStatus } from '../core/types';

/** MLflow's log-batch limits (mlflow/utils/validation.py in 2.x): per request, and per value. */
export const MLFLOW_LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  keyLength: 250,
  paramValueLength: 6000,
  // 2.12 allows 5,000 characters in a tag value (3.x: 8,000); the smaller one so every server takes it.
  tagValueLength: 5000,
} as const;

/** What the remote holds of one run, as far as this workspace knows (written only after the server acknowledged it). */
export interface RunLedger {
  url: string;
  localRunId: string;
  remoteRunId: string;
  remoteExperimentId: string;
  /** The remote run's artifact root (`mlflow-artifacts:/…` when the server proxies uploads). */
  artifactUri?: string;
  /** A create was sent but its answer not recorded: find the remote run by its `labbook.run_id` tag before creating another. */
  creating?: boolean;
  name?: string;
  status?: string;
  endTime?: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Points acknowledged per metric key (histories are append-only, so a count is a high-water mark). */
  metrics: Record<string, number>;
  /** Artifacts uploaded: path -> sha256. */
  artifacts: Record<string, string>;
  /** A metric batch sent whose answer was not recorded (a kill or a lost connection): reconciled before resuming. */
  inflight?: MetricSegment[];
}

/** A local run as push sees it. */
export interface LocalRunState {
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Points per metric key. */
  metricCounts: Record<string, number>;
  /** Files to upload: path -> sha256. */
  artifacts: Record<string, string>;
}

/** A run of points of one key: history positions [from, from + count). */
export interface MetricSegment {
  key: string;
  from: number;
  count: number;
}

/** What a push of one run sends. */
export interface PushPlan {
  create: boolean;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: MetricSegment[];
  /** runs/update fields, when status, end time or name changed since the last push. */
  update?: { status: string; endTime: number | null; name: string };
  /** Paths to upload. */
  artifacts: string[];
  /** Values the server would refuse (too long), left out with a reason. */
  skipped: string[];
}

/** MLflow has no CRASHED: a run whose runner vanished failed, for any other client. */
export function wireStatus(status: RunStatus): string {
  return status === 'CRASHED' ? 'FAILED' : status;
}

/** The plan for one run: everything when it was never pushed, else only what changed since the ledger. */
export function planPush(local: LocalRunState, ledger: RunLedger | undefined): PushPlan {
  const skipped: string[] = [];
  const params = changed(local.params, ledger?.params, MLFLOW_LIMITS.paramValueLength, 'param', skipped);
  const tags = changed(local.tags, ledger?.tags, MLFLOW_LIMITS.tagValueLength, 'tag', skipped);
  const metrics: MetricSegment[] = [];
  for (const [key, count] of Object.entries(local.metricCounts)) {
    const sent = ledger?.metrics[key] ?? 0;
    if (count > sent) metrics.push({ key, from: sent, count: count - sent });
  }
  const status = wireStatus(local.status);
  const ended = ledger && ledger.status === status && (ledger.endTime ?? null) === local.endTime && ledger.name === local.name;
  const artifacts = Object.entries(local.artifacts)
    .filter(([path, sha]) => ledger?.artifacts[path] !== sha)
    .map(([path]) => path);
  return {
    create: !ledger || !ledger.remoteRunId,
    params,
    tags,
    metrics,
    update: ended ? undefined : { status, endTime: local.endTime, name: local.name },
    artifacts,
    skipped,
  };
}

/** True when the plan sends nothing. */
export function isEmptyPlan(plan: PushPlan): boolean {
  return (
    !plan.create &&
    !plan.update &&
    plan.metrics.length === 0 &&
    plan.artifacts.length === 0 &&
    Object.keys(plan.params).length + Object.keys(plan.tags).length === 0
  );
}

/** Points a plan sends. */
export function planPoints(plan: PushPlan): number {
  return plan.metrics.reduce((sum, segment) => sum + segment.count, 0);
}

function changed(
  local: Record<string, string>,
  sent: Record<string, string> | undefined,
  maxValue: number,
  what: string,
  skipped: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(local)) {
    if (sent?.[key] === value) continue;
    if (key.length > MLFLOW_LIMITS.keyLength) skipped.push(`${what} '${key.slice(0, 40)}…': key longer than ${MLFLOW_LIMITS.keyLength} characters`);
    else if (value.length > maxValue) skipped.push(`${what} '${key}': value longer than ${maxValue} characters`);
    else out[key] = value;
  }
  return out;
}

/** Splits segments into batches of at most `size` points, in order (a segment may span batches). */
export function metricBatches(segments: readonly MetricSegment[], size: number = MLFLOW_LIMITS.metricsPerBatch): MetricSegment[][] {
  const batches: MetricSegment[][] = [];
  let batch: MetricSegment[] = [];
  let room = size;
  for (const segment of segments) {
    let { from, count } = segment;
    while (count > 0) {
      const take = Math.min(count, room);
      batch.push({ key: segment.key, from, count: take });
      from += take;
      count -= take;
      room -= take;
      if (room === 0) {
        batches.push(batch);
        batch = [];
        room = size;
      }
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Splits a record into chunks of at most `size` entries. */
export function chunkRecord(record: Record<string, string>, size: number): Record<string, string>[] {
  const entries = Object.entries(record);
  const chunks: Record<string, string>[] = [];
  for (let i = 0; i < entries.length; i += size) chunks.push(Object.fromEntries(entries.slice(i, i + size)));
  return chunks;
}

/**
 * Whether the in-flight batch was applied, from the remote's history lengths: a server applies a batch whole (one
 * transaction), so one key that grew past what the ledger had says it landed. (MLflow's SQL store drops exact
 * duplicates, so its count may stay below ours: growth, not equality, is the test.)
 */
export function inflightLanded(ledger: RunLedger, remoteCounts: Record<string, number>): boolean {
  return (ledger.inflight ?? []).some((segment) => (remoteCounts[segment.key] ?? 0) > (ledger.metrics[segment.key] ?? 0));
}

/** The acknowledged counts after a kill or a lost answer: the in-flight batch counted when it landed, else to be sent again. */
export function reconcile(ledger: RunLedger, remoteCounts: Record<string, number>): Record<string, number> {
  const metrics = { ...ledger.metrics };
  if (!inflightLanded(ledger, remoteCounts)) return metrics;
  for (const segment of ledger.inflight ?? []) metrics[segment.key] = Math.max(metrics[segment.key] ?? 0, segment.from + segment.count);
  return metrics;
}
