// A run's params and tags.
import { ParamConflictError } from './errors';
import { touchRun } from './runs';
import type { SqlDatabase } from './sqlite';
import { prepared } from './statements';

/** The tag listing the params Labbook read itself (argv, config files), which a value the script logs replaces. */
export const INFERRED_PARAMS_TAG = 'labbook.inferred_params';
/** Prefix of the tags keeping an inferred value that an explicitly logged one replaced. */
export const REPLACED_INFERRED_PARAM_PREFIX = 'labbook.inferred_param.';

/** How params are logged: explicitly by the script (immutable, as in MLflow) or as read by Labbook itself. */
export interface LogParamsOptions {
  /** Values Labbook read (argv, params.yaml, argparse): never replace an explicit value; the script's own value replaces them. */
  inferred?: boolean;
}

/**
 * Logs params; re-logging the same value is fine, a different value throws ParamConflictError. An inferred value
 * yields once to an explicit one, since the script knows what it used (`--lr 5e-2` vs its logged `0.05`); the
 * inferred value is kept in a tag. Explicit values are immutable, as MLflow's are.
 */
export function logParams(db: SqlDatabase, runId: string, params: Record<string, string>, options: LogParamsOptions = {}): void {
  const get = prepared(db, 'SELECT value FROM params WHERE run_id = ? AND key = ?');
  const put = prepared(db, 'INSERT OR REPLACE INTO params (run_id, key, value) VALUES (?, ?, ?)');
  db.transaction(() => {
    let inferred: Set<string> | undefined;
    const inferredKeys = (): Set<string> => (inferred ??= new Set(inferredParamKeys(db, runId)));
    for (const [key, value] of Object.entries(params)) {
      const existing = get.get(runId, key) as { value: string } | undefined;
      if (options.inferred) {
        if (existing && !inferredKeys().has(key)) continue;
        inferredKeys().add(key);
      } else if (existing && inferredKeys().delete(key)) {
        if (existing.value !== value) putTag(db, runId, REPLACED_INFERRED_PARAM_PREFIX + key, existing.value);
      } else if (existing && existing.value !== value) throw new ParamConflictError(key, existing.value, value);
      if (!existing || existing.value !== value) put.run(runId, key, value);
    }
    if (inferred) putTag(db, runId, INFERRED_PARAMS_TAG, JSON.stringify([...inferred].sort()));
    touchRun(db, runId);
  }).immediate();
}

function inferredParamKeys(db: SqlDatabase, runId: string): string[] {
  const row = prepared(db, 'SELECT value FROM tags WHERE run_id = ? AND key = ?').get(runId, INFERRED_PARAMS_TAG) as { value: string } | undefined;
  if (!row) return [];
  try {
    const keys = JSON.parse(row.value) as unknown;
    return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return []; // a tag someone overwrote by hand: nothing yields, as before
  }
}

function putTag(db: SqlDatabase, runId: string, key: string, value: string): void {
  prepared(db, 'INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)').run(runId, key, value);
}

/** A run's params by key. */
export function params(db: SqlDatabase, runId: string): Record<string, string> {
  return keyValues(db, 'SELECT key, value FROM params WHERE run_id = ? ORDER BY key', runId);
}

/** Sets tags (replacing same-key values) and moves the run's updated_at, in one transaction. */
export function setTags(db: SqlDatabase, runId: string, tags: Record<string, string>): void {
  db.transaction(() => {
    for (const [key, value] of Object.entries(tags)) putTag(db, runId, key, value);
    touchRun(db, runId);
  }).immediate();
}

/** Deletes one tag; false when the run had no such tag. A deletion moves updated_at, as setTags does. */
export function deleteTag(db: SqlDatabase, runId: string, key: string): boolean {
  return db
    .transaction(() => {
      const deleted = prepared(db, 'DELETE FROM tags WHERE run_id = ? AND key = ?').run(runId, key).changes > 0;
      if (deleted) touchRun(db, runId);
      return deleted;
    })
    .immediate();
}

/** A run's tags by key. */
export function tags(db: SqlDatabase, runId: string): Record<string, string> {
  return keyValues(db, 'SELECT key, value FROM tags WHERE run_id = ? ORDER BY key', runId);
}

function keyValues(db: SqlDatabase, sql: string, runId: string): Record<string, string> {
  const rows = prepared(db, sql).all(runId) as { key: string; value: string }[];
  return Object.fromEntries(rows.map((row) => [row.key, row.value])); // fromEntries keeps a key named __proto__ as data
}
