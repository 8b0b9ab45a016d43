// Logged models (MLflow 3): a model with its own id, params, tags, metrics and files, usually produced by a run.
import { randomBytes } from 'node:crypto';
import type { MetricPoint } from '../core/types';
import { InvalidValueError, NotFoundError } from './errors';
import { keyValueRecord, nanFromSql, nanToSql, prepared } from './statements';
import type { Store } from './store';
import { connectionOf } from './connection';

/** Upload state of a logged model's files. */
export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

const STATUSES: readonly LoggedModelStatus[] = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'];

/** A metric value recorded against a logged model by a run. */
export interface LoggedModelMetric extends MetricPoint {
  runId: string;
}

/** A logged model with everything MLflow shows of it. */
export interface LoggedModel {
  id: string;
  experimentId: number;
  name: string;
  sourceRunId: string | null;
  modelType: string;
  status: LoggedModelStatus;
  createdAt: number;
  updatedAt: number;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: LoggedModelMetric[];
}

/** What a new logged model starts with. */
export interface NewLoggedModel {
  experimentId: number;
  name?: string;
  sourceRunId?: string | null;
  modelType?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

/** A file of a logged model, stored by content hash. */
export interface LoggedModelFile {
  path: string;
  sha256: string;
  size: number;
}

interface ModelRow {
  id: string;
  experiment_id: number;
  name: string;
  source_run_id: string | null;
  model_type: string;
  status: LoggedModelStatus;
  created_at: number;
  updated_at: number;
}

/** True for a known logged-model status name. */
export function isLoggedModelStatus(value: string): value is LoggedModelStatus {
  return (STATUSES as readonly string[]).includes(value);
}

/** Logged models of a store. */
export class LoggedModels {
  constructor(private readonly store: Store) {}

  /** Creates a PENDING model; its id is `m-` and 32 hex characters, as MLflow's. */
  create(spec: NewLoggedModel): LoggedModel {
    const id = `m-${randomBytes(16).toString('hex')}`;
    const now = Date.now();
    connectionOf(this.store)
      .transaction(() => {
        if (!this.store.experimentById(spec.experimentId)) throw new NotFoundError(`No experiment with id ${spec.experimentId}.`);
        if (spec.sourceRunId) this.store.getRun(spec.sourceRunId);
        this.sql(
          'INSERT INTO logged_models (id, experiment_id, name, source_run_id, model_type, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          id,
          spec.experimentId,
          spec.name?.trim() || `model-${id.slice(2, 10)}`,
          spec.sourceRunId ?? null,
          spec.modelType ?? '',
          'LOGGED_MODEL_PENDING',
          now,
          now,
        );
        this.putKeyValues('logged_model_params', id, spec.params ?? {});
        this.putKeyValues('logged_model_tags', id, spec.tags ?? {});
      })
      .immediate();
    return this.get(id);
  }

  /** Whether a logged model with this id exists. */
  has(id: string): boolean {
    return this.sql('SELECT 1 FROM logged_models WHERE id = ?').get(id) !== undefined;
  }

  get(id: string): LoggedModel {
    const row = this.sql('SELECT * FROM logged_models WHERE id = ?').get(id) as ModelRow | undefined;
    if (!row) throw new NotFoundError(`No logged model with id ${id}.`);
    return this.toModel(row);
  }

  /** Models of the given experiments (all when none given), newest first. */
  list(experimentIds: readonly number[] = []): LoggedModel[] {
    const rows = experimentIds.length
      ? (this.sql('SELECT * FROM logged_models WHERE experiment_id IN (SELECT value FROM json_each(?)) ORDER BY created_at DESC, id').all(
          JSON.stringify(experimentIds),
        ) as ModelRow[])
      : (this.sql('SELECT * FROM logged_models ORDER BY created_at DESC, id').all() as ModelRow[]);
    return rows.map((row) => this.toModel(row));
  }

  setStatus(id: string, status: LoggedModelStatus): LoggedModel {
    this.touch(id);
    this.sql('UPDATE logged_models SET status = ? WHERE id = ?').run(status, id);
    return this.get(id);
  }

  setTags(id: string, tags: Record<string, string>): void {
    connectionOf(this.store)
      .transaction(() => this.putKeyValues('logged_model_tags', this.touch(id), tags))
      .immediate();
  }

  /** Removes a tag; false when it was not set. */
  deleteTag(id: string, key: string): boolean {
    this.touch(id);
    return this.sql('DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?').run(id, key).changes > 0;
  }

  /** Adds params; like a run's, a param cannot change its value. */
  logParams(id: string, params: Record<string, string>): void {
    connectionOf(this.store)
      .transaction(() => {
        const current = this.get(id).params;
        for (const [key, value] of Object.entries(params)) {
          if (key in current && current[key] !== value) {
            throw new InvalidValueError(`Param '${key}' of model ${id} is already '${current[key]}' and cannot be changed to '${value}'.`);
          }
        }
        this.putKeyValues('logged_model_params', this.touch(id), params);
      })
      .immediate();
  }

  /** Records metric points a run logged for this model; repeats are kept once. */
  logMetrics(id: string, runId: string, points: readonly MetricPoint[]): void {
    const put = this.sql('INSERT OR REPLACE INTO logged_model_metrics (model_id, run_id, key, step, timestamp, value) VALUES (?, ?, ?, ?, ?, ?)');
    connectionOf(this.store)
      .transaction(() => {
        this.touch(id);
        for (const p of points) put.run(id, runId, p.key, Math.trunc(p.step), Math.trunc(p.timestamp), nanToSql(p.value));
      })
      .immediate();
  }

  /** Records a file of the model (its blob must already be in `objects`); the same path is replaced. */
  addFile(id: string, file: LoggedModelFile): void {
    this.touch(id);
    this.sql('INSERT OR REPLACE INTO logged_model_artifacts (model_id, path, sha256, size, created_at) VALUES (?, ?, ?, ?, ?)').run(
      id,
      file.path,
      file.sha256,
      file.size,
      Date.now(),
    );
  }

  /** The file at exactly that path. */
  fileAt(id: string, path: string): LoggedModelFile | undefined {
    return this.sql('SELECT path, sha256, size FROM logged_model_artifacts WHERE model_id = ? AND path = ?').get(id, path) as
      LoggedModelFile | undefined;
  }

  /** Files at or under a folder ('' for all), by path. */
  filesUnder(id: string, dir: string): LoggedModelFile[] {
    return this.sql(
      "SELECT path, sha256, size FROM logged_model_artifacts WHERE model_id = ? AND (? = '' OR substr(path, 1, length(?) + 1) = ? || '/') ORDER BY path",
    ).all(id, dir, dir, dir) as LoggedModelFile[];
  }

  private toModel(row: ModelRow): LoggedModel {
    const metricRows = this.sql(
      'SELECT run_id, key, step, timestamp, value FROM logged_model_metrics WHERE model_id = ? ORDER BY key, step, timestamp',
    ).all(row.id) as { run_id: string; key: string; step: number; timestamp: number; value: number | null }[];
    return {
      id: row.id,
      experimentId: row.experiment_id,
      name: row.name,
      sourceRunId: row.source_run_id,
      modelType: row.model_type,
      status: row.status,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      tags: this.keyValues('logged_model_tags', row.id),
      params: this.keyValues('logged_model_params', row.id),
      metrics: metricRows.map((m) => ({ runId: m.run_id, key: m.key, step: m.step, timestamp: m.timestamp, value: nanFromSql(m.value) })),
    };
  }

  private keyValues(table: 'logged_model_tags' | 'logged_model_params', id: string): Record<string, string> {
    return keyValueRecord(this.sql(`SELECT key, value FROM ${table} WHERE model_id = ? ORDER BY key`).all(id) as { key: string; value: string }[]);
  }

  private putKeyValues(table: 'logged_model_tags' | 'logged_model_params', id: string, values: Record<string, string>): void {
    const put = this.sql(`INSERT OR REPLACE INTO ${table} (model_id, key, value) VALUES (?, ?, ?)`);
    for (const [key, value] of Object.entries(values)) put.run(id, key, value);
  }

  private touch(id: string): string {
    const changes = this.sql('UPDATE logged_models SET updated_at = ? WHERE id = ?').run(Date.now(), id).changes;
    if (changes === 0) throw new NotFoundError(`No logged model with id ${id}.`);
    return id;
  }

  private sql(text: string) {
    return prepared(connectionOf(this.store), text);
  }
}
