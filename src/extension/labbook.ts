import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { BLOB_SCHEME, BlobFileSystem, RUN_DOC_SCHEME, RunDocuments } from './documents';
import type { Reporter } from './errors';
import { LabbookLanguageClient } from './languageClient';
import { Launcher } from './launcher';
import { LiveRunStatus } from './liveRunStatus';
import { MetricDirections } from './metricDirections';
import { METRICS_VIEW_ID, MetricsViewProvider } from './metricsView';
import { CODE_SCHEME, RunCodeDocuments } from './codeDiff';
import { ComparePanels } from './panels/comparePanel';
import { SeriesWorkerPool } from './panels/seriesPool';
import { LineagePanel } from './panels/lineagePanel';
import { RunsTablePanel } from './panels/runsTablePanel';
import { RunPanels } from './panels/runPanels';
import { RunsView } from './runsView';
import { StoreHost } from './storeHost';
import { LabbookTaskProvider, TASK_TYPE } from './taskProvider';
import { TrackingService } from './trackingService';

/** What activate returns: hooks for tests and other extensions. */
export interface LabbookApi {
  /** Resolves once the store (if the workspace has one) is open and the views are registered. */
  ready: Promise<void>;
  /** The store folder this window uses, whether or not it exists yet. */
  storeDir(): string | undefined;
  /** Re-reads the store and redraws the views. */
  refresh(): Promise<void>;
  /** Ids of the runs the Runs view lists under its current filter and sort. */
  visibleRunIds(): string[];
}

/** Builds the extension's parts, registers them with VS Code and returns the API. */
export function startLabbook(context: vscode.ExtensionContext, reporter: Reporter): LabbookApi {
  const host = new StoreHost(reporter);
  const directions = new MetricDirections(context.workspaceState);
  const view = new RunsView(host, context.workspaceState, directions);
  const launcher = new Launcher(context, host, reporter.log);
  const panels = new RunPanels({ extensionUri: context.extensionUri, store: () => host.store, onDidChangeStore: host.onDidChange });
  // Its threads start with the first comparison; a worker that cannot start leaves the reads to this thread.
  const seriesPool = new SeriesWorkerPool(vscode.Uri.joinPath(context.extensionUri, 'dist', 'seriesWorker.js').fsPath, { log: reporter.log });
  const compare = new ComparePanels({ extensionUri: context.extensionUri, store: () => host.store, onDidChangeStore: host.onDidChange, openRun: (runId) => panels.open(runId), seriesReader: seriesPool });
  const runsTable = new RunsTablePanel({ extensionUri: context.extensionUri, workspaceState: context.workspaceState, store: () => host.store, onDidChangeStore: host.onDidChange, openRun: (runId) => panels.open(runId), directions });
  const lineage = new LineagePanel({ extensionUri: context.extensionUri, store: () => host.store, onDidChangeStore: host.onDidChange, openRun: (runId) => panels.open(runId) });
  context.subscriptions.push(
    host,
    view,
    panels,
    compare,
    seriesPool,
    lineage,
    runsTable,
    new LiveRunStatus(host, reporter.log),
    vscode.workspace.registerFileSystemProvider(BLOB_SCHEME, new BlobFileSystem(host), { isReadonly: true, isCaseSensitive: true }),
  );
  const tracking = new TrackingService(host, context.environmentVariableCollection, reporter.log);
  const metrics = new MetricsViewProvider({ extensionUri: context.extensionUri, host, runsView: view, log: reporter.log });
  context.subscriptions.push(
    tracking,
    new LabbookLanguageClient(context, host, reporter.log),
    metrics,
    vscode.window.registerWebviewViewProvider(METRICS_VIEW_ID, metrics),
  );
  const documents = new RunDocuments(host);
  const codeDiff = new RunCodeDocuments(host);
  context.subscriptions.push(
    documents,
    vscode.workspace.registerTextDocumentContentProvider(RUN_DOC_SCHEME, documents),
    codeDiff,
    vscode.workspace.registerTextDocumentContentProvider(CODE_SCHEME, codeDiff),
    vscode.tasks.registerTaskProvider(TASK_TYPE, new LabbookTaskProvider(launcher, reporter.log)),
    ...registerCommands({ context, host, view, launcher, panels, compare, codeDiff, lineage, runsTable, reporter, tracking }),
  );
  return {
    ready: Promise.resolve(),
    storeDir: () => host.dir(),
    refresh: async () => {
      host.reset();
      view.changedQuery();
    },
    visibleRunIds: () => view.provider.visibleRunIds(),
  };
}
