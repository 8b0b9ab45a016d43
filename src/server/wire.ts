// Store records as MLflow's JSON shapes (the fields the 2.x and 3.x clients read; ids as strings, int64 as numbers,
// NaN and ±Infinity as the strings protobuf JSON uses).
import type { MetricSummary, Run, RunStatus } from '../core/types';
import type { LoggedModel } from '../store/loggedModels';
import type { ModelVersion, RegisteredModel } from '../store/registry';
import type { SeriesColumns } from '../store/seriesReads';
import type { Store } from '../store/store';
import { datasetInputs, experimentArtifactLocation, linkedModels } from '../store/tracking';
import type { ExperimentRecord, Lifecycle } from '../store/tracking';
import type { KeyValue } from './fields';

/** JSON has no NaN or Infinity: protobuf JSON writes them as strings, and MLflow clients read them back. */
export function wireNumber(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/** A record as MLflow's `[{key, value}]`. */
export function keyValueList(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** Artifact URI of a run's files, served by this server's proxied artifact endpoints. */
export function runArtifactUri(experimentId: number, runId: string): string {
  return `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
}

/** Where a run's files are: under its experiment's own artifact root when it has one, else this server's proxy. */
export function runArtifactUriIn(store: Store, run: Pick<Run, 'id' | 'experimentId'>): string {
  const root = experimentArtifactLocation(store, run.experimentId);
  return root ? `${root.replace(/\/+$/, '')}/${run.id}/artifacts` : runArtifactUri(run.experimentId, run.id);
}

/** Artifact URI of a logged model's files. */
export function modelArtifactUri(experimentId: number, modelId: string): string {
  return `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`;
}

export function experimentJson(e: ExperimentRecord): object {
  return {
    experiment_id: String(e.id),
    name: e.name,
    artifact_location: e.artifactLocation ?? `mlflow-artifacts:/${e.id}`,
    lifecycle_stage: e.lifecycle,
    creation_time: e.createdAt,
    last_update_time: e.updatedAt,
    tags: keyValueList(e.tags),
  };
}

// MLflow has no CRASHED: a run whose runner vanished failed, as far as a client is concerned.
function wireStatus(status: RunStatus): string {
  return status === 'CRASHED' ? 'FAILED' : status;
}

export function runInfoJson(store: Store, run: Run, lifecycle: Lifecycle): object {
  return {
    run_id: run.id,
    run_uuid: run.id,
    run_name: run.name,
    experiment_id: String(run.experimentId),
    user_id: run.user ?? '',
    status: wireStatus(run.status),
    start_time: run.startTime,
    ...(run.endTime !== null ? { end_time: run.endTime } : {}),
    artifact_uri: runArtifactUriIn(store, run),
    lifecycle_stage: lifecycle,
  };
}

/** A metric point as MLflow's Metric message. */
export function metricJson(key: string, value: number, timestamp: number, step: number): object {
  return { key, value: wireNumber(value), timestamp, step };
}

/** An answer already encoded as JSON; sendJson sends its bytes as they are. */
export class JsonBytes {
  constructor(readonly bytes: Buffer) {}

  /** The answer as text (for tests and logs). */
  get text(): string {
    return this.bytes.toString('utf8');
  }
}

// Points a piece of history text holds before it is encoded: one string of 25,000 points was a rope of 100,000 parts
// that encoding had to flatten first, which cost as much as writing it.
const POINTS_PER_PIECE = 512;

/**
 * A metric-history page, `{metrics, next_page_token?}`, encoded from the page's columns: the same bytes as
 * JSON.stringify of its Metric objects (a finite number prints as in JSON), without an object per point.
 */
export function metricHistoryJson(key: string, page: SeriesColumns, nextPageToken: string | undefined): JsonBytes {
  const head = `{"key":${JSON.stringify(key)},"value":`;
  const { steps, timestamps, values } = page;
  const pieces: Buffer[] = [];
  let text = '{"metrics":[';
  for (let i = 0; i < steps.length; i++) {
    const value = values[i];
    text += `${i === 0 ? '' : ','}${head}${Number.isFinite(value) ? value : `"${value}"`},"timestamp":${timestamps[i]},"step":${steps[i]}}`;
    if (i % POINTS_PER_PIECE === POINTS_PER_PIECE - 1) {
      pieces.push(Buffer.from(text));
      text = '';
    }
  }
  pieces.push(Buffer.from(`${text}]${nextPageToken ? `,"next_page_token":${JSON.stringify(nextPageToken)}` : ''}}`));
  return new JsonBytes(Buffer.concat(pieces));
}

/** What a run carries besides its info. */
export interface RunData {
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: readonly MetricSummary[];
}

/** A whole Run message: info, latest metrics, params, tags, dataset and model inputs, model outputs. */
export function runJson(store: Store, run: Run, data: RunData, lifecycle: Lifecycle): object {
  return {
    info: runInfoJson(store, run, lifecycle),
    data: {
      metrics: data.metrics.map((m) => metricJson(m.key, m.last, m.lastTimestamp, m.lastStep)),
      params: keyValueList(data.params),
      tags: keyValueList(data.tags),
    },
    inputs: runInputsJson(store, run.id),
    outputs: runOutputsJson(store, run.id),
  };
}

function runInputsJson(store: Store, runId: string): object {
  const datasets = datasetInputs(store, runId).map((d) => ({
    tags: keyValueList(d.tags),
    dataset: {
      name: d.name,
      digest: d.digest,
      source_type: d.sourceType,
      source: d.source,
      ...(d.schema !== null ? { schema: d.schema } : {}),
      ...(d.profile !== null ? { profile: d.profile } : {}),
    },
  }));
  const models = linkedModels(store, runId, 'input').map((m) => ({ model_id: m.modelId }));
  return { ...(datasets.length ? { dataset_inputs: datasets } : {}), ...(models.length ? { model_inputs: models } : {}) };
}

function runOutputsJson(store: Store, runId: string): object {
  const models = linkedModels(store, runId, 'output').map((m) => ({ model_id: m.modelId, step: m.step }));
  return models.length ? { model_outputs: models } : {};
}

/**
 * A model version as MLflow's server lists it (searches, latest versions): without its aliases, which MLflow fills
 * in only for a version read on its own, and without a model_id, which its server keeps to itself.
 */
export function listedModelVersionJson(v: ModelVersion): object {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.createdAt,
    last_updated_timestamp: v.updatedAt,
    ...(v.userId ? { user_id: v.userId } : {}),
    current_stage: v.stage,
    description: v.description,
    source: v.source,
    run_id: v.runId ?? '',
    status: v.status,
    run_link: v.runLink,
    tags: keyValueList(v.tags),
  };
}

/** A model version read, created or changed on its own: with its aliases. */
export function modelVersionJson(v: ModelVersion): object {
  return { ...listedModelVersionJson(v), aliases: v.aliases };
}

/** A registered model as MLflow answers it: an empty description left out (MLflow sets it only when non-empty; a version keeps its empty one). */
export function registeredModelJson(m: RegisteredModel): object {
  return {
    name: m.name,
    creation_timestamp: m.createdAt,
    last_updated_timestamp: m.updatedAt,
    ...(m.description ? { description: m.description } : {}),
    latest_versions: m.latestVersions.map(listedModelVersionJson),
    tags: keyValueList(m.tags),
    aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
  };
}

/** A logged model as MLflow 3's server answers it (no `registrations`: only Databricks fills those). */
export function loggedModelJson(m: LoggedModel): object {
  return {
    info: {
      model_id: m.id,
      experiment_id: String(m.experimentId),
      name: m.name,
      creation_timestamp_ms: m.createdAt,
      last_updated_timestamp_ms: m.updatedAt,
      artifact_uri: modelArtifactUri(m.experimentId, m.id),
      status: m.status,
      ...(m.sourceRunId ? { source_run_id: m.sourceRunId } : {}),
      model_type: m.modelType,
      tags: keyValueList(m.tags),
    },
    data: {
      params: keyValueList(m.params),
      metrics: m.metrics.map((p) => ({ ...metricJson(p.key, p.value, p.timestamp, p.step), run_id: p.runId, model_id: m.id })),
    },
  };
}
