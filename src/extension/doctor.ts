import * as vscode from 'vscode';
import { formatDoctor, runDoctor } from '../capture/doctor';
import { pythonInterpreter } from './pythonInterpreter';
import type { StoreHost } from './storeHost';

/** "Labbook: Doctor": the same report as `labbook doctor`, for this window's runtime, store and interpreter, in an editor. */
export async function showDoctor(host: StoreHost, log: vscode.LogOutputChannel): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Labbook: checking' }, async () => {
    const checks = await runDoctor({
      storeDir: host.dir() ?? 'no folder open',
      python: await pythonInterpreter(folder?.uri, log),
      cwd: folder?.uri.fsPath ?? process.cwd(),
    });
    return formatDoctor(checks);
  });
  log.info(`Doctor:\n${report}`);
  const document = await vscode.workspace.openTextDocument({
    content: `Labbook doctor (${new Date().toISOString()})\n\n${report}\n`,
    language: 'plaintext',
  });
  await vscode.window.showTextDocument(document, { preview: true });
}
