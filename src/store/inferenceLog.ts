// A served version's inference log (migration 9): sampled inputs with their predictions, bounded to the newest rows
// per version. Written in batches by the model server, off the request path.
import { connectionOf } from './connection';
import { prepared } from './statements';
import type { Store } from './store';

/** One logged prediction: the input row by feature name and what the model answered. */
export interface Inference {
  at: number;
  input: Record<string, unknown>;
  prediction: unknown;
}

/** Appends a batch to a version's log in one transaction and drops its rows beyond the newest `keep`. */
export function appendInferences(store: Store, name: string, version: number, batch: readonly Inference[], keep: number): void {
  if (batch.length === 0) return;
  const db = connectionOf(store);
  db.transaction(() => {
    const insert = prepared(db, 'INSERT INTO inference_log (name, version, at, input, prediction) VALUES (?, ?, ?, ?, ?)');
    for (const entry of batch) insert.run(name, version, entry.at, JSON.stringify(entry.input), JSON.stringify(entry.prediction ?? null));
    const oldestKept = prepared(db, 'SELECT id FROM inference_log WHERE name = ? AND version = ? ORDER BY id DESC LIMIT 1 OFFSET ?')
      .pluck()
      .get(name, version, keep - 1) as number | undefined;
    if (oldestKept !== undefined) prepared(db, 'DELETE FROM inference_log WHERE name = ? AND version = ? AND id < ?').run(name, version, oldestKept);
  }).immediate();
}

/** A version's logged predictions, newest first, at most `limit`. */
export function inferenceLog(store: Store, name: string, version: number, limit = 1000): Inference[] {
  const rows = prepared(
    connectionOf(store),
    'SELECT at, input, prediction FROM inference_log WHERE name = ? AND version = ? ORDER BY id DESC LIMIT ?',
  ).all(name, version, limit) as { at: number; input: string; prediction: string }[];
  return rows.map((row) => ({
    at: row.at,
    input: JSON.parse(row.input) as Record<string, unknown>,
    prediction: JSON.parse(row.prediction) as unknown,
  }));
}
