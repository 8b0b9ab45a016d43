// The sync ledger: per remote (by URL) and per local run, what the remote acknowledged. One small JSON file per run
// under .labbook/sync/<remote hash>/, replaced atomically (written beside, fsynced, renamed), so a kill at any
// moment leaves either the old or the new ledger, never half of one; a run's ledger is written after each
// acknowledged batch, so the work lost to a kill is at most the batch in flight, which `inflight` names.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunLedger } from './plan';

/** The ledgers of one remote in one store. */
export class Ledger {
  private readonly dir: string;

  constructor(
    storeDir: string,
    readonly url: string,
  ) {
    this.dir = join(storeDir, 'sync', createHash('sha256').update(url).digest('hex').slice(0, 16));
  }

  /** What the remote holds of a local run, or undefined when it was never pushed there. */
  get(localRunId: string): RunLedger | undefined {
    try {
      const ledger = JSON.parse(readFileSync(this.fileOf(localRunId), 'utf8')) as RunLedger;
      return ledger.url === this.url ? ledger : undefined;
    } catch {
      return undefined;
    }
  }

  /** Replaces a run's ledger atomically. */
  put(ledger: RunLedger): void {
    this.writeAtomically(this.fileOf(ledger.localRunId), JSON.stringify(ledger));
  }

  private writeAtomically(file: string, text: string): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }

  /** What the remote holds of the registered model versions pushed there, by `<name>/<version>` (local numbers). */
  models(): Record<string, ModelLedger> {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'models.json'), 'utf8')) as Record<string, ModelLedger>;
    } catch {
      return {};
    }
  }

  /** Replaces the model versions' ledger atomically. */
  putModels(models: Record<string, ModelLedger>): void {
    this.writeAtomically(join(this.dir, 'models.json'), JSON.stringify(models));
  }

  /** Local run ids with a ledger here (pushed or pulled). */
  runIds(): string[] {
    try {
      return readdirSync(this.dir)
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length));
    } catch {
      return [];
    }
  }

  private fileOf(localRunId: string): string {
    if (!/^[0-9a-f]{32}$/.test(localRunId)) throw new Error(`Not a run id: ${localRunId}`);
    return join(this.dir, `${localRunId}.json`);
  }
}

/** A registered model version on the remote: its number there, and the stage and aliases last sent. */
export interface ModelLedger {
  /** Empty while a create is unanswered: the next push looks for the version by its `labbook.source_version` tag. */
  remoteVersion: string;
  stage?: string;
  aliases: string[];
}

/** A fresh ledger for a run about to be created on the remote. */
export function newLedger(url: string, localRunId: string, remoteExperimentId: string): RunLedger {
  return { url, localRunId, remoteRunId: '', remoteExperimentId, params: {}, tags: {}, metrics: {}, artifacts: {} };
}
