// The store as the language server sees it: opened read-only once it exists, polled for commits made by other
// connections (PRAGMA data_version, one cheap call), reopened when the database file is replaced.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../store/store';
import { RunIndex } from './runIndex';

/** An open store with its run index. */
export interface OpenStore {
  store: Store;
  index: RunIndex;
}

/** Called after a change: the ids of runs added or updated, or null when everything may have changed. */
export type StoreChangeListener = (changed: Set<string> | null) => void;

/** Identity of the database file, so a deleted and recreated store is noticed. */
function fileIdentity(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}:${stat.birthtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Keeps a read-only connection to the store in `dir` (a `.labbook` folder) current; never writes. */
export class StoreWatcher {
  private open: (OpenStore & { fileId: string; dataVersion: number }) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastProblem = '';

  constructor(
    readonly dir: string,
    private readonly onChange: StoreChangeListener,
    private readonly log: (message: string) => void,
  ) {}

  /** The store and index, or undefined while there is no readable store. */
  get current(): OpenStore | undefined {
    return this.open;
  }

  /** Polls now and then every `intervalMs`. */
  start(intervalMs: number): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  /** Looks for a new store, a replaced file or new commits, and tells the listener. */
  poll(): void {
    let changed: Set<string> | null | undefined;
    try {
      changed = this.check();
    } catch (error) {
      // A store being created has no tables yet and a damaged one fails queries: drop it and retry next poll.
      this.report(error);
      this.close();
    }
    if (changed !== undefined) this.onChange(changed);
  }

  /** What changed since the last poll; undefined when nothing did. */
  private check(): Set<string> | null | undefined {
    const fileId = fileIdentity(join(this.dir, 'labbook.db'));
    if (this.open && this.open.fileId !== fileId) {
      this.close();
      if (fileId) this.connect(fileId);
      return null;
    }
    if (!this.open) return fileId && this.connect(fileId) ? null : undefined;
    const dataVersion = this.open.store.dataVersion();
    if (dataVersion === this.open.dataVersion) return undefined;
    this.open.dataVersion = dataVersion;
    return this.open.index.refresh();
  }

  private connect(fileId: string): boolean {
    let store: Store | undefined;
    try {
      store = Store.open(this.dir, { readonly: true });
      const dataVersion = store.dataVersion();
      this.open = { store, index: new RunIndex(store), fileId, dataVersion };
      this.lastProblem = '';
      this.log(`Reading runs from ${this.dir}`);
      return true;
    } catch (error) {
      store?.close();
      this.report(error);
      return false;
    }
  }

  private report(error: unknown): void {
    const message = `Cannot read the Labbook store ${this.dir} yet: ${(error as Error).message}`;
    if (message !== this.lastProblem) this.log(message);
    this.lastProblem = message;
  }

  private close(): void {
    this.open?.store.close();
    this.open = undefined;
  }

  /** Stops polling and closes the connection. */
  dispose(): void {
    clearInterval(this.timer);
    this.close();
  }
}
