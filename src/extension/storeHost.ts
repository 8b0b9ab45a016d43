import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_CONFIG, loadConfig } from '../capture/config';
import { recoverOrphanedRuns } from '../capture/recovery';
import { readMarker } from '../capture/reproduce';
import { runtimeSummary } from '../capture/doctor';
import { LARGE_MIGRATION_POINTS } from '../store/schema';
import { sqliteDriver } from '../store/sqlite';
import { Store, storeDirFor } from '../store/store';
import type { Reporter } from './errors';

/** How often the store is asked whether another process wrote to it (PRAGMA data_version: no I/O beyond a page read). */
const POLL_MS = 300;

/** How often live runs are checked for a vanished runner (a killed runner writes nothing that polling would see). */
const ORPHAN_CHECK_MS = 15_000;

/** What moved the store: an edit made in this window (the user waits to see it) or anything else. */
export type StoreChange = 'wroteHere' | 'elsewhere';

/**
 * Owns this window's connection to the workspace store. Opens it only once it exists (or when a run is
 * launched), notices writes by any process by polling data_version, and tells listeners.
 */
export class StoreHost implements vscode.Disposable {
  private current: Store | undefined;
  private version = -1;
  private failure: Error | undefined;
  private upgrading = false;
  private readonly changed = new vscode.EventEmitter<StoreChange>();
  private readonly timers: NodeJS.Timeout[];
  private readonly subscriptions: vscode.Disposable[];

  /** Fires when the store appeared, went away, or any process committed to it; says whether this window wrote. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly reporter: Reporter) {
    this.subscriptions = [
      this.changed,
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reset()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('labbook.storePath')) this.reset();
      }),
    ];
    this.checkDriver();
    this.poll();
    this.timers = [setInterval(() => this.poll(), POLL_MS), setInterval(() => void this.recoverOrphans(), ORPHAN_CHECK_MS)];
  }

  // Without a driver nothing can open a store: say so once, in the views too, instead of failing on every poll.
  private checkDriver(): void {
    try {
      sqliteDriver();
      this.reporter.log.info(`Labbook on ${runtimeSummary()}`);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.reporter.report(error, 'Loading SQLite');
    }
  }

  /** Marks runs whose runner vanished CRASHED, after keeping what their journal held (as every Labbook process does). */
  private async recoverOrphans(): Promise<void> {
    if (!this.current) return;
    try {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const { artifacts, metrics } = folder ? loadConfig(folder).config : DEFAULT_CONFIG;
      const recovered = await recoverOrphanedRuns(this.current, {
        modelExtensions: artifacts.modelExtensions,
        maxFileBytes: artifacts.maxFileBytes,
        metrics,
      });
      if (recovered.length > 0) this.changed.fire('elsewhere');
    } catch (error) {
      this.reporter.report(error, 'Recovering crashed runs');
    }
  }

  /** The open store, if the workspace has one. */
  get store(): Store | undefined {
    return this.current;
  }

  /** Why the store could not be opened, if it could not. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * The store folder of this window: `labbook.storePath`, else $LABBOOK_DIR, else the original's store when the
   * folder is a `labbook checkout` (its marker names it), else `<first folder>/.labbook`.
   */
  dir(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') return undefined;
    const root = folder.uri.fsPath;
    const setting = vscode.workspace.getConfiguration('labbook', folder.uri).get<string>('storePath')?.trim();
    const checkout = setting || process.env.LABBOOK_DIR ? undefined : readMarker(root);
    if (checkout) return checkout.store;
    const env = setting ? { ...process.env, LABBOOK_DIR: isAbsolute(setting) ? setting : join(root, setting) } : process.env;
    return storeDirFor(root, env);
  }

  /** The store, opened now if it exists on disk, or created when `create` (a run is about to be launched). */
  open(create: boolean): Store | undefined {
    if (this.current) return this.current;
    const dir = this.dir();
    if (!dir || (!create && !existsSync(join(dir, 'labbook.db'))) || this.upgrading) return undefined;
    const moving = Store.pendingChunkMigration(dir);
    if (moving >= LARGE_MIGRATION_POINTS) {
      this.upgrade(dir, moving);
      return undefined;
    }
    return this.opened(dir);
  }

  // The upgrade blocks this thread while it runs, so the notification is put up first and the store opened a
  // moment later; the views stay empty until then.
  private upgrade(dir: string, points: number): void {
    const title = `Labbook: upgrading the run store (${points.toLocaleString('en-US')} metric points)…`;
    this.upgrading = true;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      try {
        this.opened(dir);
      } catch (error) {
        this.fail(error);
      } finally {
        this.upgrading = false;
      }
    });
  }

  private opened(dir: string): Store {
    this.current = Store.open(dir);
    this.failure = undefined;
    this.version = this.current.dataVersion();
    this.changed.fire('elsewhere');
    void this.recoverOrphans();
    return this.current;
  }

  /** Call after this window wrote to the store: data_version only moves for other connections' commits. */
  wroteHere(): void {
    this.changed.fire('wroteHere');
  }

  /** Closes and forgets the store (and any earlier failure), then looks again. */
  reset(): void {
    this.current?.close();
    this.current = undefined;
    this.failure = undefined;
    this.version = -1;
    this.changed.fire('elsewhere');
    this.poll();
  }

  private poll(): void {
    try {
      if (!this.current) {
        if (!this.failure) this.open(false);
        return;
      }
      if (!existsSync(join(this.current.dir, 'labbook.db'))) {
        // Someone deleted the store folder: drop the stale connection and wait for a new store.
        this.reset();
        return;
      }
      const version = this.current.dataVersion();
      if (version === this.version) return;
      this.version = version;
      this.changed.fire('elsewhere');
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.reporter.report(error, 'Opening the Labbook store');
    this.current?.close();
    this.current = undefined;
    this.changed.fire('elsewhere');
  }

  dispose(): void {
    this.timers.forEach(clearInterval);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.current?.close();
    this.current = undefined;
  }
}
