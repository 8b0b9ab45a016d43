// The Lineage panel: one webview with the lineage graph of the newest runs, or of one run or model version,
// redrawn when the store changes. Clicking a node opens the run's panel, the commit's diff (git show) or the file.

import * as vscode from 'vscode';
import { parseLineageMessage } from '../../protocol/lineagePanel';
import type { LineageFromWebview, LineageToWebview } from '../../protocol/lineagePanel';
import { ModelRegistry } from '../../store/registry';
import { pathOfContent } from '../../store/lineage';
import type { Store } from '../../store/store';
import { commitUri } from '../codeDiff';
import { blobUri } from '../documents';
import { Cancelled } from '../errors';
import { LINEAGE_MAX_RUNS, lineageSnapshot } from './lineageFeed';
import { WebviewHost } from './webviewHost';
import type { HostLog, WebviewProtocol } from './webviewHost';
import { panelSurface, webviewRoots } from './webviewPage';

/** The webview panel type of the Lineage panel. */
export const LINEAGE_PANEL_VIEW_TYPE = 'labbook.lineagePanel';

/** What the Lineage panel needs from the extension. */
export interface LineagePanelDeps {
  extensionUri: vscode.Uri;
  store: () => Store | undefined;
  onDidChangeStore: vscode.Event<unknown>;
  openRun: (runId: string) => void;
  log: HostLog;
}

const PROTOCOL: WebviewProtocol<LineageToWebview, LineageFromWebview> = {
  parse: parseLineageMessage,
  readyType: 'lineagePanel/ready',
  error: (message) => ({ type: 'lineagePanel/error', message }),
};

const REFRESH_MS = 1000;
const RECENT_RUNS = 50;

type FocusItem = vscode.QuickPickItem & { focus?: string | null };

/** Asks whose lineage to show: every run, a registered model version or a recent run; null means every run. */
export async function pickLineageFocus(store: Store): Promise<string | null> {
  const separator = (label: string): FocusItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const versions = new ModelRegistry(store).listVersions().filter((v) => v.runId);
  const runs = store.listRuns({ limit: RECENT_RUNS });
  const items: FocusItem[] = [
    { label: '$(type-hierarchy) All runs', description: `the newest ${LINEAGE_MAX_RUNS}`, focus: null },
    ...(versions.length ? [separator('Model versions')] : []),
    ...versions.map((v) => ({
      label: `${v.name} v${v.version}`,
      description: [v.stage, ...v.aliases.map((alias) => `@${alias}`)].join(' · '),
      focus: `version:${v.name}/${v.version}`,
    })),
    ...(runs.length ? [separator('Recent runs')] : []),
    ...runs.map((run) => ({
      label: run.name,
      description: `${run.experimentName} · ${run.status.toLowerCase()} · ${run.id.slice(0, 8)}`,
      focus: `run:${run.id}`,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Show Lineage of…', matchOnDescription: true });
  if (picked?.focus === undefined) throw new Cancelled();
  return picked.focus;
}

/** Opens the single Lineage panel and keeps it current. */
export class LineagePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private host: WebviewHost<LineageToWebview, LineageFromWebview> | undefined;
  private focus: string | null = null;
  private readonly subscription: vscode.Disposable;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: LineagePanelDeps) {
    // Live runs commit every few hundred ms; the whole graph is rebuilt at most once a second.
    this.subscription = deps.onDidChangeStore(() => {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.send();
      }, REFRESH_MS);
    });
  }

  /** Shows the panel with the lineage of `focus` (a node id; null for every run), creating it if needed. */
  open(focus: string | null = null): void {
    this.focus = focus;
    if (this.panel) {
      this.panel.reveal();
      this.send();
      return;
    }
    const panel = vscode.window.createWebviewPanel(LINEAGE_PANEL_VIEW_TYPE, 'Lineage', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: webviewRoots(this.deps.extensionUri),
    });
    const disposed = (): void => {
      this.panel = undefined;
      this.host = undefined;
    };
    this.host = new WebviewHost(
      panelSurface(panel, { extensionUri: this.deps.extensionUri, name: 'lineagePanel', title: 'Labbook lineage' }),
      PROTOCOL,
      { receive: (message) => this.receive(message), disposed },
      this.deps.log,
    );
    this.panel = panel;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.panel?.dispose();
  }

  private receive(message: LineageFromWebview): void {
    if (message.type === 'lineagePanel/ready') {
      this.send();
      return;
    }
    // A node that cannot be opened is the user's action failing, shown as a message rather than in the graph.
    this.openNode(message.nodeId).catch((error: unknown) => {
      void vscode.window.showErrorMessage(`Labbook: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private send(): void {
    const { panel, host } = this;
    if (!panel || !host?.showing) return;
    host.guard(() => {
      const store = this.deps.store();
      if (!store) throw new Error('The Labbook store is closed.');
      const snapshot = lineageSnapshot(store, { focus: this.focus });
      const focused = snapshot.graph.nodes.find((node) => node.id === snapshot.focus);
      panel.title = focused ? `Lineage: ${focused.label}` : 'Lineage';
      host.post(snapshot);
    });
  }

  // The node id is only looked up in the store, never used as a path or a command argument as is.
  private async openNode(nodeId: string): Promise<void> {
    const store = this.deps.store();
    if (!store) throw new Error('the Labbook store is closed.');
    const [kind, key] = [nodeId.slice(0, nodeId.indexOf(':')), nodeId.slice(nodeId.indexOf(':') + 1)];
    if (kind === 'run') {
      if (store.findRun(key)) this.deps.openRun(key);
      return;
    }
    if (kind === 'version') {
      const slash = key.lastIndexOf('/');
      const runId = new ModelRegistry(store).getVersion(key.slice(0, slash), Number(key.slice(slash + 1))).runId;
      if (runId && store.findRun(runId)) this.deps.openRun(runId);
      return;
    }
    if (kind === 'file') {
      if (!store.objects.has(key)) throw new Error('that file is no longer in the store.');
      await vscode.commands.executeCommand('vscode.open', blobUri(key, pathOfContent(store, key) ?? key), { preview: true });
      return;
    }
    if (kind === 'commit') await vscode.commands.executeCommand('vscode.open', commitUri(key), { preview: true });
  }
}
