// The Run Sweep form: a webview with the command, grid and random draws and the number of runs they make; Start
// checks the fields again (the webview is not trusted) and starts `labbook sweep` in a terminal.
import * as vscode from 'vscode';
import { formRunCount, formSweepArgs } from '../../core/sweepForm';
import { parseSweepFormMessage, type SweepFormFromWebview, type SweepFormToWebview } from '../../protocol/sweepForm';
import { WebviewHost, type HostLog, type WebviewProtocol } from './webviewHost';
import { panelSurface, webviewRoots } from './webviewPage';

/** The webview panel type of the Run Sweep form. */
export const SWEEP_FORM_VIEW_TYPE = 'labbook.sweepForm';

/** What the form needs from the extension. */
export interface SweepFormDeps {
  extensionUri: vscode.Uri;
  log: HostLog;
  /** The command to prefill (the active Python file's). */
  defaultCommand: () => Promise<string>;
  /** Starts `labbook sweep` with these arguments in a terminal. */
  start: (args: string[]) => void;
}

const PROTOCOL: WebviewProtocol<SweepFormToWebview, SweepFormFromWebview> = {
  parse: parseSweepFormMessage,
  readyType: 'sweepForm/ready',
  error: (message) => ({ type: 'sweepForm/error', message }),
};

/** The single Run Sweep form. */
export class SweepFormPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private host: WebviewHost<SweepFormToWebview, SweepFormFromWebview> | undefined;
  private grid: string[] = [];
  private command: Promise<string> = Promise.resolve('');

  constructor(private readonly deps: SweepFormDeps) {}

  /** Shows the form, its grid prefilled with `grid` lines (`lr=0.1,0.01`). */
  open(grid: string[] = []): void {
    this.grid = grid;
    // Asked now: once the form's panel is shown, no text editor is active any more.
    this.command = this.deps.defaultCommand();
    if (this.panel) {
      this.panel.reveal();
      void this.init();
      return;
    }
    const panel = vscode.window.createWebviewPanel(SWEEP_FORM_VIEW_TYPE, 'Run Sweep', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: webviewRoots(this.deps.extensionUri),
    });
    const disposed = (): void => {
      this.panel = undefined;
      this.host = undefined;
    };
    this.host = new WebviewHost(
      panelSurface(panel, { extensionUri: this.deps.extensionUri, name: 'sweepFormPanel', title: 'Labbook: Run Sweep' }),
      PROTOCOL,
      { receive: (message) => this.receive(message), disposed },
      this.deps.log,
    );
    this.panel = panel;
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private async init(): Promise<void> {
    const command = await this.command;
    this.host?.post({ type: 'sweepForm/init', command, grid: this.grid });
  }

  private receive(message: SweepFormFromWebview): void {
    if (message.type === 'sweepForm/ready') {
      void this.init();
      return;
    }
    this.host?.guard(() => {
      formRunCount(message);
      this.deps.start(formSweepArgs(message));
      this.panel?.dispose();
    });
  }
}
