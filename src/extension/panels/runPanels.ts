// The open Run panels: one per run (opening it again reveals it), all refreshed on store changes, and brought
// back for their runs when VS Code restores them after a window reload.

import * as vscode from 'vscode';
import { runIdOfPanelState } from './panelState';
import { RUN_PANEL_VIEW_TYPE, RunPanel } from './runPanel';
import type { RunPanelDeps } from './runPanel';

/** How a panel opens: `preview` (a single click) keeps focus where it was and is replaced by the next preview, as the Explorer's italic tab is; `pinned` stays and takes focus. */
export type OpenMode = 'preview' | 'pinned';

/** Opens and keeps Run panels, one per run, and tells them when the store changed. */
export class RunPanels {
  private readonly panels = new Map<string, RunPanel>();
  /** The run whose panel is the preview, if one is open. */
  private preview: string | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly deps: RunPanelDeps & {
      onDidChangeStore: vscode.Event<unknown>;
      /** Hears the run a panel opens on (a pulled run's large histories are fetched then). */
      onOpen?: (runIds: readonly string[]) => void;
    },
  ) {
    this.subscriptions = [
      deps.onDidChangeStore(() => {
        for (const panel of this.panels.values()) panel.refresh();
      }),
      vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => this.restore(panel, state),
      }),
    ];
  }

  /** Shows the run's panel, creating it if needed; pinning the preview panel keeps it. */
  open(runId: string, mode: OpenMode = 'pinned'): void {
    const preserveFocus = mode === 'preview';
    this.deps.onOpen?.([runId]);
    const existing = this.panels.get(runId);
    if (existing) {
      if (!preserveFocus && this.preview === runId) this.preview = undefined;
      existing.reveal(preserveFocus);
      return;
    }
    const problem = this.missing(runId);
    if (problem) {
      void vscode.window.showErrorMessage(`Labbook: ${problem}`);
      return;
    }
    // Webview tabs cannot be italic, so the preview is emulated: the next preview takes the place of this one.
    if (preserveFocus && this.preview) this.panels.get(this.preview)?.dispose();
    this.panels.set(
      runId,
      RunPanel.create(runId, this.title(runId), this.panelDeps(), () => this.forget(runId), preserveFocus),
    );
    if (preserveFocus) this.preview = runId;
  }

  /** The run of the preview panel, if one is open. */
  get previewRunId(): string | undefined {
    return this.preview;
  }

  private forget(runId: string): void {
    this.panels.delete(runId);
    if (this.preview === runId) this.preview = undefined;
  }

  /** Takes back a panel VS Code restored after a reload (a pulled run's large histories are fetched as on open); one whose state names no known run is closed. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const runId = runIdOfPanelState(state);
    if (!runId || this.panels.has(runId) || this.missing(runId)) {
      panel.dispose();
      return;
    }
    this.deps.onOpen?.([runId]);
    this.panels.set(runId, new RunPanel(runId, panel, this.panelDeps(), () => this.forget(runId)));
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
