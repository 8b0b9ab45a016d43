import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { Launcher } from './launcher';
import { requireTrust } from './launcher';

/** What `labbook notebook` prints first: the run and the line that turns tracking on in the kernel. */
interface SessionReady {
  runId: string;
  code: string;
}

const JUPYTER_EXTENSION = 'ms-toolsai.jupyter';
const TRACK_ELSEWHERE = 'Track a Kernel Elsewhere';
const NO_KERNEL_HERE =
  'This VS Code cannot run notebook cells: no Jupyter extension is installed, so it has no kernel (Select Kernel only offers to install one). Labbook can still track a kernel this notebook runs in elsewhere on this machine (JupyterLab, jupyter console): it creates the run and copies the line to run there.';

/** The part of the Jupyter extension's API used here (ms-toolsai.jupyter, `kernels.getKernel(uri).executeCode`). */
interface JupyterApi {
  kernels?: {
    getKernel(uri: vscode.Uri): Promise<{ executeCode(code: string, token: vscode.CancellationToken): AsyncIterable<unknown> } | undefined>;
  };
}

/**
 * "Track This Notebook": a `labbook notebook` process records the kernel session as a run (docs/notebooks-and-debugging.md).
 * The line that turns tracking on runs in the kernel through the Jupyter extension's kernel API when it offers one;
 * otherwise it is copied for the user to run in a cell. Without the Jupyter extension VS Code has no kernel at all:
 * the user is told so and may still track a kernel run elsewhere. "Stop Tracking" ends the session (FINISHED).
 */
export class NotebookTracker implements vscode.Disposable {
  private readonly sessions = new Map<string, ChildProcess>();

  constructor(
    private readonly launcher: Launcher,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Starts recording the active notebook's kernel session. */
  async track(resource?: vscode.Uri): Promise<void> {
    requireTrust();
    const notebook = resource ?? vscode.window.activeNotebookEditor?.notebook.uri;
    if (!notebook || notebook.scheme !== 'file') throw new Error('Open a Jupyter notebook (.ipynb saved on disk) to track it.');
    if (this.sessions.has(notebook.toString()))
      throw new Error('This notebook is tracked already; use "Labbook: Stop Tracking This Notebook" first.');
    const jupyter = vscode.extensions.getExtension<JupyterApi>(JUPYTER_EXTENSION);
    if (!jupyter && (await vscode.window.showWarningMessage(NO_KERNEL_HERE, TRACK_ELSEWHERE)) !== TRACK_ELSEWHERE) return;
    const folder = vscode.workspace.getWorkspaceFolder(notebook)?.uri.fsPath ?? dirname(notebook.fsPath);
    const child = spawn(process.execPath, [this.launcher.cliPath, 'notebook', '--notebook', notebook.fsPath], {
      cwd: folder,
      env: { ...process.env, ...this.launcher.runnerEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.sessions.set(notebook.toString(), child);
    child.stderr!.on('data', (chunk: Buffer) => this.log.info(`notebook: ${chunk.toString('utf8').trimEnd()}`));
    child.on('close', () => this.sessions.delete(notebook.toString()));
    const ready = await firstLine(child);
    if (jupyter && (await runInKernel(jupyter, notebook, ready.code))) {
      void vscode.window.showInformationMessage(`Labbook is tracking this notebook's kernel session (run ${ready.runId.slice(0, 8)}).`);
      return;
    }
    await vscode.env.clipboard.writeText(ready.code);
    const where = jupyter
      ? 'in a cell of this notebook (the Jupyter extension offers no kernel API here)'
      : "in the kernel this notebook runs in (JupyterLab, Jupyter Notebook or jupyter console on this machine); Stop Tracking This Notebook ends the run when you're done";
    void vscode.window.showInformationMessage(
      `Labbook created run ${ready.runId.slice(0, 8)} and copied the line that starts recording: run it ${where}.`,
    );
  }

  /** Ends the notebook's run (FINISHED); the kernel keeps running. */
  stop(resource?: vscode.Uri): void {
    const notebook = resource ?? vscode.window.activeNotebookEditor?.notebook.uri;
    const child = notebook && this.sessions.get(notebook.toString());
    if (!child) throw new Error('This notebook is not tracked.');
    child.kill('SIGTERM');
  }

  dispose(): void {
    for (const child of this.sessions.values()) child.kill('SIGTERM');
  }
}

function firstLine(child: ChildProcess): Promise<SessionReady> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl !== -1) resolve(JSON.parse(text.slice(0, nl)) as SessionReady);
    });
    child.on('close', (code) => reject(new Error(`labbook notebook ended (exit ${code}) before creating the run; see the Labbook log.`)));
  });
}

async function runInKernel(jupyter: vscode.Extension<JupyterApi>, notebook: vscode.Uri, code: string): Promise<boolean> {
  const api = await jupyter.activate();
  const kernel = await api?.kernels?.getKernel(notebook);
  if (!kernel) return false;
  const cancel = new vscode.CancellationTokenSource();
  for await (const _output of kernel.executeCode(code, cancel.token)) void _output; // drain: the line prints nothing
  return true;
}
