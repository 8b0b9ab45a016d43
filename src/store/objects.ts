import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const READ_CHUNK = 1 << 20;

/** sha256 of a buffer, as lowercase hex. */
export function sha256OfBuffer(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a file, streamed so large model files never sit in memory. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sha256 and length of a file, read in 1 MiB chunks. */
export function sha256OfFileSync(path: string): { sha256: string; size: number } {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  let size = 0;
  try {
    const buffer = Buffer.alloc(READ_CHUNK);
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      hash.update(buffer.subarray(0, read));
      size += read;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Content-addressed blob store under `.labbook/objects/ab/cdef…`; identical content is kept once. */
export class ObjectStore {
  constructor(readonly root: string) {}

  /** Path of a blob (whether or not it exists); refuses anything that is not a sha256. */
  pathOf(sha: string): string {
    if (!SHA256.test(sha)) throw new Error(`Not a sha256: ${JSON.stringify(sha)}`);
    return join(this.root, sha.slice(0, 2), sha.slice(2));
  }

  has(sha: string): boolean {
    return existsSync(this.pathOf(sha));
  }

  /** Stores bytes and returns their sha256. */
  putBuffer(data: Buffer | string): string {
    const sha = sha256OfBuffer(data);
    if (!this.refresh(sha)) this.writeAtomically(sha, (tmp) => writeFileSync(tmp, data));
    return sha;
  }

  /** Copies a file in (hashing it first) and returns its sha256 and size. */
  async putFile(path: string): Promise<{ sha256: string; size: number }> {
    const sha = await sha256OfFile(path);
    const size = statSync(path).size;
    if (!this.refresh(sha)) this.writeAtomically(sha, (tmp) => copyFileSync(path, tmp));
    return { sha256: sha, size };
  }

  /**
   * Synchronous putFile for a file that may only grow meanwhile (a console log, at exit when the event loop may
   * be ending). It is hashed in 1 MiB chunks and copied by the kernel (sparse files stay sparse), then cut to the
   * length hashed, so memory stays flat for any size and the blob holds exactly the bytes hashed.
   */
  putFileSync(path: string): { sha256: string; size: number } {
    const { sha256, size } = sha256OfFileSync(path);
    if (this.refresh(sha256)) return { sha256, size };
    const tmp = this.tempPath();
    copyFileSync(path, tmp);
    truncateSync(tmp, size);
    this.place(tmp, sha256);
    return { sha256, size };
  }

  read(sha: string): Buffer {
    return readFileSync(this.pathOf(sha));
  }

  /** Every sha256 stored. */
  *list(): Generator<string> {
    if (!existsSync(this.root)) return;
    for (const prefix of readdirSync(this.root)) {
      if (prefix.length !== 2) continue;
      for (const rest of readdirSync(join(this.root, prefix))) {
        const sha = prefix + rest;
        if (SHA256.test(sha)) yield sha;
      }
    }
  }

  /** Size and modification time of a stored blob. */
  stat(sha: string): { size: number; mtimeMs: number } {
    const { size, mtimeMs } = statSync(this.pathOf(sha));
    return { size, mtimeMs };
  }

  /**
   * Removes a blob unless it was stored or refreshed after `staleBefore` or `inUse` says a row points at it;
   * returns the bytes freed (0 when kept, or already gone). Safe beside writers and other collectors: the blob is
   * first renamed out of sight, so a writer that comes later stores a fresh copy, and one that refreshed it
   * before shows in its mtime; only then are mtime and references checked.
   */
  collect(sha: string, staleBefore: number, inUse: (sha: string) => boolean): number {
    const path = this.pathOf(sha);
    const doomed = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.gc`;
    try {
      renameSync(path, doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0; // another gc took it
      throw error;
    }
    const { size, mtimeMs } = statSync(doomed);
    if (mtimeMs > staleBefore || inUse(sha)) {
      renameSync(doomed, path); // a fresh copy a writer put there meanwhile has the same bytes
      return 0;
    }
    rmSync(doomed);
    return size;
  }

  // A writer that finds its blob already stored marks it fresh, so gc's grace period protects it until the
  // row that references it is written. False when the blob is not there (then the writer stores it).
  private refresh(sha: string): boolean {
    const now = new Date();
    try {
      utimesSync(this.pathOf(sha), now, now);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  // Write to a temp name then rename, so a reader never sees half a blob and two writers never clash.
  private writeAtomically(sha: string, write: (tmp: string) => void): void {
    const tmp = this.tempPath();
    write(tmp);
    this.place(tmp, sha);
  }

  // In the root, where list() never looks (it reads only the two-character folders).
  private tempPath(): string {
    mkdirSync(this.root, { recursive: true });
    return join(this.root, `${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  }

  private place(tmp: string, sha: string): void {
    mkdirSync(join(this.root, sha.slice(0, 2)), { recursive: true });
    renameSync(tmp, this.pathOf(sha));
  }
}
