// Compare panels: one webview per set of runs (comparing the same runs again reveals it), fed by a CompareFeed.
// Like the Run panel, the page is discarded while hidden and says 'ready' again when shown.

import * as vscode from 'vscode';
import { parseCompareMessage } from '../../protocol/comparePanel';
import type { CompareFromWebview, CompareRequestRangeMessage, CompareToWebview, CompareView } from '../../protocol/comparePanel';
import type { Store } from '../../store/store';
import { CompareFeed } from './compareFeed';
import type { SeriesReader } from './compareFeed';
import { WebviewHost } from './webviewHost';
import type { HostLog, WebviewProtocol } from './webviewHost';
import { panelSurface, webviewRoots } from './webviewPage';

/** The webview panel type of Compare panels. */
export const COMPARE_PANEL_VIEW_TYPE = 'labbook.comparePanel';

/** What Compare panels need from the extension. */
export interface ComparePanelDeps {
  extensionUri: vscode.Uri;
  store: () => Store | undefined;
  onDidChangeStore: vscode.Event<unknown>;
  /** Opens a run's own panel. */
  openRun: (runId: string) => void;
  /** Reads the compared series (the extension's worker pool; the host thread when absent). */
  seriesReader?: SeriesReader;
  log: HostLog;
  /** Hears the runs a panel opens on (pulled runs' large histories are fetched then). */
  onOpen?: (runIds: readonly string[]) => void;
}

const PROTOCOL: WebviewProtocol<CompareToWebview, CompareFromWebview> = {
  parse: parseCompareMessage,
  readyType: 'comparePanel/ready',
  error: (message) => ({ type: 'comparePanel/error', message }),
};

/** One open Compare panel. */
class ComparePanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly feed: CompareFeed;
  private readonly host: WebviewHost<CompareToWebview, CompareFromWebview>;
  private view: CompareView = { axis: 'step', smoothing: 0 };
  /** Bumped by every snapshot or series request, so an answer overtaken by a newer request is dropped. */
  private generation = 0;
  /** Bumped by every zoom request. */
  private rangeGeneration = 0;
  /** Requests being built; store changes meanwhile are folded into one refresh after them. */
  private building = 0;
  private stale = false;

  constructor(
    runIds: readonly string[],
    private readonly deps: ComparePanelDeps,
    onDisposed: () => void,
  ) {
    this.panel = vscode.window.createWebviewPanel(COMPARE_PANEL_VIEW_TYPE, `Compare ${runIds.length} runs`, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: webviewRoots(deps.extensionUri),
    });
    this.feed = new CompareFeed(runIds, { reader: deps.seriesReader });
    this.host = new WebviewHost(
      panelSurface(this.panel, { extensionUri: deps.extensionUri, name: 'comparePanel', title: 'Labbook compare runs' }),
      PROTOCOL,
      { receive: (message) => this.handle(this.requireStore(), message), disposed: onDisposed },
      deps.log,
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Sends a new snapshot when a compared run changed and the page is showing. */
  refresh(): void {
    if (!this.host.showing) return;
    // A live run commits every few hundred ms; rebuilding long series for each commit would never catch up.
    if (this.building > 0) {
      this.stale = true;
      return;
    }
    this.host.guard(() => {
      const store = this.requireStore();
      if (this.feed.changed(store)) this.postLatest((feed) => feed.snapshot(store, this.view));
    });
  }

  dispose(): void {
    this.panel.dispose();
  }

  private handle(store: Store, message: CompareFromWebview): void {
    switch (message.type) {
      case 'comparePanel/ready':
        this.view = { axis: message.axis, smoothing: message.smoothing };
        this.postLatest((feed) => feed.snapshot(store, this.view));
        return;
      case 'comparePanel/setView':
        this.view = { axis: message.axis, smoothing: message.smoothing };
        this.postLatest((feed) => feed.series(store, this.view));
        return;
      case 'comparePanel/requestRange':
        if (message.axis === this.view.axis) this.postRange(store, message);
        return;
      case 'comparePanel/valuesAtStep':
        this.host.post(this.feed.stepValues(store, message.step));
        return;
      case 'comparePanel/openRun':
        if (this.feed.runIds.includes(message.runId)) this.deps.openRun(message.runId);
        return;
    }
  }

  // Long comparisons are built over many event-loop turns; only the answer to the latest request is posted.
  private postLatest(build: (feed: CompareFeed) => Promise<CompareToWebview>): void {
    const generation = ++this.generation;
    this.building++;
    build(this.feed)
      .then(
        (message) => {
          if (generation === this.generation) this.host.post(message);
        },
        (error: unknown) => this.host.showError(error),
      )
      .finally(() => {
        this.building--;
        if (this.building > 0 || !this.stale) return;
        this.stale = false;
        this.refresh();
      });
  }

  // Zooms have their own generation: a newer zoom drops an older answer, but never a pending snapshot.
  private postRange(store: Store, request: CompareRequestRangeMessage): void {
    const generation = ++this.rangeGeneration;
    this.host.guard(async () => {
      const detail = await this.feed.rangeDetail(store, request.key, this.view, request.xMin, request.xMax);
      if (generation === this.rangeGeneration) this.host.post(detail);
    });
  }

  // A busy or closed store shows in the panel (WebviewHost.guard) instead of vanishing into the host log.
  private requireStore(): Store {
    const store = this.deps.store();
    if (!store) throw new Error('The Labbook store is closed.');
    return store;
  }
}

/** Opens and keeps Compare panels, one per set of runs, and tells them when the store changed. */
export class ComparePanels implements vscode.Disposable {
  private readonly panels = new Map<string, ComparePanel>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly deps: ComparePanelDeps) {
    this.subscription = deps.onDidChangeStore(() => {
      for (const panel of this.panels.values()) panel.refresh();
    });
  }

  /** Shows the comparison of these runs (in this order), creating it if needed. */
  open(runIds: readonly string[]): void {
    const ids = [...new Set(runIds)];
    if (ids.length < 2) throw new Error('Select at least two runs to compare.');
    const key = [...ids].sort().join(',');
    this.deps.onOpen?.(ids);
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return;
    }
    this.panels.set(key, new ComparePanel(ids, this.deps, () => this.panels.delete(key)));
  }

  dispose(): void {
    this.subscription.dispose();
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}
