// The open Run panels: one per run (opening it again reveals it), all refreshed on store changes.

import * as vscode from 'vscode';
import type { Store } from '../../store/store';
import { RunPanel } from './runPanel';

/** Opens and keeps Run panels, one per run, and tells them when the store changed. */
export class RunPanels {
  private readonly panels = new Map<string, RunPanel>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly deps: { extensionUri: vscode.Uri; store: () => Store | undefined; onDidChangeStore: vscode.Event<void> }) {
    this.subscription = deps.onDidChangeStore(() => {
      for (const panel of this.panels.values()) panel.refresh();
    });
  }

  /** Shows the run's panel, creating it if needed. */
  open(runId: string): void {
    const existing = this.panels.get(runId);
    if (existing) {
      existing.reveal();
      return;
    }
    const store = this.deps.store();
    if (!store) {
      void vscode.window.showErrorMessage('Labbook: no run store is open in this workspace.');
      return;
    }
    const run = store.findRun(runId);
    if (!run) {
      void vscode.window.showErrorMessage(`Labbook: there is no run with id ${JSON.stringify(runId)}.`);
      return;
    }
    const panel = new RunPanel(runId, run.name, { extensionUri: this.deps.extensionUri, store: this.deps.store }, () => this.panels.delete(runId));
    this.panels.set(runId, panel);
  }

  /** Closes every panel and stops listening. */
  dispose(): void {
    this.subscription.dispose();
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}
