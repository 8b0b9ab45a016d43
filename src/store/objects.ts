import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
    if (this.has(sha)) return sha;
    this.writeAtomically(sha, (tmp) => writeFileSync(tmp, data));
    return sha;
  }

  /** Copies a file in (hashing it first) and returns its sha256 and size. */
  async putFile(path: string): Promise<{ sha256: string; size: number }> {
    const sha = await sha256OfFile(path);
    const size = statSync(path).size;
    if (!this.has(sha)) this.writeAtomically(sha, (tmp) => copyFileSync(path, tmp));
    return { sha256: sha, size };
  }

  /** Synchronous putFile, for small files such as console logs at exit when the event loop may be ending. */
  putFileSync(path: string): { sha256: string; size: number } {
    const data = readFileSync(path);
    return { sha256: this.putBuffer(data), size: data.length };
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

  /** Removes a blob; returns the bytes freed. */
  remove(sha: string): number {
    const path = this.pathOf(sha);
    const size = statSync(path).size;
    rmSync(path);
    return size;
  }

  // Write to a temp name then rename, so a reader never sees half a blob and two writers never clash.
  private writeAtomically(sha: string, write: (tmp: string) => void): void {
    const target = this.pathOf(sha);
    mkdirSync(join(this.root, sha.slice(0, 2)), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    write(tmp);
    renameSync(tmp, target);
  }
}
