import type { SqlDatabase, SqlStatement } from './sqlite';

const caches = new WeakMap<SqlDatabase, Map<string, SqlStatement>>();

/** A prepared statement for `sql`, prepared once per connection (preparing costs more than running). */
export function prepared(db: SqlDatabase, sql: string): SqlStatement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** Rows of (key, value) as a record. */
export function keyValueRecord(rows: readonly { key: string; value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) out[row.key] = row.value;
  return out;
}

/** Stored NULL means NaN: SQLite cannot hold NaN. */
export function nanFromSql(value: number | null): number {
  return value === null ? Number.NaN : value;
}

/** NaN goes into SQLite as NULL (binding NaN is not portable). */
export function nanToSql(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
