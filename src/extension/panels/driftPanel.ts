// The Drift panel: one webview comparing a current data file with a reference (src/capture/driftCheck.ts), and
// the drifted columns as warnings on the current file in the Problems panel. The files are read in worker
// threads; a read that lasts shows a cancellable progress notification. Closing the panel clears the warnings.

import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { DriftReport } from '../../core/drift';
import { driftDiagnostics, driftPanelReport } from '../../core/driftView';
import { checkDrift, DriftCheckError, type DriftCheck } from '../../capture/driftCheck';
import { driftFilesOfPanelState, parseDriftMessage } from '../../protocol/driftPanel';
import type { DriftFromWebview, DriftPanelFiles, DriftSavedFiles, DriftToWebview } from '../../protocol/driftPanel';
import { WebviewHost } from './webviewHost';
import type { HostLog, WebviewProtocol } from './webviewHost';
import { panelSurface, webviewRoots } from './webviewPage';

/** The webview panel type of the Drift panel. */
export const DRIFT_PANEL_VIEW_TYPE = 'labbook.driftPanel';
/** The source of the Problems panel's drift warnings. */
export const DRIFT_DIAGNOSTIC_SOURCE = 'Labbook drift';

/** What the Drift panel needs from the extension. */
export interface DriftPanelDeps {
  extensionUri: vscode.Uri;
  log: HostLog;
}

const PROTOCOL: WebviewProtocol<DriftToWebview, DriftFromWebview> = {
  parse: parseDriftMessage,
  readyType: 'driftPanel/ready',
  error: (message) => ({ type: 'driftPanel/error', message }),
};

/** A read shorter than this shows no notification: the panel's own "Reading…" line is enough. */
const PROGRESS_AFTER_MS = 400;

/** The two files being compared. */
export interface DriftFiles {
  reference: vscode.Uri;
  current: vscode.Uri;
  /** How the panel names the reference when its file is a temporary one (a model version's training data). */
  referenceLabel?: string;
  /** How the panel names the current data when its file is a temporary one (a served model's window). */
  currentLabel?: string;
}

/** The files a panel saved, as URIs again. */
function filesOfSaved(saved: DriftSavedFiles): DriftFiles {
  return { ...saved, reference: vscode.Uri.parse(saved.reference), current: vscode.Uri.parse(saved.current) };
}

/** Opens the single Drift panel, runs checks and keeps the Problems panel's drift warnings; after a window reload it compares the same files again. */
export class DriftPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private host: WebviewHost<DriftToWebview, DriftFromWebview> | undefined;
  private files: DriftFiles | undefined;
  /** What the page shows now, posted again whenever a new page says ready. */
  private state: DriftToWebview | undefined;
  /** Checks started; a result is shown only if no newer check started meanwhile. */
  private generation = 0;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('labbook-drift');
  private readonly serializer: vscode.Disposable;

  constructor(private readonly deps: DriftPanelDeps) {
    this.serializer = vscode.window.registerWebviewPanelSerializer(DRIFT_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => this.restore(panel, state),
    });
  }

  /** Shows the panel comparing `files.current` with `files.reference`; resolves with the report (undefined when it failed). */
  async open(files: DriftFiles): Promise<DriftReport | undefined> {
    this.files = files;
    if (this.panel) this.panel.reveal();
    else this.adopt(this.create());
    this.panel!.title = `Drift: ${files.currentLabel ?? basename(files.current.fsPath)}`;
    return this.check();
  }

  /** Takes back the panel VS Code restored after a reload and compares the files its page saved (they may have changed). */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = driftFilesOfPanelState(state);
    if (this.panel || !saved) {
      panel.dispose();
      return;
    }
    this.adopt(panel);
    await this.open(filesOfSaved(saved));
  }

  dispose(): void {
    this.serializer.dispose();
    this.panel?.dispose();
    this.diagnostics.dispose();
  }

  private get webviewOptions(): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: webviewRoots(this.deps.extensionUri) };
  }

  private create(): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(DRIFT_PANEL_VIEW_TYPE, 'Drift', vscode.ViewColumn.Active, this.webviewOptions);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    panel.webview.options = this.webviewOptions;
    const disposed = (): void => {
      this.panel = undefined;
      this.host = undefined;
      this.state = undefined;
      this.generation++;
      this.diagnostics.clear();
    };
    this.host = new WebviewHost(
      panelSurface(panel, { extensionUri: this.deps.extensionUri, name: 'driftPanel', title: 'Labbook data drift' }),
      PROTOCOL,
      { receive: (message) => this.receive(message), disposed },
      this.deps.log,
    );
    this.panel = panel;
  }

  private async receive(message: DriftFromWebview): Promise<void> {
    if (message.type === 'driftPanel/ready') return this.show(this.state);
    if (message.type === 'driftPanel/rerun') {
      await this.check();
      return;
    }
    const uri = this.files?.[message.which];
    if (uri) await vscode.commands.executeCommand('vscode.open', uri, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  private show(state: DriftToWebview | undefined): void {
    this.state = state;
    if (state && this.host?.showing) this.host.post(state);
  }

  private names(files: DriftFiles): DriftPanelFiles {
    const { referenceLabel, currentLabel } = files;
    return {
      reference: referenceLabel ?? vscode.workspace.asRelativePath(files.reference, false),
      current: currentLabel ?? vscode.workspace.asRelativePath(files.current, false),
      saved: {
        reference: files.reference.toString(),
        current: files.current.toString(),
        ...(referenceLabel && { referenceLabel }),
        ...(currentLabel && { currentLabel }),
      },
    };
  }

  private async check(): Promise<DriftReport | undefined> {
    const files = this.files;
    if (!files) return undefined;
    const generation = ++this.generation;
    const names = this.names(files);
    this.show({ type: 'driftPanel/loading', files: names });
    const cancelled = new vscode.EventEmitter<void>();
    const running = this.read(files);
    const notice = setTimeout(() => void this.progress(names, running, () => cancelled.fire()), PROGRESS_AFTER_MS);
    const stopped = new Promise<'cancelled'>((resolve) => cancelled.event(() => resolve('cancelled')));
    try {
      const outcome = await Promise.race([running, stopped]);
      if (generation !== this.generation) return undefined;
      if (outcome === 'cancelled') {
        this.show({ type: 'driftPanel/error', message: 'The drift check was cancelled. Check Again to start it anew.', files: names });
        return undefined;
      }
      if ('error' in outcome) {
        this.diagnostics.delete(files.current);
        this.show({ type: 'driftPanel/error', message: outcome.error, files: names });
        return undefined;
      }
      for (const warning of outcome.warnings) this.deps.log.warn(warning);
      this.showDiagnostics(files.current, outcome);
      this.show({ type: 'driftPanel/report', files: names, report: driftPanelReport(outcome.report) });
      return outcome.report;
    } finally {
      clearTimeout(notice);
      cancelled.dispose();
    }
  }

  /** The check, with a bad file, mismatched schemas or a failure as a message for the page rather than a throw. */
  private async read(files: DriftFiles): Promise<DriftCheck | { error: string }> {
    const workspace = vscode.workspace.getWorkspaceFolder(files.current) ?? vscode.workspace.workspaceFolders?.[0];
    try {
      return await checkDrift(files.reference.fsPath, files.current.fsPath, {
        workspace: workspace?.uri.scheme === 'file' ? workspace.uri.fsPath : undefined,
        workerScript: vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'driftWorker.js').fsPath,
      });
    } catch (error) {
      if (error instanceof DriftCheckError) return { error: error.message };
      // Anything else is Labbook's fault, not the files': the page says so instead of staying on "Reading…".
      this.deps.log.warn(`drift check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return { error: `The drift check failed: ${error instanceof Error ? error.message : String(error)} (details in the Labbook output).` };
    }
  }

  // Cancelling stops waiting: the worker threads finish their file and their answer is dropped.
  private async progress(names: DriftPanelFiles, running: Promise<unknown>, cancel: () => void): Promise<void> {
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Labbook: checking drift of ${names.current} against ${names.reference}…`,
        cancellable: true,
      },
      async (_progress, token) => {
        token.onCancellationRequested(cancel);
        await running.catch(() => undefined);
      },
    );
  }

  private showDiagnostics(current: vscode.Uri, check: DriftCheck): void {
    const warnings = driftDiagnostics(check.report, check.currentHeader).map((d) => {
      const diagnostic = new vscode.Diagnostic(new vscode.Range(d.line, d.start, d.line, d.end), d.message, vscode.DiagnosticSeverity.Warning);
      diagnostic.source = DRIFT_DIAGNOSTIC_SOURCE;
      diagnostic.code = d.column;
      return diagnostic;
    });
    // One comparison at a time: warnings of an earlier current file go when another file is compared.
    this.diagnostics.clear();
    if (warnings.length) this.diagnostics.set(current, warnings);
  }
}
