// Says when a run this window launched ends: a failure as a notification with the way to its output, a finished
// run briefly in the status bar (one message at a time, so a sweep does not pile them up).

import * as vscode from 'vscode';
import { launchOf, type PendingLaunch } from '../core/launches';
import { runEndText } from '../core/runPresentation';
import { isLiveStatus, type RunListing } from '../core/types';
import type { StoreHost } from './storeHost';

/** A launch not matched with a run by then is forgotten (its runner never started, say). */
const PENDING_MS = 10 * 60_000;
/** How long "train-3 finished" stays in the status bar. */
const STATUS_MS = 15_000;
/** Newest runs looked at for the runs of pending launches; a quick run may have ended before it is seen live. */
const RECENT = 20;

/** Watches the runs launched from this window and says how each ended. */
export class RunEndNotifier implements vscode.Disposable {
  private pending: PendingLaunch[] = [];
  private readonly watched = new Set<string>();
  private readonly subscription: vscode.Disposable;
  private statusMessage: vscode.Disposable | undefined;
  private readonly ended = new vscode.EventEmitter<RunListing>();

  /** Fires when a run launched from this window ended (after it is said), e.g. to push it. */
  readonly onDidEnd = this.ended.event;

  constructor(
    private readonly host: StoreHost,
    private readonly primaryMetricOf: (experiment: string) => string | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = host.onDidChange(() => this.check());
  }

  /** A command was launched from this window; its run is watched once the runner records it. */
  launched(argv: readonly string[], cwd: string): void {
    this.pending.push({ argv: [...argv], cwd, at: Date.now() });
  }

  private check(): void {
    const store = this.host.store;
    if (!store || (this.pending.length === 0 && this.watched.size === 0)) return;
    try {
      this.claim(store.listRuns({ limit: RECENT }));
      if (this.watched.size === 0) return;
      // Run ids are hex, so they go into the filter as they are.
      const ids = [...this.watched].map((id) => `'${id}'`).join(', ');
      const runs = store.listRuns({ filter: `attributes.run_id IN (${ids})` });
      for (const runId of this.watched) {
        const run = runs.find((candidate) => candidate.id === runId);
        if (run && isLiveStatus(run.status)) continue;
        this.watched.delete(runId);
        if (!run) continue;
        this.notify(run);
        this.ended.fire(run);
      }
    } catch (error) {
      this.log.warn(`Checking launched runs failed: ${(error as Error).message}`);
    }
  }

  private claim(recent: readonly RunListing[]): void {
    const now = Date.now();
    this.pending = this.pending.filter((launch) => now - launch.at < PENDING_MS);
    for (const run of recent) {
      const index = this.watched.has(run.id) ? -1 : launchOf(this.pending, run);
      if (index === -1) continue;
      this.pending.splice(index, 1);
      this.watched.add(run.id);
    }
  }

  private notify(run: RunListing): void {
    const text = runEndText(run, this.primaryMetricOf(run.experimentName));
    if (run.status === 'FINISHED' || run.status === 'KILLED') {
      // Replaced rather than stacked: only the latest run's end is worth the space.
      this.statusMessage?.dispose();
      this.statusMessage = vscode.window.setStatusBarMessage(
        `$(${run.status === 'FINISHED' ? 'pass' : 'circle-slash'}) ${text.replace(/\$\(/g, '\\$(')}`,
        STATUS_MS,
      );
      return;
    }
    void vscode.window.showErrorMessage(text, 'Show Console Output', 'Open Run').then((choice) => {
      if (choice === 'Show Console Output') void vscode.commands.executeCommand('labbook.showConsole', run.id);
      if (choice === 'Open Run') void vscode.commands.executeCommand('labbook.openRun', run.id);
    });
  }

  dispose(): void {
    this.statusMessage?.dispose();
    this.ended.dispose();
    this.subscription.dispose();
  }
}
