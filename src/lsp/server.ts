// The Labbook language server: code lenses with each logged metric's latest and best value above the code that
// logs it, hovers with a chart and the values across recent runs, and "Run with <param>=<value>" actions.
// It only ever reads the store (read-only connection) and notices other processes' commits by polling.
import { fileURLToPath } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeLensRefreshRequest,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type Connection,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  type Range,
} from 'vscode-languageserver/node';
import { storeDirFor } from '../store/store';
import { Insights } from './insights';
import { isParamsFile, scanParamsFile } from './paramsFile';
import { scanPython } from './pythonScan';
import { lensTitle, metricHover, paramHover, plainText } from './render';
import { RUN_SWEEP_COMMAND } from '../core/sweepForm';
import { baseName, type RunIdentity, type RunIndex } from './runIndex';
import { metricSitesNear, siteAt, type DocumentSites, type ParamSite } from './sites';
import { StoreWatcher, type OpenStore } from './storeWatcher';

/** Settings from initializationOptions or the `labbook` section of didChangeConfiguration. */
export interface LspSettings {
  /** The `.labbook` folder; default LABBOOK_DIR, else `<first workspace folder>/.labbook`. */
  storeDir?: string;
  /** The metric param hovers rank values by; default the metric most of the runs logged. */
  primaryMetric?: string;
  /** How many of a file's newest runs are read (default 20). */
  runsToConsider?: number;
}

/** What the launcher passes: default settings, plus the poll interval (tests poll faster). */
export interface ServerOptions extends LspSettings {
  pollIntervalMs?: number;
}

/** A running server, for tests and embedders. */
export interface ServerHandle {
  /** Stops polling and closes the store; the connection is left to its owner. */
  dispose(): void;
}

/** Command the extension registers: opens a run's panel; argument: the run id. */
export const OPEN_RUN_COMMAND = 'labbook.openRun';
/** Command the extension registers: starts a run; argument: `{ file, args }` or `{ file: null, params }`. */
export const RUN_WITH_PARAMS_COMMAND = 'labbook.runWithParams';

const DEFAULT_RUNS_TO_CONSIDER = 20;
const MAX_RUNS_TO_CONSIDER = 1_000;
const RUN_ACTIONS = 3;

type DocumentKind = 'python' | 'params';

/** Picks the valid fields of an untrusted settings object; invalid ones are reported and ignored. */
function readSettings(raw: unknown, warn: (message: string) => void): LspSettings {
  if (typeof raw !== 'object' || raw === null) return {};
  const input = raw as Record<string, unknown>;
  const settings: LspSettings = {};
  if (typeof input.storeDir === 'string' && input.storeDir.trim()) settings.storeDir = input.storeDir;
  else if (input.storeDir !== undefined && input.storeDir !== null && input.storeDir !== '') warn('labbook.storeDir must be a path; ignored.');
  if (typeof input.primaryMetric === 'string' && input.primaryMetric.trim()) settings.primaryMetric = input.primaryMetric.trim();
  const runs = input.runsToConsider;
  if (typeof runs === 'number' && Number.isInteger(runs) && runs >= 1 && runs <= MAX_RUNS_TO_CONSIDER) settings.runsToConsider = runs;
  else if (runs !== undefined && runs !== null)
    warn(`labbook.runsToConsider must be a whole number from 1 to ${MAX_RUNS_TO_CONSIDER}; using ${DEFAULT_RUNS_TO_CONSIDER}.`);
  return settings;
}

function documentPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function kindOf(document: TextDocument, path: string): DocumentKind | undefined {
  if (document.languageId === 'python' || path.endsWith('.py')) return 'python';
  return isParamsFile(baseName(path)) ? 'params' : undefined;
}

/** An open document the server has something to say about, with its runs. */
interface DocumentContext {
  document: TextDocument;
  path: string;
  kind: DocumentKind;
  sites: DocumentSites;
  insights: Insights;
  runs: RunIdentity[];
}

/** Serves one client over `connection` and starts listening on it. */
export function startServer(connection: Connection, options: ServerOptions = {}): ServerHandle {
  const server = new LabbookServer(connection, options);
  connection.listen();
  return server;
}

/** Runs the server over the transport named on the command line: --stdio, --node-ipc, --socket=N or --pipe=P. */
export function serveProcess(options: ServerOptions = {}): ServerHandle {
  return startServer(createConnection(ProposedFeatures.all), options);
}

class LabbookServer implements ServerHandle {
  private readonly documents = new TextDocuments(TextDocument);
  private settings: LspSettings;
  private initSettings: LspSettings = {};
  private workspaceRoot: string | undefined;
  private refreshSupported = false;
  private watcher: StoreWatcher | undefined;
  private insights: { store: OpenStore['store']; insights: Insights } | undefined;
  private readonly scans = new Map<string, { document: TextDocument; version: number; sites: DocumentSites }>();
  private readonly matches = new Map<string, { index: RunIndex; generation: number; limit: number; runs: RunIdentity[] }>();

  constructor(
    private readonly connection: Connection,
    private readonly options: ServerOptions,
  ) {
    this.settings = { ...options };
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => this.restartWatcher());
    connection.onDidChangeConfiguration((change) => this.configure(change.settings));
    connection.onShutdown(() => this.dispose());
    connection.onCodeLens((params) => this.guard(() => this.codeLenses(params.textDocument.uri), []));
    connection.onHover((params) => this.guard(() => this.hover(params.textDocument.uri, params.position), null));
    connection.onCodeAction((params) =>
      this.guard(() => (params.context.only?.length ? [] : this.codeActions(params.textDocument.uri, params.range)), []),
    );
    this.documents.onDidClose((event) => {
      this.scans.delete(event.document.uri);
      this.matches.delete(event.document.uri);
    });
    this.documents.listen(connection);
  }

  dispose(): void {
    this.stopWatcher();
  }

  private stopWatcher(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    this.insights = undefined;
  }

  private initialize(params: InitializeParams): InitializeResult {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    this.workspaceRoot = (folder && documentPath(folder)) ?? params.rootPath ?? undefined;
    this.initSettings = readSettings(params.initializationOptions, (m) => this.warn(m));
    this.settings = { ...this.options, ...this.initSettings };
    this.refreshSupported = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: true,
      },
      serverInfo: { name: 'labbook' },
    };
  }

  /** didChangeConfiguration sends either `{ labbook: {...} }` (VS Code) or the section itself. */
  private configure(raw: unknown): void {
    const section = typeof raw === 'object' && raw !== null && 'labbook' in raw ? (raw as { labbook: unknown }).labbook : raw;
    const before = this.storeDir();
    this.settings = { ...this.options, ...this.initSettings, ...readSettings(section, (m) => this.warn(m)) };
    this.matches.clear();
    if (this.storeDir() !== before) this.restartWatcher();
    else this.refreshLenses();
  }

  private storeDir(): string | undefined {
    const dir = this.settings.storeDir;
    if (dir) return isAbsolute(dir) || !this.workspaceRoot ? resolve(dir) : resolve(this.workspaceRoot, dir);
    if (process.env.LABBOOK_DIR || this.workspaceRoot) return storeDirFor(this.workspaceRoot ?? process.cwd());
    return undefined;
  }

  private restartWatcher(): void {
    this.stopWatcher();
    const dir = this.storeDir();
    if (!dir) return;
    this.watcher = new StoreWatcher(
      dir,
      (changed) => this.storeChanged(changed),
      (m) => this.connection.console.log(m),
    );
    this.watcher.start(this.options.pollIntervalMs ?? 1000);
  }

  private warn(message: string): void {
    this.connection.console.warn(message);
  }

  /** Errors answer with nothing and go to the log: a lens must never break the editor. */
  private guard<T>(answer: () => T, fallback: T): T {
    try {
      return answer();
    } catch (error) {
      this.connection.console.error(`Labbook language server: ${(error as Error).stack ?? String(error)}`);
      return fallback;
    }
  }

  /** Asks the client for fresh lenses when a run of an open Python file changed (or anything may have). */
  private storeChanged(changed: Set<string> | null): void {
    const affected =
      changed === null ||
      this.documents.all().some((document) => {
        const context = this.guard(() => this.context(document.uri), undefined);
        return context?.kind === 'python' && context.runs.some((run) => changed.has(run.id));
      });
    if (affected) this.refreshLenses();
  }

  private refreshLenses(): void {
    if (!this.refreshSupported) return;
    // A refresh the client refused or that a closing connection dropped changes nothing: lenses are asked for again.
    this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  private context(uri: string): DocumentContext | undefined {
    const document = this.documents.get(uri);
    const path = document && documentPath(uri);
    const kind = path && kindOf(document, path);
    const open = this.watcher?.current;
    if (!document || !path || !kind || !open) return undefined;
    if (this.insights?.store !== open.store) this.insights = { store: open.store, insights: new Insights(open.store) };
    return {
      document,
      path,
      kind,
      sites: this.sites(document, kind),
      insights: this.insights.insights,
      runs: this.runsOf(uri, path, kind, open.index),
    };
  }

  private sites(document: TextDocument, kind: DocumentKind): DocumentSites {
    const cached = this.scans.get(document.uri);
    if (cached?.document === document && cached.version === document.version) return cached.sites;
    const text = document.getText();
    const sites = kind === 'python' ? scanPython(text) : { metrics: [], params: scanParamsFile(text) };
    this.scans.set(document.uri, { document, version: document.version, sites });
    return sites;
  }

  private runsOf(uri: string, path: string, kind: DocumentKind, index: RunIndex): RunIdentity[] {
    const limit = this.settings.runsToConsider ?? DEFAULT_RUNS_TO_CONSIDER;
    const cached = this.matches.get(uri);
    if (cached && cached.index === index && cached.generation === index.generation && cached.limit === limit) return cached.runs;
    const runs = kind === 'python' ? index.runsForFile(path, limit) : index.runsBesideFile(path, limit);
    this.matches.set(uri, { index, generation: index.generation, limit, runs });
    return runs;
  }

  private range(document: TextDocument, site: { start: number; end: number }): Range {
    return { start: document.positionAt(site.start), end: document.positionAt(site.end) };
  }

  private codeLenses(uri: string): CodeLens[] {
    const context = this.context(uri);
    if (!context || context.kind !== 'python' || context.runs.length === 0) return [];
    const lenses: CodeLens[] = [];
    for (const site of context.sites.metrics) {
      const insight = context.insights.metric(context.runs, site.keys);
      if (!insight) continue;
      const command = { title: lensTitle(insight), command: OPEN_RUN_COMMAND, arguments: [insight.latest.run.id] };
      lenses.push({ range: this.range(context.document, site), command });
    }
    return lenses;
  }

  private hover(uri: string, position: { line: number; character: number }): Hover | null {
    const context = this.context(uri);
    if (!context || context.runs.length === 0) return null;
    const offset = context.document.offsetAt(position);
    for (const site of metricSitesNear(context.sites.metrics, offset)) {
      const metric = context.insights.metric(context.runs, site.keys);
      if (!metric) continue;
      // Off the key, the range is the call's lines, so the hover stays up while the pointer moves along them.
      const onKey = site.start <= offset && offset <= site.end;
      return {
        contents: { kind: 'markdown', value: metricHover(metric) },
        range: this.range(context.document, onKey ? site : { start: site.lineStart, end: site.lineEnd }),
      };
    }
    const paramSite = siteAt(context.sites.params, offset);
    const param = paramSite && context.insights.param(context.runs, paramSite.keys, this.settings.primaryMetric);
    if (paramSite && param)
      return { contents: { kind: 'markdown', value: paramHover(param, RUN_SWEEP_COMMAND) }, range: this.range(context.document, paramSite) };
    return null;
  }

  private codeActions(uri: string, range: Range): CodeAction[] {
    const context = this.context(uri);
    if (!context || context.runs.length === 0) return [];
    const site = siteAt(context.sites.params, context.document.offsetAt(range.start));
    const param = site && context.insights.param(context.runs, site.keys, this.settings.primaryMetric);
    if (!site || !param) return [];
    return param.values.slice(0, RUN_ACTIONS).flatMap((tried) => {
      const argument = this.runArgument(context, site, param.key, tried.value);
      if (!argument) return [];
      const title = `Run with ${plainText(param.key, 40)}=${plainText(tried.value, 40)}`;
      return [{ title, command: { title, command: RUN_WITH_PARAMS_COMMAND, arguments: [argument] } }];
    });
  }

  /** A Python script is rerun with its own option; a params file's value is set in the params. */
  private runArgument(context: DocumentContext, site: ParamSite, key: string, value: string): object | undefined {
    if (context.kind === 'params') return { file: null, params: { [key]: value } };
    return site.flag ? { file: context.path, args: [site.flag, value] } : undefined;
  }
}
