import { existsSync, rmSync } from 'node:fs';
import type { Store } from '../store/store';
import { ingestJournal, type IngestContext } from './ingest';

/** True when a process with that pid exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stores a run's console log as a blob and returns its sha256, or null when there is none. */
export function storeConsoleLog(store: Store, runId: string, consolePath: string | null): string | null {
  if (!consolePath || !existsSync(consolePath)) return null;
  const { sha256, size } = store.objects.putFileSync(consolePath);
  store.addArtifact({ runId, path: 'console.log', sha256, size, role: 'log', direction: 'output' });
  return sha256;
}

/**
 * Marks runs whose runner vanished (SIGKILL, power loss) CRASHED, after ingesting whatever their journal
 * and console log hold, so nothing the script logged is lost. Returns the ids it recovered.
 */
export async function recoverOrphanedRuns(store: Store, context: Omit<IngestContext, 'cwd'>): Promise<string[]> {
  const recovered: string[] = [];
  for (const orphan of store.orphanedRuns(isProcessAlive)) {
    const run = store.findRun(orphan.id);
    if (!run) continue;
    await ingestJournal(store, orphan.id, { ...context, cwd: run.cwd ?? store.dir }, true);
    const consoleSha = storeConsoleLog(store, orphan.id, orphan.consolePath);
    store.finishRun(orphan.id, 'CRASHED', { endTime: run.updatedAt, consoleSha });
    rmSync(store.runDir(orphan.id), { recursive: true, force: true });
    recovered.push(orphan.id);
  }
  return recovered;
}
