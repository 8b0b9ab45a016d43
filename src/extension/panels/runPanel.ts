// One Run panel: a webview showing one run, fed by a RunPanelFeed.
// The webview is not kept alive while hidden (retainContextWhenHidden is off): hiding it throws its page
// away, so the panel stops posting, and the new page says 'ready' when shown again and gets a snapshot.

import * as vscode from 'vscode';
import { parseRunPanelMessage } from '../../protocol/runPanel';
import type { RunPanelFromWebview, RunPanelOpenArtifactMessage, RunPanelRevealArtifactMessage, RunPanelToWebview } from '../../protocol/runPanel';
import type { Store } from '../../store/store';
import type { ArtifactRef } from '../runActions';
import { RunPanelFeed } from './runPanelFeed';
import { WebviewHost } from './webviewHost';
import type { HostLog, WebviewProtocol } from './webviewHost';
import { panelSurface, webviewRoots } from './webviewPage';

/** What a Run panel needs from the extension. */
export interface RunPanelDeps {
  extensionUri: vscode.Uri;
  store: () => Store | undefined;
  log: HostLog;
}

const PROTOCOL: WebviewProtocol<RunPanelToWebview, RunPanelFromWebview> = {
  parse: parseRunPanelMessage,
  readyType: 'runPanel/ready',
  error: (message) => ({ type: 'runPanel/error', message }),
};

/** The webview panel type (also the key its serializer is registered under, to restore panels after a reload). */
export const RUN_PANEL_VIEW_TYPE = 'labbook.runPanel';

// Console output is not a store commit, so a live run's visible panel also looks every second.
const LIVE_POLL_MS = 1000;

/** One open Run panel. */
export class RunPanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly feed: RunPanelFeed;
  private readonly host: WebviewHost<RunPanelToWebview, RunPanelFromWebview>;
  /** The smoothing weight the page shows; sampled series are smoothed here with it. */
  private smoothing = 0;
  private feedStore: Store | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** Opens a new panel for the run in the active editor column; with `preserveFocus` focus stays where it is (a preview). */
  static create(runId: string, title: string, deps: RunPanelDeps, onDisposed: () => void, preserveFocus = false): RunPanel {
    const panel = vscode.window.createWebviewPanel(
      RUN_PANEL_VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus },
      {
        enableScripts: true,
        enableFindWidget: true,
      },
    );
    return new RunPanel(runId, panel, deps, onDisposed);
  }

  /** Takes over `panel` (new, or one VS Code restored after a reload) and loads the run page into it. */
  constructor(
    readonly runId: string,
    panel: vscode.WebviewPanel,
    private readonly deps: RunPanelDeps,
    onDisposed: () => void,
  ) {
    this.panel = panel;
    // Set here rather than at creation: a restored panel comes back with whatever options it was saved with.
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(deps.extensionUri) };
    this.feed = new RunPanelFeed(runId);
    this.host = new WebviewHost(
      panelSurface(panel, { extensionUri: deps.extensionUri, name: 'runPanel', title: 'Labbook run' }),
      PROTOCOL,
      {
        receive: (message) => this.handle(message),
        // The page was discarded; the next one announces itself with 'ready'.
        hidden: () => this.stopTimer(),
        shown: () => this.host.guard(() => this.shown()),
        disposed: () => {
          this.stopTimer();
          onDisposed();
        },
      },
      deps.log,
    );
  }

  /** Brings the panel to the front, focusing it unless `preserveFocus`. */
  reveal(preserveFocus = false): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  /** Posts what changed in the store, if the panel is showing. */
  refresh(): void {
    this.host.guard(() => {
      if (!this.host.showing) return;
      const store = this.deps.store();
      if (!store) {
        this.post({ type: 'runPanel/error', message: 'The Labbook store is closed.' });
        return;
      }
      if (store !== this.feedStore) this.sendSnapshot(store);
      else this.post(...this.feed.poll(store));
      this.updateTimer();
    });
  }

  dispose(): void {
    this.panel.dispose();
  }

  private handle(message: RunPanelFromWebview): void {
    // Ready even without a store (WebviewHost marks it): the snapshot then follows when the store opens (refresh).
    if (message.type === 'runPanel/ready' || message.type === 'runPanel/setSmoothing') this.smoothing = message.smoothing;
    const store = this.deps.store();
    if (!store) {
      this.post({ type: 'runPanel/error', message: 'The Labbook store is closed.' });
      return;
    }
    switch (message.type) {
      case 'runPanel/ready':
        this.sendSnapshot(store);
        return;
      case 'runPanel/setSmoothing':
        this.post(...this.feed.setSmoothing(store, message.smoothing));
        return;
      case 'runPanel/requestRange':
        this.post(this.feed.rangeDetail(store, message.key, message.axis, message.xMin, message.xMax));
        return;
      case 'runPanel/openArtifact':
        this.artifactCommand('labbook.openArtifact', message);
        return;
      case 'runPanel/revealArtifact':
        this.artifactCommand('labbook.revealArtifact', message);
        return;
      case 'runPanel/runCommand':
        // The tree's commands ask and write; the panel shows the result when the store changes.
        void vscode.commands.executeCommand(`labbook.${message.command}`, this.runId);
        return;
    }
  }

  private shown(): void {
    const store = this.deps.store();
    if (this.host.ready && store) this.sendSnapshot(store);
  }

  private sendSnapshot(store: Store): void {
    this.feedStore = store;
    const snapshot = this.feed.snapshot(store, this.smoothing);
    if (snapshot.type === 'runPanel/snapshot') this.panel.title = snapshot.run.name;
    this.post(snapshot);
    this.updateTimer();
  }

  private post(...messages: RunPanelToWebview[]): void {
    for (const message of messages) {
      if (message.type === 'runPanel/runChanged') this.panel.title = message.run.name;
      this.host.post(message);
    }
  }

  private updateTimer(): void {
    if (this.feed.isLive && this.host.showing) {
      this.timer ??= setInterval(() => this.refresh(), LIVE_POLL_MS);
    } else {
      this.stopTimer();
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // The artifact commands of the Runs view do the work (and report failures); the reference names this panel's run,
  // and the command looks it up in the store rather than trusting the webview's path.
  private artifactCommand(command: string, message: RunPanelOpenArtifactMessage | RunPanelRevealArtifactMessage): void {
    const ref: ArtifactRef = { runId: this.runId, sha256: message.sha256, path: message.path, direction: message.direction };
    void vscode.commands.executeCommand(command, ref);
  }
}
