// The driver seam: whichever driver this process chose (LABBOOK_SQLITE_DRIVER, else node:sqlite when the runtime has
// it), the store's SQLite API behaves the same. `npm run test:node24` runs this file once per driver.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDatabase, sqliteDriver, sqliteErrorCode } from '../../src/store/sqlite';
import type { SqlDatabase } from '../../src/store/sqlite';

const dir = mkdtempSync(join(tmpdir(), 'labbook-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function fresh(): { db: SqlDatabase; file: string } {
  const file = join(dir, `db-${files++}.sqlite`);
  const db = openDatabase(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v REAL)');
  return { db, file };
}

const TSX = require.resolve('tsx');

/** The driver a fresh process picks with `env` added. */
function driverWith(env: Record<string, string>): { stdout: string; stderr: string; status: number | null } {
  const script = "process.stdout.write(require('./src/store/sqlite').sqliteDriver())";
  const result = spawnSync(process.execPath, ['--import', TSX, '-e', script], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe(`SQLite driver seam (${sqliteDriver()} on Node ${process.version})`, () => {
  test('the default is node:sqlite where the runtime has it, else better-sqlite3; the variable forces one', () => {
    const hasNodeSqlite = process.getBuiltinModule?.('node:sqlite') !== undefined;
    assert.equal(driverWith({ LABBOOK_SQLITE_DRIVER: '' }).stdout, hasNodeSqlite ? 'node:sqlite' : 'better-sqlite3');
    const forced = driverWith({ LABBOOK_SQLITE_DRIVER: 'node:sqlite' });
    if (hasNodeSqlite) assert.equal(forced.stdout, 'node:sqlite');
    else assert.match(forced.stderr, /no SQLite driver in this runtime \(Node 20.*node:sqlite: Node 20\S* has no node:sqlite/);
    assert.match(
      driverWith({ LABBOOK_SQLITE_DRIVER: 'sqlite4' }).stderr,
      /LABBOOK_SQLITE_DRIVER is 'sqlite4': use 'node:sqlite' or 'better-sqlite3'/,
    );
  });

  test('labbook --version names the runtime and the driver', () => {
    const out = execFileSync(process.execPath, ['--import', TSX, join(__dirname, '..', '..', 'src', 'cli', 'main.ts'), '--version'], {
      encoding: 'utf8',
    });
    assert.match(
      out,
      new RegExp(`^labbook \\d+\\.\\d+\\.\\d+ \\(Node ${process.version.replace(/\./g, '\\.')}, SQLite driver ${sqliteDriver()}\\)\\n$`),
    );
  });

  test('rows as objects, arrays (raw) and first columns (pluck); undefined binds NULL; arrays spread', () => {
    const { db } = fresh();
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    assert.equal(insert.run('a', 1.5).changes, 1);
    insert.run(['b', undefined]);
    assert.deepEqual({ ...(db.prepare('SELECT k, v FROM t WHERE k = ?').get('a') as object) }, { k: 'a', v: 1.5 });
    assert.deepEqual(db.prepare('SELECT k, v FROM t ORDER BY k').raw().all(), [
      ['a', 1.5],
      ['b', null],
    ]);
    assert.deepEqual([...db.prepare('SELECT k FROM t ORDER BY k').pluck().iterate()], ['a', 'b']);
    assert.equal(db.prepare('SELECT v FROM t WHERE k = ?').pluck().get('a'), 1.5);
    assert.equal(db.prepare('SELECT v FROM t WHERE k = ?').pluck().get('zz'), undefined);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });

  test('transactions commit, roll back on a throw, and nest as savepoints', () => {
    const { db } = fresh();
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const count = (): unknown => db.prepare('SELECT COUNT(*) FROM t').pluck().get();
    db.transaction(() => insert.run('a', 1)).immediate();
    assert.throws(
      () =>
        db.transaction(() => {
          insert.run('b', 2);
          throw new Error('boom');
        })(),
      /boom/,
    );
    assert.equal(count(), 1);
    db.transaction(() => {
      insert.run('c', 3);
      assert.throws(
        () =>
          db.transaction(() => {
            insert.run('d', 4);
            insert.run('a', 5);
          })(),
        (error: unknown) => sqliteErrorCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
      );
    }).immediate();
    assert.deepEqual(db.prepare('SELECT k FROM t ORDER BY k').pluck().all(), ['a', 'c']);
    db.close();
  });

  test('a second writer waits out the first (busy timeout) and a read-only connection cannot write', () => {
    const { db, file } = fresh();
    const other = openDatabase(file);
    other.pragma('busy_timeout = 5000');
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO t VALUES (?, ?)').run('held', 1);
    other.pragma('busy_timeout = 0');
    assert.throws(
      () => other.transaction(() => other.prepare('INSERT INTO t VALUES (?, ?)').run('x', 1)).immediate(),
      (error: unknown) => sqliteErrorCode(error) === 'SQLITE_BUSY',
    );
    db.exec('COMMIT');
    other.transaction(() => other.prepare('INSERT INTO t VALUES (?, ?)').run('x', 1)).immediate();
    const reader = openDatabase(file, { readonly: true });
    assert.equal(reader.prepare('SELECT COUNT(*) FROM t').pluck().get(), 2);
    assert.throws(
      () => reader.exec("INSERT INTO t VALUES ('y', 1)"),
      (error: unknown) => sqliteErrorCode(error) === 'SQLITE_READONLY',
    );
    for (const connection of [reader, other, db]) connection.close();
  });

  test('a read-only open of a missing file fails instead of creating it', () => {
    assert.throws(() => openDatabase(join(dir, 'missing.sqlite'), { readonly: true }));
  });

  test('user functions receive each row, as the Compare series reader uses them', () => {
    const { db } = fresh();
    for (let i = 0; i < 5; i++) db.prepare('INSERT INTO t VALUES (?, ?)').run(`k${i}`, i);
    const seen: unknown[] = [];
    db.function('collect', { directOnly: true }, ((value: unknown) => void seen.push(value)) as (...args: never[]) => unknown);
    db.prepare('SELECT collect(v) FROM t ORDER BY v').all();
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    db.close();
  });

  test('error codes are SQLite names whichever driver threw', () => {
    const { db } = fresh();
    db.prepare('INSERT INTO t VALUES (?, ?)').run('a', 1);
    assert.throws(
      () => db.prepare('INSERT INTO t VALUES (?, ?)').run('a', 2),
      (error: unknown) => sqliteErrorCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
    );
    assert.throws(
      () => db.prepare('SELEC 1'),
      (error: unknown) => sqliteErrorCode(error) === 'SQLITE_ERROR',
    );
    assert.equal(sqliteErrorCode(new Error('plain')), '');
    db.close();
  });
});
