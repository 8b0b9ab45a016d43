// How editors find running model servers: `labbook serve-model` writes `<store>/serving/<pid>.json` (mode 0600, it
// holds the token) when it starts and removes it when it stops; a file whose pid is gone (a SIGKILLed server) is
// skipped by readers.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One running model server, as `<store>/serving/<pid>.json` describes it. */
export interface ServedModel {
  pid: number;
  /** Base URL, e.g. `http://127.0.0.1:5001` (POST /invocations, GET /metrics, GET /labbook/window.csv). */
  url: string;
  /** Bearer token every route but /ping and /health needs. */
  token: string;
  model: string;
  version: number;
  /** The stage or alias it was started by (`Production`, `@champion`), when one was named. */
  stage?: string;
  /** ISO 8601 time the server started. */
  startedAt: string;
}

/** The folder of discovery files inside a store folder (`.labbook`). */
export function servingDir(storeDir: string): string {
  return join(storeDir, 'serving');
}

/** Writes this server's discovery file (0600) and returns the function that removes it. */
export function announceServedModel(storeDir: string, entry: ServedModel): () => void {
  const dir = servingDir(storeDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${entry.pid}.json`);
  writeFileSync(file, `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseEntry(text: string): ServedModel | undefined {
  try {
    const entry = JSON.parse(text) as Partial<ServedModel>;
    const valid =
      Number.isInteger(entry.pid) &&
      typeof entry.url === 'string' &&
      typeof entry.token === 'string' &&
      typeof entry.model === 'string' &&
      Number.isInteger(entry.version) &&
      typeof entry.startedAt === 'string';
    return valid ? (entry as ServedModel) : undefined;
  } catch {
    return undefined;
  }
}

/** The live model servers of a store folder (`.labbook`, or wherever labbook.storePath / LABBOOK_DIR puts it), oldest first. */
export function servedModels(storeDir: string): ServedModel[] {
  let names: string[];
  try {
    names = readdirSync(servingDir(storeDir)).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const entries = names.flatMap((name) => {
    try {
      const entry = parseEntry(readFileSync(join(servingDir(storeDir), name), 'utf8'));
      return entry && isAlive(entry.pid) ? [entry] : [];
    } catch {
      return []; // removed between the listing and the read
    }
  });
  return entries.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
