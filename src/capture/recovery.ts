import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { OrphanedRun, ProcessRef, Store } from '../store/store';
import { DEFAULT_CONFIG, type LabbookConfig } from './config';
import { ingestConsoleTail } from './consoleTail';
import { ingestJournal, type IngestContext } from './ingest';
import { scalarParserFor } from './outputCapture';
import { procStatFields } from './systemSampler';

/** True when a process with that pid exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Start time of a process (Linux /proc/<pid>/stat field 22, clock ticks since boot): null when there is no
 * such process or it has exited (a zombie), undefined where /proc cannot tell.
 */
export function processStartTime(pid: number): number | null | undefined {
  if (process.platform !== 'linux') return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const fields = procStatFields(text);
  if (!fields || fields[0] === 'Z' || fields[0] === 'X') return null;
  const start = Number(fields[19]); // fields[0] is field 3 (state), so field 22 is fields[19]
  return Number.isFinite(start) ? start : null;
}

/** The process that pid and start time name; pids are reused, so the pid alone is trusted only where no start time is known. */
export function processRef(pid: number): ProcessRef {
  return { pid, startTime: processStartTime(pid) ?? null };
}

/** True while the process `ref` names still runs (a zombie or a reused pid does not count). */
export function isSameProcess(ref: ProcessRef): boolean {
  const started = processStartTime(ref.pid);
  if (started === undefined) return isProcessAlive(ref.pid);
  return started !== null && (ref.startTime === null || started === ref.startTime);
}

/** Stores a run's console log as a blob and returns its sha256, or null when there is none. */
export function storeConsoleLog(store: Store, runId: string, consolePath: string | null): string | null {
  if (!consolePath || !existsSync(consolePath)) return null;
  const { sha256, size } = store.objects.putFileSync(consolePath);
  store.addArtifact({ runId, path: 'console.log', sha256, size, role: 'log', direction: 'output' });
  return sha256;
}

/** What recovery needs besides the store: how artifacts are classified and how printed metrics are parsed. */
export type RecoveryContext = Omit<IngestContext, 'cwd'> & { metrics?: LabbookConfig['metrics'] };

/**
 * Takes care of runs whose runner vanished (SIGKILL, power loss) or went silent (suspend, SIGSTOP). While the
 * tracked script still runs (it has its own process group, so it outlives its runner), its journal and console
 * tail are ingested and the run stays RUNNING; once the script is gone the rest is ingested and the run is marked
 * CRASHED, so nothing the script logged is lost. Returns the ids it marked CRASHED.
 */
export async function recoverOrphanedRuns(store: Store, context: RecoveryContext): Promise<string[]> {
  const recovered: string[] = [];
  for (const orphan of store.orphanedRuns(isSameProcess)) {
    try {
      if (await recoverRun(store, orphan, context)) recovered.push(orphan.id);
    } catch (error) {
      // A runner stopped (SIGSTOP) inside a write holds the lock until it resumes: recovery waits its turn (a
      // later pass), and the command that opened the store goes on.
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    }
  }
  return recovered;
}

async function recoverRun(store: Store, orphan: OrphanedRun, context: RecoveryContext): Promise<boolean> {
  const run = store.findRun(orphan.id);
  if (!run) return false;
  const scriptAlive = orphan.child !== null && isSameProcess(orphan.child);
  await ingestJournal(store, orphan.id, { ...context, cwd: run.cwd ?? store.dir }, !scriptAlive);
  // A paused runner may still append the rest of a half-written line: only a dead runner's last line is whole.
  const consoleFinal = !scriptAlive && !orphan.runnerAlive;
  ingestConsoleTail(store, orphan.id, orphan.consolePath, scalarParserFor(context.metrics ?? DEFAULT_CONFIG.metrics), consoleFinal);
  if (scriptAlive) return false;
  const consoleSha = storeConsoleLog(store, orphan.id, orphan.consolePath);
  if (!store.finishRun(orphan.id, 'CRASHED', { endTime: run.updatedAt, consoleSha })) return false;
  // A paused runner resumes, stores the rest and ends the run itself, so it keeps its files.
  if (!orphan.runnerAlive) rmSync(store.runDir(orphan.id), { recursive: true, force: true });
  return true;
}
