// The entry VS Code for the Web (vscode.dev, github.dev) loads: no processes and no local disk there, so Labbook
// cannot run scripts or open its SQLite store. Every Labbook command and the Runs view say so instead of failing.
import * as vscode from 'vscode';

/** What the web entry tells the user, word for word. */
export const WEB_UNSUPPORTED =
  'Labbook needs a machine that can run your training scripts: open this folder in desktop VS Code, a Remote ' +
  '(SSH, WSL, Dev Containers), Codespaces or code-server. VS Code for the Web cannot run processes or keep the run store.';

/** Registers every contributed command to explain why Labbook does not run here, and marks the views. */
export function activate(context: vscode.ExtensionContext): void {
  const manifest = context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } };
  for (const { command } of manifest.contributes?.commands ?? []) {
    context.subscriptions.push(vscode.commands.registerCommand(command, () => vscode.window.showWarningMessage(WEB_UNSUPPORTED)));
  }
  void vscode.commands.executeCommand('setContext', 'labbook.webUnsupported', true);
  void vscode.window.showWarningMessage(WEB_UNSUPPORTED);
}

/** Nothing to dispose beyond the context's subscriptions. */
export function deactivate(): void {}
