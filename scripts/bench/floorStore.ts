// The floor of a durable tracking server: what any server that keeps each write before it answers must do, and no
// more. It parses the request's JSON (a server must know the request is well formed before it says 200) and
// commits the request as it came, one row in a table with no index, with Labbook's journal settings (WAL,
// synchronous NORMAL). The null server runs it with `--floor` and still answers its canned responses, so a
// client's figures against that server are the least time a durable server adds to the client's own limit: the
// budget Labbook's figures are set in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sqlite';
import type { SqlDatabase, SqlStatement } from '../../src/store/sqlite';

/** A temporary store that keeps each write request in one commit. */
export class FloorStore {
  private readonly dir = mkdtempSync(join(tmpdir(), 'labbook-bench-floor-'));
  private readonly db: SqlDatabase;
  private readonly insert: SqlStatement;

  constructor() {
    this.db = openDatabase(join(this.dir, 'floor.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE requests (path TEXT, body TEXT)');
    this.insert = this.db.prepare('INSERT INTO requests VALUES (?, ?)');
  }

  /** Parses a write request's body and commits it. */
  keep(path: string, text: string): void {
    JSON.parse(text);
    this.db.transaction(() => this.insert.run(path, text)).immediate();
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
