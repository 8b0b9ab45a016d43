// The SQLite driver seam. The store speaks one small API (better-sqlite3's shape, which the code was written
// against) and two drivers provide it: Node's built-in `node:sqlite` wherever the runtime has it (Node 22.13+,
// Node 24, the Electron of current desktop VS Code, which cannot load a native module built for Node), and
// better-sqlite3 12 otherwise (Node 20: the CLI there, code-server 4.100.3). The driver is chosen once per process.
import { createRequire } from 'node:module';

/** Names of the two drivers, as shown by `labbook --version`, `labbook doctor` and the extension's log. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

/** What `run` reports. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement. `raw()` makes rows arrays, `pluck()` makes them their first column; both persist. */
export interface SqlStatement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  raw(on?: boolean): SqlStatement;
  pluck(on?: boolean): SqlStatement;
}

/** A function that runs in a transaction; call it plainly (DEFERRED) or through `immediate()`. */
export interface Transaction<F extends (...args: never[]) => unknown> {
  (...args: Parameters<F>): ReturnType<F>;
  immediate(...args: Parameters<F>): ReturnType<F>;
  deferred(...args: Parameters<F>): ReturnType<F>;
}

/** Options of a user-defined SQL function. */
export interface SqlFunctionOptions {
  deterministic?: boolean;
  directOnly?: boolean;
}

/** One open SQLite connection, whichever driver holds it. */
export interface SqlDatabase {
  readonly driver: SqliteDriverName;
  prepare(sql: string): SqlStatement;
  exec(sql: string): void;
  /** `PRAGMA source`; with `simple`, the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F>;
  function(name: string, options: SqlFunctionOptions, fn: (...args: never[]) => unknown): void;
  close(): void;
}

/** How to open a database file. */
export interface OpenOptions {
  readonly?: boolean;
}

/** The driver could not be loaded in this runtime: the message says what to do. */
export class SqliteDriverError extends Error {}

// Primary result codes (the low byte of an extended code), named as better-sqlite3 names them.
const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  24: 'SQLITE_FORMAT',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};
const CONSTRAINT_KINDS: Record<number, string> = {
  1: 'CHECK',
  2: 'COMMITHOOK',
  3: 'FOREIGNKEY',
  4: 'FUNCTION',
  5: 'NOTNULL',
  6: 'PRIMARYKEY',
  7: 'TRIGGER',
  8: 'UNIQUE',
  9: 'VTAB',
  10: 'ROWID',
  11: 'PINNED',
  12: 'DATATYPE',
};

/** SQLite's code of an error from either driver (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …), or '' for others. */
export function sqliteErrorCode(error: unknown): string {
  if (!(error instanceof Error)) return '';
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  if (typeof errcode !== 'number') return '';
  const primary = PRIMARY_CODES[errcode & 0xff] ?? '';
  const constraint = primary === 'SQLITE_CONSTRAINT' ? CONSTRAINT_KINDS[errcode >> 8] : undefined;
  return constraint ? `${primary}_${constraint}` : primary;
}

type Opener = (file: string, options: OpenOptions) => SqlDatabase;

interface Loaded {
  name: SqliteDriverName;
  open: Opener;
}

let chosen: Loaded | undefined;
const requireHere = createRequire(__filename);

/** The driver this process uses: LABBOOK_SQLITE_DRIVER when set, else node:sqlite when the runtime has it. */
export function sqliteDriver(env: NodeJS.ProcessEnv = process.env): SqliteDriverName {
  return loadDriver(env).name;
}

/** Opens `file` with this process's driver; busy timeout and pragmas are the caller's. */
export function openDatabase(file: string, options: OpenOptions = {}): SqlDatabase {
  return loadDriver(process.env).open(file, options);
}

function loadDriver(env: NodeJS.ProcessEnv): Loaded {
  if (chosen) return chosen;
  const order = driverOrder(env.LABBOOK_SQLITE_DRIVER);
  const failures: string[] = [];
  for (const name of order) {
    try {
      chosen = { name, open: name === 'node:sqlite' ? loadNodeSqlite() : loadBetterSqlite3(env) };
      return chosen;
    } catch (error) {
      failures.push(`${name}: ${firstLine(error)}`);
    }
  }
  throw new SqliteDriverError(
    `Labbook found no SQLite driver in this runtime (Node ${process.versions.node}, ABI ${process.versions.modules}, ` +
      `${process.platform}-${process.arch}). It needs Node's built-in node:sqlite (Node 22.13 or later, current VS Code) ` +
      `or better-sqlite3 built for this Node. ${failures.join('; ')}`,
  );
}

function driverOrder(wanted: string | undefined): SqliteDriverName[] {
  if (!wanted) return ['node:sqlite', 'better-sqlite3'];
  if (wanted === 'node:sqlite' || wanted === 'better-sqlite3') return [wanted];
  throw new SqliteDriverError(`LABBOOK_SQLITE_DRIVER is '${wanted}': use 'node:sqlite' or 'better-sqlite3'.`);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

// ---- node:sqlite ----

interface NodeStatement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  setReturnArrays?(on: boolean): void;
}

interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  function(name: string, options: SqlFunctionOptions & { varargs?: boolean }, fn: (...args: never[]) => unknown): void;
  close(): void;
}

type NodeDatabaseConstructor = new (file: string, options: { readOnly?: boolean; timeout?: number }) => NodeDatabase;

function loadNodeSqlite(): Opener {
  // getBuiltinModule keeps bundlers from resolving it, and does not throw where the module is missing (Node 20).
  const sqlite = process.getBuiltinModule?.('node:sqlite') as { DatabaseSync?: NodeDatabaseConstructor } | undefined;
  if (!sqlite?.DatabaseSync) throw new Error(`Node ${process.versions.node} has no node:sqlite (it needs 22.13 or later)`);
  const DatabaseSync = sqlite.DatabaseSync;
  return (file, options) => new NodeSqliteDatabase(new DatabaseSync(file, { readOnly: options.readonly === true }));
}

// better-sqlite3 binds undefined as NULL and spreads an array argument; node:sqlite refuses both.
function bindable(params: unknown[]): unknown[] {
  // Most calls bind plain values: hand them on as they are (this runs once per statement call).
  if (!params.some((param) => param === undefined || Array.isArray(param))) return params;
  const out: unknown[] = [];
  for (const param of params) {
    if (Array.isArray(param)) out.push(...bindable(param));
    else out.push(param === undefined ? null : param);
  }
  return out;
}

class NodeSqliteStatement implements SqlStatement {
  private arrays = false;
  private first = false;

  constructor(private readonly statement: NodeStatement) {}

  run(...params: unknown[]): RunResult {
    return this.statement.run(...bindable(params));
  }

  get(...params: unknown[]): unknown {
    const row = this.statement.get(...bindable(params));
    return row === undefined ? undefined : this.shape(row);
  }

  all(...params: unknown[]): unknown[] {
    const rows = this.statement.all(...bindable(params));
    return this.needsShape() ? rows.map((row) => this.shape(row)) : rows;
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    const rows = this.statement.iterate(...bindable(params));
    // Rows that need no reshaping stream straight from SQLite, without a generator step per row.
    return this.needsShape() ? this.shaped(rows) : rows;
  }

  private *shaped(rows: IterableIterator<unknown>): IterableIterator<unknown> {
    for (const row of rows) yield this.shape(row);
  }

  private needsShape(): boolean {
    return this.first || (this.arrays && !this.statement.setReturnArrays);
  }

  raw(on = true): SqlStatement {
    this.arrays = on;
    this.first = false;
    this.statement.setReturnArrays?.(on);
    return this;
  }

  pluck(on = true): SqlStatement {
    this.raw(on);
    this.first = on;
    return this;
  }

  // Runtimes before setReturnArrays (Node 22.15 and older) return objects; their values are in column order.
  private shape(row: unknown): unknown {
    if (!this.arrays) return row;
    const values = Array.isArray(row) ? row : Object.values(row as object);
    return this.first ? values[0] : values;
  }
}

class NodeSqliteDatabase implements SqlDatabase {
  readonly driver = 'node:sqlite';
  private depth = 0;

  constructor(private readonly db: NodeDatabase) {}

  prepare(sql: string): SqlStatement {
    return new NodeSqliteStatement(this.db.prepare(sql));
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const statement = this.db.prepare(`PRAGMA ${source}`);
    if (!options.simple) return statement.all();
    const row = statement.get() as Record<string, unknown> | undefined;
    return row === undefined ? undefined : Object.values(row)[0];
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F> {
    const run = (begin: string, args: Parameters<F>): ReturnType<F> => this.inTransaction(begin, () => fn(...args) as ReturnType<F>);
    const plain = (...args: Parameters<F>): ReturnType<F> => run('BEGIN', args);
    return Object.assign(plain, {
      immediate: (...args: Parameters<F>) => run('BEGIN IMMEDIATE', args),
      deferred: (...args: Parameters<F>) => run('BEGIN', args),
    });
  }

  function(name: string, options: SqlFunctionOptions, fn: (...args: never[]) => unknown): void {
    this.db.function(name, { ...options, varargs: false }, fn);
  }

  close(): void {
    this.db.close();
  }

  // As better-sqlite3 does: the outermost call begins and commits; nested calls are savepoints, so an inner
  // failure caught by its caller rolls back only the inner part.
  private inTransaction<R>(begin: string, body: () => R): R {
    const savepoint = this.depth > 0 ? `labbook_${this.depth}` : '';
    this.db.exec(savepoint ? `SAVEPOINT ${savepoint}` : begin);
    this.depth++;
    try {
      const result = body();
      this.db.exec(savepoint ? `RELEASE ${savepoint}` : 'COMMIT');
      return result;
    } catch (error) {
      this.rollback(savepoint);
      throw error;
    } finally {
      this.depth--;
    }
  }

  // SQLite may already have rolled the transaction back itself (SQLITE_FULL, SQLITE_IOERR, …).
  private rollback(savepoint: string): void {
    try {
      this.db.exec(savepoint ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
    } catch {
      // nothing left to roll back
    }
  }
}

// ---- better-sqlite3 ----

type BetterConstructor = new (
  file: string,
  options: { readonly?: boolean; fileMustExist?: boolean; nativeBinding?: string },
) => Omit<SqlDatabase, 'driver'>;

function loadBetterSqlite3(env: NodeJS.ProcessEnv): Opener {
  const Database = requireHere('better-sqlite3') as BetterConstructor;
  const nativeBinding = env.LABBOOK_BETTER_SQLITE3_BINDING || undefined;
  // Opening a throwaway database loads the native binary now, so a wrong ABI fails here, where there is a fallback.
  new Database(':memory:', { nativeBinding }).close();
  return (file, options) => {
    const db = new Database(file, { readonly: options.readonly === true, fileMustExist: options.readonly === true, nativeBinding });
    return Object.assign(db, { driver: 'better-sqlite3' as const, transaction: reusedTransaction(db.transaction((body: () => unknown) => body())) });
  };
}

/**
 * transaction() over one better-sqlite3 transaction function made per connection, which runs each body. Its own
 * transaction() builds four wrappers and defines their properties on every call: ~8 µs, a sixth of a one-point
 * write. Nesting, savepoints and rollback stay better-sqlite3's.
 */
function reusedTransaction(runBody: Transaction<(body: () => unknown) => unknown>): SqlDatabase['transaction'] {
  return <F extends (...args: never[]) => unknown>(fn: F): Transaction<F> => {
    const plain = (...args: Parameters<F>): ReturnType<F> => runBody(() => fn(...args)) as ReturnType<F>;
    return Object.assign(plain, {
      immediate: (...args: Parameters<F>) => runBody.immediate(() => fn(...args)) as ReturnType<F>,
      deferred: (...args: Parameters<F>) => runBody.deferred(() => fn(...args)) as ReturnType<F>,
    });
  };
}
