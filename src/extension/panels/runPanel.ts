// One Run panel: a webview showing one run, fed by a RunPanelFeed.
// The webview is not kept alive while hidden (retainContextWhenHidden is off): hiding it throws its page
// away, so the panel stops posting, and the new page says 'ready' when shown again and gets a snapshot.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { parseRunPanelMessage } from '../../protocol/runPanel';
import type { RunPanelFromWebview, RunPanelOpenArtifactMessage, RunPanelRevealArtifactMessage, RunPanelToWebview } from '../../protocol/runPanel';
import type { Artifact } from '../../core/types';
import type { Store } from '../../store/store';
import { blobUri } from '../documents';
import { RunPanelFeed } from './runPanelFeed';
import { newNonce, webviewHtml } from './webviewHtml';

/** What a Run panel needs from the extension. */
export interface RunPanelDeps {
  extensionUri: vscode.Uri;
  store: () => Store | undefined;
}

/** The webview panel type (also the key a panel serializer would register under). */
export const RUN_PANEL_VIEW_TYPE = 'labbook.runPanel';

// Console output is not a store commit, so a live run's visible panel also looks every second.
const LIVE_POLL_MS = 1000;

type ArtifactRef = RunPanelOpenArtifactMessage | RunPanelRevealArtifactMessage;

/** One open Run panel. */
export class RunPanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly feed: RunPanelFeed;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  /** The smoothing weight the page shows; sampled series are smoothed here with it. */
  private smoothing = 0;
  private feedStore: Store | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly runId: string,
    title: string,
    private readonly deps: RunPanelDeps,
    onDisposed: () => void,
  ) {
    const webviewRoot = vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview');
    const mediaRoot = vscode.Uri.joinPath(deps.extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [webviewRoot, mediaRoot],
    });
    this.feed = new RunPanelFeed(runId);
    const webview = this.panel.webview;
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'runPanel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'runPanel.css')).toString(),
      title: 'Labbook run',
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => this.guard(() => this.receive(message))),
      this.panel.onDidChangeViewState(() => this.guard(() => this.visibilityChanged())),
      this.panel.onDidDispose(() => {
        this.stopTimer();
        for (const disposable of this.disposables) disposable.dispose();
        onDisposed();
      }),
    );
  }

  /** Brings the panel to the front. */
  reveal(): void {
    this.panel.reveal();
  }

  /** Posts what changed in the store, if the panel is showing. */
  refresh(): void {
    this.guard(() => {
      if (!this.ready || !this.panel.visible) return;
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

  private receive(raw: unknown): void {
    const parsed = parseRunPanelMessage(raw);
    if (!parsed.ok) {
      console.warn(`[labbook] ${parsed.error}`);
      return;
    }
    this.handle(parsed.message);
  }

  private handle(message: RunPanelFromWebview): void {
    // Ready even without a store: the snapshot then follows when the store opens (refresh).
    if (message.type === 'runPanel/ready') this.ready = true;
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
        this.userAction(this.openArtifact(store, message));
        return;
      case 'runPanel/revealArtifact':
        this.userAction(this.revealArtifact(store, message));
        return;
    }
  }

  private visibilityChanged(): void {
    if (!this.panel.visible) {
      // The page is discarded while hidden; the next one announces itself with 'ready'.
      this.ready = false;
      this.stopTimer();
      return;
    }
    const store = this.deps.store();
    if (this.ready && store) this.sendSnapshot(store);
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
      void this.panel.webview.postMessage(message);
    }
  }

  private updateTimer(): void {
    if (this.feed.isLive && this.ready && this.panel.visible) {
      this.timer ??= setInterval(() => this.refresh(), LIVE_POLL_MS);
    } else {
      this.stopTimer();
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // Store errors (busy, corrupt, closed) show in the panel instead of vanishing into the host log.
  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.post({ type: 'runPanel/error', message: error instanceof Error ? error.message : String(error) });
    }
  }

  // A failed click is answered where clicks are answered in VS Code: a notification.
  private userAction(action: Promise<void>): void {
    action.catch((error: unknown) => {
      void vscode.window.showErrorMessage(`Labbook: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  // The stored blob is exactly what the run wrote (the file on disk may have changed since), and its URI
  // carries the file name so images and notebooks open in their own editors.
  private async openArtifact(store: Store, ref: ArtifactRef): Promise<void> {
    const { artifact, blobPath, originalPath } = this.artifactFiles(store, ref);
    const target = blobPath ? blobUri(artifact.sha256, artifact.path) : originalPath && vscode.Uri.file(originalPath);
    if (!target) throw new Error(`the content of '${ref.path}' is not in the store and the file is gone.`);
    await vscode.commands.executeCommand('vscode.open', target, { preview: true });
  }

  private async revealArtifact(store: Store, ref: ArtifactRef): Promise<void> {
    const { originalPath, blobPath } = this.artifactFiles(store, ref);
    const path = originalPath ?? blobPath;
    if (!path) throw new Error(`'${ref.path}' is neither on disk nor in the store any more.`);
    const target = vscode.Uri.file(path);
    const inWorkspace = originalPath !== undefined && vscode.workspace.getWorkspaceFolder(target) !== undefined;
    await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', target);
  }

  // Only a file this run recorded can be opened: the webview's reference is looked up, never used as a path.
  private artifactFiles(store: Store, ref: ArtifactRef): { artifact: Artifact; blobPath?: string; originalPath?: string } {
    const artifact = store.artifacts(this.runId).find((a) => a.sha256 === ref.sha256 && a.path === ref.path && a.direction === ref.direction);
    if (!artifact) throw new Error(`this run has no artifact '${ref.path}'.`);
    const blobPath = store.objects.has(artifact.sha256) ? store.objects.pathOf(artifact.sha256) : undefined;
    const cwd = store.getRun(this.runId).cwd;
    const originalPath = isAbsolute(artifact.path) ? artifact.path : cwd ? resolve(cwd, artifact.path) : undefined;
    return { artifact, blobPath, originalPath: originalPath && existsSync(originalPath) ? originalPath : undefined };
  }
}
