import { delimiter } from 'node:path';
import * as vscode from 'vscode';
import { installCliLauncher } from './cliLauncher';
import { commandTable, registerCommands } from './commands';
import { driftCommandTable } from './driftCommands';
import { BLOB_SCHEME, BlobFileSystem, RUN_DOC_SCHEME, RunDocuments } from './documents';
import type { Reporter } from './errors';
import { LabbookLanguageClient } from './languageClient';
import { Launcher } from './launcher';
import { DebugTracker } from './debugTrack';
import { NotebookTracker } from './notebookTrack';
import { trackCommandTable } from './trackCommands';
import { LiveRunStatus } from './liveRunStatus';
import { MetricDirections } from './metricDirections';
import { MODEL_CARD_SCHEME, ModelCards } from './modelCards';
import { modelCommandTable } from './modelCommands';
import { ModelsView } from './modelsView';
import { MONITORING_VIEW_ID, MonitoringViewProvider } from './monitoringView';
import { queueCommandTable, QueueView } from './queueView';
import { METRICS_VIEW_ID, MetricsViewProvider } from './metricsView';
import { CODE_SCHEME, RunCodeDocuments } from './codeDiff';
import { GateTests } from './gateTests';
import { ComparePanels } from './panels/comparePanel';
import { SeriesWorkerPool } from './panels/seriesPool';
import { DriftPanel } from './panels/driftPanel';
import { LineagePanel } from './panels/lineagePanel';
import { RunsTablePanel } from './panels/runsTablePanel';
import { RunPanels } from './panels/runPanels';
import { RunEndNotifier } from './runEndNotifier';
import { RunsView } from './runsView';
import { StoreHost } from './storeHost';
import { LabbookTaskProvider, TASK_TYPE } from './taskProvider';
import { TerminalEnvironment } from './terminalEnvironment';
import { TrackingService } from './trackingService';
import { pushOnRunEnd } from '../sync/editorSync';
import { LazyHistories } from './lazyHistories';
import { remoteClient, SyncRunner, syncCommandTable } from './syncActions';
import { REMOTES_VIEW_ID, SyncStates } from './syncView';

/** Builds the extension's parts and registers them with VS Code. */
export function startLabbook(context: vscode.ExtensionContext, reporter: Reporter): void {
  const host = new StoreHost(reporter);
  const directions = new MetricDirections(context.workspaceState);
  const view = new RunsView(host, context.workspaceState, directions);
  const ends = new RunEndNotifier(host, (experiment) => view.primaryMetricOf(experiment), reporter.log);
  const launcher = new Launcher(context, host, reporter.log, ends);
  const histories = new LazyHistories(host, context.secrets, reporter.log);
  const panels = new RunPanels({
    extensionUri: context.extensionUri,
    store: () => host.store,
    onDidChangeStore: host.onDidChange,
    log: reporter.log,
    onOpen: (ids) => histories.fetch(ids),
  });
  // Its threads start with the first comparison; a worker that cannot start leaves the reads to this thread.
  const seriesPool = new SeriesWorkerPool(vscode.Uri.joinPath(context.extensionUri, 'dist', 'seriesWorker.js').fsPath, { log: reporter.log });
  const compare = new ComparePanels({
    extensionUri: context.extensionUri,
    store: () => host.store,
    onDidChangeStore: host.onDidChange,
    openRun: (runId) => panels.open(runId),
    seriesReader: seriesPool,
    log: reporter.log,
    onOpen: (ids) => histories.fetch(ids),
  });
  const runsTable = new RunsTablePanel({
    extensionUri: context.extensionUri,
    workspaceState: context.workspaceState,
    store: () => host.store,
    onDidChangeStore: host.onDidChange,
    openRun: (runId) => panels.open(runId),
    log: reporter.log,
    directions,
  });
  const lineage = new LineagePanel({
    extensionUri: context.extensionUri,
    store: () => host.store,
    onDidChangeStore: host.onDidChange,
    openRun: (runId) => panels.open(runId),
    log: reporter.log,
  });
  const drift = new DriftPanel({ extensionUri: context.extensionUri, log: reporter.log });
  context.subscriptions.push(
    host,
    view,
    drift,
    ends,
    panels,
    compare,
    seriesPool,
    lineage,
    runsTable,
    new LiveRunStatus(host, (experiment) => view.primaryMetricOf(experiment), reporter.log),
    vscode.workspace.registerFileSystemProvider(BLOB_SCHEME, new BlobFileSystem(host), { isReadonly: true, isCaseSensitive: true }),
  );
  const environment = new TerminalEnvironment(context.environmentVariableCollection, delimiter);
  const cliDir = installCliLauncher(vscode.Uri.joinPath(context.globalStorageUri, 'bin').fsPath, context.extensionUri.fsPath, environment);
  const tracking = new TrackingService(host, environment, reporter.log);
  const metrics = new MetricsViewProvider({ extensionUri: context.extensionUri, host, runsView: view, log: reporter.log });
  context.subscriptions.push(
    tracking,
    new LabbookLanguageClient(context, host, reporter.log),
    new GateTests(host),
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
  );
  const states = new SyncStates(host, reporter.log, (remote) => remoteClient(context.secrets, remote));
  const remotes = vscode.window.createTreeView(REMOTES_VIEW_ID, { treeDataProvider: states });
  const syncDeps = { context, host, launcher, states, remotes, log: reporter.log };
  const sync = new SyncRunner(syncDeps);
  context.subscriptions.push(
    states,
    sync,
    remotes,
    vscode.window.registerFileDecorationProvider(states),
    pushOnRunEnd(
      (listener) => ends.onDidEnd(listener),
      () => vscode.workspace.getConfiguration('labbook').get<boolean>('sync.pushOnRunEnd') === true,
      (runId) => void vscode.commands.executeCommand('labbook.pushRuns', runId),
    ),
  );
  const models = new ModelsView(host);
  const cards = new ModelCards(host);
  const debugTracker = new DebugTracker(launcher, reporter.log);
  const notebooks = new NotebookTracker(launcher, reporter.log);
  const monitoring = new MonitoringViewProvider({ extensionUri: context.extensionUri, host, drift, reporter });
  const queue = new QueueView(host);
  context.subscriptions.push(
    models,
    queue,
    cards,
    notebooks,
    ...debugTracker.register(),
    monitoring,
    vscode.window.registerWebviewViewProvider(MONITORING_VIEW_ID, monitoring),
    vscode.workspace.registerTextDocumentContentProvider(MODEL_CARD_SCHEME, cards),
    ...registerCommands(
      reporter,
      commandTable({ context, host, view, launcher, panels, compare, codeDiff, lineage, runsTable, reporter, tracking, cliDir }),
      modelCommandTable({ host, view, panels, lineage, compare, models, drift }),
      driftCommandTable({ drift }),
      queueCommandTable({ host, launcher, queue }),
      syncCommandTable(syncDeps, sync),
      trackCommandTable(debugTracker, notebooks),
    ),
  );
}
