// The open Run panels: one per run (opening it again reveals it), all refreshed on store changes, and brought
// back for their runs when VS Code restores them after a window reload.

import * as vscode from 'vscode';
import { runIdOfPanelState } from './panelState';
import { RUN_PANEL_VIEW_TYPE, RunPanel } from './runPanel';
import type { RunPanelDeps } from './runPanel';

/** Opens and keeps Run panels, one per run, and tells them when the store changed. */
export class RunPanels {
  private readonly panels = new Map<string, RunPanel>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly deps: RunPanelDeps & { onDidChangeStore: vscode.Event<void> }) {
    this.subscriptions = [
      deps.onDidChangeStore(() => {
        for (const panel of this.panels.values()) panel.refresh();
      }),
      vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => this.restore(panel, state),
      }),
    ];
  }

  /** Shows the run's panel, creating it if needed. */
  open(runId: string): void {
    const existing = this.panels.get(runId);
    if (existing) {
      existing.reveal();
      return;
    }
    const problem = this.missing(runId);
    if (problem) {
      void vscode.window.showErrorMessage(`Labbook: ${problem}`);
      return;
    }
    this.panels.set(runId, RunPanel.create(runId, this.title(runId), this.panelDeps(), () => this.panels.delete(runId)));
  }

  /** Takes back a panel VS Code restored after a reload; one whose state names no known run is closed. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const runId = runIdOfPanelState(state);
    if (!runId || this.panels.has(runId) || this.missing(runId)) {
      panel.dispose();
      return;
    }
    this.panels.set(runId, new RunPanel(runId, panel, this.panelDeps(), () => this.panels.delete(runId)));
  }

  /** Closes every panel and stops listening. */
  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }

  private panelDeps(): RunPanelDeps {
    return { extensionUri: this.deps.extensionUri, store: this.deps.store, log: this.deps.log };
  }

  // Why the run cannot be shown, or undefined when it can.
  private missing(runId: string): string | undefined {
    const store = this.deps.store();
    if (!store) return 'no run store is open in this workspace.';
    return store.findRun(runId) ? undefined : `there is no run with id ${JSON.stringify(runId)}.`;
  }

  private title(runId: string): string {
    return this.deps.store()?.findRun(runId)?.name ?? 'Labbook run';
  }
}
