// MLflow-tracking facts the Store class does not model: experiment tags and renames, run lifecycle and moves,
// de-duplicated metric logging, dataset inputs, model inputs/outputs and artifact lookups by path.
import type { Artifact, Experiment, MetricPoint } from '../core/types';
import { AlreadyExistsError, InvalidValueError, NotFoundError } from './errors';
import { experimentRowById, experimentRowByName, experimentRows, toExperiment } from './experiments';
import type { ExperimentRow } from './experiments';
import { keyValueRecord, prepared } from './statements';
import type { Store } from './store';
import { connectionOf } from './connection';
import { hasPoint } from './metrics';
import { restoreRuns, trashRuns } from './trash';

/** An experiment with what MLflow shows of it besides the basics. */
export interface ExperimentRecord extends Experiment {
  updatedAt: number;
  tags: Record<string, string>;
  /** The artifact root asked for at creation (a local folder or file:// URI); null for the store's own. */
  artifactLocation: string | null;
}

/** Active or soft-deleted, as MLflow's lifecycle_stage. */
export type Lifecycle = 'active' | 'deleted';

function toRecord(store: Store, row: ExperimentRow): ExperimentRecord {
  const tags = prepared(connectionOf(store), 'SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key').all(row.id) as {
    key: string;
    value: string;
  }[];
  return { ...toExperiment(row), updatedAt: row.updated_at, tags: keyValueRecord(tags), artifactLocation: row.artifact_location };
}

/** The experiment with that id, with tags. */
export function experimentRecord(store: Store, id: number): ExperimentRecord | undefined {
  const row = experimentRowById(connectionOf(store), id);
  return row && toRecord(store, row);
}

/** The experiment with that name, with tags; never creates one. */
export function experimentRecordByName(store: Store, name: string): ExperimentRecord | undefined {
  const row = experimentRowByName(connectionOf(store), name);
  return row && toRecord(store, row);
}

/** An experiment's own artifact root (null: the store's); one column, read for every run a search answers. */
export function experimentArtifactLocation(store: Store, id: number): string | null {
  const row = prepared(connectionOf(store), 'SELECT artifact_location FROM experiments WHERE id = ?').get(id) as
    { artifact_location: string | null } | undefined;
  return row?.artifact_location ?? null;
}

/** Every experiment with tags, by id. */
export function experimentRecords(store: Store): ExperimentRecord[] {
  return experimentRows(connectionOf(store)).map((row) => toRecord(store, row));
}

/** Creates an experiment; a taken name (even of a deleted experiment) throws AlreadyExistsError. */
export function createExperiment(store: Store, name: string, tags: Record<string, string> = {}, artifactLocation: string | null = null): number {
  return connectionOf(store)
    .transaction(() => {
      if (experimentRecordByName(store, name)) throw new AlreadyExistsError(`Experiment '${name}' already exists.`);
      const now = Date.now();
      const insert = 'INSERT INTO experiments (name, created_at, updated_at, artifact_location) VALUES (?, ?, ?, ?)';
      const id = Number(prepared(connectionOf(store), insert).run(name, now, now, artifactLocation).lastInsertRowid);
      for (const [key, value] of Object.entries(tags)) setExperimentTag(store, id, key, value);
      return id;
    })
    .immediate();
}

function touchExperiment(store: Store, id: number): void {
  const changes = prepared(connectionOf(store), 'UPDATE experiments SET updated_at = ? WHERE id = ?').run(Date.now(), id).changes;
  if (changes === 0) throw new NotFoundError(`No experiment with id ${id}.`);
}

/** Renames an experiment; the new name must be free. */
export function renameExperiment(store: Store, id: number, newName: string): void {
  connectionOf(store)
    .transaction(() => {
      const holder = experimentRecordByName(store, newName);
      if (holder && holder.id !== id) throw new AlreadyExistsError(`Experiment '${newName}' already exists.`);
      touchExperiment(store, id);
      prepared(connectionOf(store), 'UPDATE experiments SET name = ? WHERE id = ?').run(newName, id);
    })
    .immediate();
}

/** Soft-deletes or restores an experiment. The Default experiment cannot be deleted. */
export function setExperimentLifecycle(store: Store, id: number, lifecycle: Lifecycle): void {
  if (id === 0 && lifecycle === 'deleted') throw new InvalidValueError('The Default experiment cannot be deleted.');
  touchExperiment(store, id);
  prepared(connectionOf(store), 'UPDATE experiments SET lifecycle = ? WHERE id = ?').run(lifecycle, id);
}

export function setExperimentTag(store: Store, id: number, key: string, value: string): void {
  touchExperiment(store, id);
  prepared(connectionOf(store), 'INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)').run(id, key, value);
}

/** Removes an experiment tag; false when it was not set. */
export function deleteExperimentTag(store: Store, id: number, key: string): boolean {
  touchExperiment(store, id);
  return prepared(connectionOf(store), 'DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?').run(id, key).changes > 0;
}

// ---- runs ----

function updateRun(store: Store, runId: string, column: 'experiment_id' | 'user', value: string | number): void {
  const changes = prepared(connectionOf(store), `UPDATE runs SET ${column} = ?, updated_at = ? WHERE id = ?`).run(value, Date.now(), runId).changes;
  if (changes === 0) throw new NotFoundError(`No run with id ${runId}.`);
}

/** Moves a run into another (existing) experiment. */
export function moveRun(store: Store, runId: string, experimentId: number): void {
  if (!store.experimentById(experimentId)) throw new NotFoundError(`No experiment with id ${experimentId}.`);
  updateRun(store, runId, 'experiment_id', experimentId);
}

/** Records who ran it, as the client reported. */
export function setRunUser(store: Store, runId: string, user: string): void {
  updateRun(store, runId, 'user', user);
}

/** Soft-deletes or restores a run (MLflow's runs/delete and runs/restore): the same Trash the editor and CLI use. */
export function setRunLifecycle(store: Store, runId: string, lifecycle: Lifecycle): void {
  runLifecycle(store, runId); // throws NotFoundError for an unknown run
  if (lifecycle === 'deleted') trashRuns(store, [runId]);
  else restoreRuns(store, [runId]);
}

/** Whether a run is active or soft-deleted. */
export function runLifecycle(store: Store, runId: string): Lifecycle {
  const row = prepared(connectionOf(store), 'SELECT lifecycle FROM runs WHERE id = ?').get(runId) as { lifecycle: Lifecycle } | undefined;
  if (!row) throw new NotFoundError(`No run with id ${runId}.`);
  return row.lifecycle;
}

// ---- metrics ----

/**
 * Logs metric points, skipping any whose (key, value, timestamp, step) the run already has or that repeat within
 * the batch, as MLflow's SQL store does (MLflow 3 re-logs step metrics with a model id). Returns how many were new.
 */
export function logMetricsOnce(store: Store, runId: string, points: readonly MetricPoint[]): number {
  return connectionOf(store)
    .transaction(() => {
      const fresh = newPoints(store, runId, points);
      store.logMetrics(runId, fresh);
      return fresh.length;
    })
    .immediate();
}

interface SeriesEnd {
  id: number;
  last_step: number;
  last_timestamp: number;
}

// last_step is the highest step logged and last_timestamp the time of the latest point at it, so a point past them
// is new without a lookup: ordinary logging (rising steps, or step 0 with a rising clock) never reads the history.
// Only a point at or before the end (mlflow 3 re-logging, two points in one millisecond) is looked up, in the open
// rows and the chunks whose step range holds its step: the store keeps no (step) index, which would slow every insert.
function mayRepeat(end: SeriesEnd, step: number, timestamp: number): boolean {
  return step < end.last_step || (step === end.last_step && timestamp <= end.last_timestamp);
}

function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function newPoints(store: Store, runId: string, points: readonly MetricPoint[]): MetricPoint[] {
  const seriesOf = prepared(connectionOf(store), 'SELECT id, last_step, last_timestamp FROM metric_series WHERE run_id = ? AND key = ?');
  const series = new Map<string, SeriesEnd | undefined>();
  // Points of this batch by key, then step (number keys: no string building on the hot path).
  const kept = new Map<string, Map<number, MetricPoint[]>>();
  const fresh: MetricPoint[] = [];
  for (const point of points) {
    const step = Math.trunc(point.step);
    const timestamp = Math.trunc(point.timestamp);
    let steps = kept.get(point.key);
    if (!steps) kept.set(point.key, (steps = new Map()));
    const same = steps.get(step);
    if (same?.some((p) => Math.trunc(p.timestamp) === timestamp && sameValue(p.value, point.value))) continue;
    if (!series.has(point.key)) series.set(point.key, seriesOf.get(runId, point.key) as SeriesEnd | undefined);
    const known = series.get(point.key);
    if (known && mayRepeat(known, step, timestamp) && hasPoint(connectionOf(store), known.id, step, timestamp, point.value)) continue;
    if (same) same.push(point);
    else steps.set(step, [point]);
    fresh.push(point);
  }
  return fresh;
}

// ---- inputs and outputs ----

/** A dataset a run read, as MLflow's log-inputs describes it. */
export interface DatasetInput {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema: string | null;
  profile: string | null;
  tags: Record<string, string>;
}

/** Records datasets a run used; the same (name, digest) again replaces its description. */
export function logDatasetInputs(store: Store, runId: string, inputs: readonly DatasetInput[]): void {
  const put = prepared(
    connectionOf(store),
    'INSERT OR REPLACE INTO run_dataset_inputs (run_id, name, digest, source_type, source, schema, profile, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  connectionOf(store)
    .transaction(() => {
      store.getRun(runId);
      for (const d of inputs) put.run(runId, d.name, d.digest, d.sourceType, d.source, d.schema, d.profile, JSON.stringify(d.tags));
    })
    .immediate();
}

/** The datasets a run used. */
export function datasetInputs(store: Store, runId: string): DatasetInput[] {
  const rows = prepared(connectionOf(store), 'SELECT * FROM run_dataset_inputs WHERE run_id = ? ORDER BY name, digest').all(runId) as {
    name: string;
    digest: string;
    source_type: string;
    source: string;
    schema: string | null;
    profile: string | null;
    tags: string;
  }[];
  return rows.map((row) => ({
    name: row.name,
    digest: row.digest,
    sourceType: row.source_type,
    source: row.source,
    schema: row.schema,
    profile: row.profile,
    tags: JSON.parse(row.tags) as Record<string, string>,
  }));
}

/** A logged model a run read (input) or produced (output, at a step). */
export interface ModelLink {
  modelId: string;
  step: number;
}

/** Links logged models to a run as its inputs or outputs. */
export function linkModels(store: Store, runId: string, direction: 'input' | 'output', links: readonly ModelLink[]): void {
  const put = prepared(connectionOf(store), 'INSERT OR REPLACE INTO run_model_io (run_id, model_id, direction, step) VALUES (?, ?, ?, ?)');
  connectionOf(store)
    .transaction(() => {
      store.getRun(runId);
      for (const link of links) put.run(runId, link.modelId, direction, Math.trunc(link.step));
    })
    .immediate();
}

/** Logged models linked to a run in one direction. */
export function linkedModels(store: Store, runId: string, direction: 'input' | 'output'): ModelLink[] {
  const rows = prepared(
    connectionOf(store),
    'SELECT model_id, step FROM run_model_io WHERE run_id = ? AND direction = ? ORDER BY step, model_id',
  ).all(runId, direction) as { model_id: string; step: number }[];
  return rows.map((row) => ({ modelId: row.model_id, step: row.step }));
}

// ---- MLflow 2 log-model ----

/** Tag where MLflow keeps the models logged by a run (a JSON list of MLmodel dicts). */
export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

/**
 * Appends a logged model's description to the run's model history tag and marks the files under its artifact
 * path as the run's model, both in one transaction so concurrent loggers do not lose an entry.
 */
export function recordLoggedModel(store: Store, runId: string, model: Record<string, unknown>): void {
  connectionOf(store)
    .transaction(() => {
      const previous = store.tags(runId)[LOG_MODEL_HISTORY_TAG];
      const history = parseHistory(previous);
      history.push(model);
      store.setTags(runId, { [LOG_MODEL_HISTORY_TAG]: JSON.stringify(history) });
      const dir = typeof model.artifact_path === 'string' ? model.artifact_path.replace(/\/+$/, '') : '';
      if (dir) {
        prepared(connectionOf(store), "UPDATE artifacts SET role = 'model' WHERE run_id = ? AND direction = 'output' AND substr(path, 1, ?) = ?").run(
          runId,
          dir.length + 1,
          `${dir}/`,
        );
      }
    })
    .immediate();
}

function parseHistory(text: string | undefined): unknown[] {
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

// ---- artifacts by path ----

/** The output file of a run at exactly that path. */
export function runArtifactAt(store: Store, runId: string, path: string): Artifact | undefined {
  return store.artifacts(runId).find((a) => a.direction === 'output' && a.path === path);
}

/** Output files of a run at or under a folder ('' for all), by path. */
export function runArtifactsUnder(store: Store, runId: string, dir: string): Artifact[] {
  return store.artifacts(runId).filter((a) => a.direction === 'output' && (dir === '' || a.path.startsWith(`${dir}/`)));
}
