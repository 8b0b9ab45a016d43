// Experiments: the one place a row of the experiments table becomes an Experiment.
import type { Experiment } from '../core/types';
import type { SqlDatabase } from './sqlite';
import { prepared } from './statements';

/** A row of the experiments table as EXPERIMENT_COLUMNS selects it. */
export interface ExperimentRow {
  id: number;
  name: string;
  created_at: number;
  updated_at: number;
  lifecycle: 'active' | 'deleted';
  artifact_location: string | null;
}

const EXPERIMENT_COLUMNS = 'id, name, created_at, updated_at, lifecycle, artifact_location';

/** The row -> Experiment mapping every experiment read uses. */
export function toExperiment(row: ExperimentRow): Experiment {
  return { id: row.id, name: row.name, createdAt: row.created_at, lifecycle: row.lifecycle };
}

/** The experiment row with that id. */
export function experimentRowById(db: SqlDatabase, id: number): ExperimentRow | undefined {
  return prepared(db, `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE id = ?`).get(id) as ExperimentRow | undefined;
}

/** The experiment row with that name. */
export function experimentRowByName(db: SqlDatabase, name: string): ExperimentRow | undefined {
  return prepared(db, `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE name = ?`).get(name) as ExperimentRow | undefined;
}

/** Every experiment row, by id. */
export function experimentRows(db: SqlDatabase): ExperimentRow[] {
  return prepared(db, `SELECT ${EXPERIMENT_COLUMNS} FROM experiments ORDER BY id`).all() as ExperimentRow[];
}

/** The experiment of that name, created when missing unless `create` is false. */
export function experimentByName(db: SqlDatabase, name: string, create = true): Experiment | undefined {
  const found = experimentRowByName(db, name);
  if (found) return toExperiment(found);
  if (!create) return undefined;
  const now = Date.now();
  prepared(db, 'INSERT OR IGNORE INTO experiments (name, created_at, updated_at) VALUES (?, ?, ?)').run(name, now, now);
  return experimentByName(db, name, false);
}

/** The experiment with that id. */
export function experimentById(db: SqlDatabase, id: number): Experiment | undefined {
  const row = experimentRowById(db, id);
  return row && toExperiment(row);
}

/** Every experiment, by id. */
export function listExperiments(db: SqlDatabase): Experiment[] {
  return experimentRows(db).map(toExperiment);
}
