// The store's SQLite connection, reachable only by store modules (and the store's tests and benches): lint refuses
// this file to every other layer, which use Store's methods, such as store.transaction, instead.
import type { SqlDatabase } from './sqlite';
import type { Store } from './store';

// A WeakMap rather than a public field: nothing outside the store layer can reach a connection through a Store.
const connections = new WeakMap<Store, SqlDatabase>();

/** Ties a store to its connection; called once, by Store's constructor. */
export function bindConnection(store: Store, db: SqlDatabase): void {
  connections.set(store, db);
}

/** The SQLite connection of a store, for store modules. */
export function connectionOf(store: Store): SqlDatabase {
  const db = connections.get(store);
  if (!db) throw new Error('This store has no connection.');
  return db;
}
