// The cheap checks a store file passes before anything opens it for writing: an SQLite header, and at least as many
// bytes as the header says the database has. They read 100 bytes and a size, so every open can afford them, and
// they catch what a bad copy or a full disk leaves (garbage, a cut-off file) before a migration or a recovery
// writes into it. Damage deeper inside surfaces as SQLITE_CORRUPT when a page is read; see isCorruption.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { sqliteErrorCode } from './sqlite';

const MAGIC = 'SQLite format 3\u0000';
const HEADER_BYTES = 100;
// A checkpoint in another process writes page 1 (with the new size) before the pages that grow the file, so a
// store with a WAL may look short for a moment: look again a few times before calling it damaged.
const SHORT_RETRIES = 8;
const SHORT_RETRY_MS = 25;
const SHORT = 'the file is shorter than its header says: it was cut off';

/** A store file that is not a sound SQLite database; the message says what to do, in one line. */
export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(damagedStoreMessage(file, detail));
  }
}

/** One line that names the damaged file and the ways out (doctor, a copy, the WAL, sqlite3's .recover). */
export function damagedStoreMessage(file: string, detail: string): string {
  return (
    `The store ${file} is damaged (${detail}). Run \`labbook doctor\` to check it; to recover, move it aside ` +
    `and put back a copy (with that copy's labbook.db-wal, if any: it holds the latest writes), ` +
    `or salvage what is readable with \`sqlite3 ${file} .recover\`.`
  );
}

/** True for SQLite's "file is not a database" and "database disk image is malformed" errors (and their variants). */
export function isCorruption(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  return code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB');
}

/** Throws StoreCorruptError when `file` exists and is not a whole SQLite database; a missing or empty file is new. */
export function checkStoreFile(file: string): void {
  if (!existsSync(file)) return;
  let problem = fileProblem(file);
  for (let retry = 0; problem === SHORT && retry < SHORT_RETRIES && hasWal(file); retry++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SHORT_RETRY_MS);
    problem = fileProblem(file);
  }
  if (problem) throw new StoreCorruptError(file, problem);
}

function hasWal(file: string): boolean {
  return existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0;
}

function fileProblem(file: string): string | undefined {
  const size = statSync(file).size;
  if (size === 0) return undefined;
  const header = readHead(file);
  if (size < HEADER_BYTES || header.toString('latin1', 0, MAGIC.length) !== MAGIC) return 'not an SQLite database';
  const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return 'its header names an impossible page size';
  // The page count in the header is only valid when the change counter matches the version-valid-for number.
  const countValid = header.readUInt32BE(24) === header.readUInt32BE(92);
  if (countValid && size < header.readUInt32BE(28) * pageSize) return SHORT;
  return undefined;
}

function readHead(file: string): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  return header;
}
