// A run's params and tags.
import { ParamConflictError } from './errors';
import { touchRun } from './runs';
import type { SqlDatabase } from './sqlite';
import { prepared } from './statements';

/** Logs params; re-logging the same value is fine, a different value throws ParamConflictError unless overwrite. */
export function logParams(db: SqlDatabase, runId: string, params: Record<string, string>, options: { overwrite?: boolean } = {}): void {
  const get = prepared(db, 'SELECT value FROM params WHERE run_id = ? AND key = ?');
  const put = prepared(db, 'INSERT OR REPLACE INTO params (run_id, key, value) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const [key, value] of Object.entries(params)) {
      const existing = get.get(runId, key) as { value: string } | undefined;
      if (existing && existing.value !== value && !options.overwrite) throw new ParamConflictError(key, existing.value, value);
      if (!existing || existing.value !== value) put.run(runId, key, value);
    }
    touchRun(db, runId);
  }).immediate();
}

/** A run's params by key. */
export function params(db: SqlDatabase, runId: string): Record<string, string> {
  return keyValues(db, 'SELECT key, value FROM params WHERE run_id = ? ORDER BY key', runId);
}

/** Sets tags (replacing same-key values) and moves the run's updated_at, in one transaction. */
export function setTags(db: SqlDatabase, runId: string, tags: Record<string, string>): void {
  const put = prepared(db, 'INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const [key, value] of Object.entries(tags)) put.run(runId, key, value);
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
