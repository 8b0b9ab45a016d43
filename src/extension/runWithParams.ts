// `labbook.runWithParams`, the command behind the language server's "Run with lr=0.01" actions
// (argument shapes: src/lsp/server.ts): rerun a script with an option, or set a value in a params file and
// run the folder's latest command again.

import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { Run } from '../core/types';
import type { Store } from '../store/store';
import type { Launcher } from './launcher';
import { isParamsFilePath, parseRunWithParams } from './lspSettings';
import { paramsEdit } from './paramsEdit';
import type { StoreHost } from './storeHost';

/** The newest run started in `folder`, whose command runs the params file of that folder. */
function latestRunIn(store: Store | undefined, folder: string): Run | undefined {
  return store?.listRuns({ limit: 200 }).find((run) => run.cwd === folder && run.argv.length > 0);
}

async function setParams(document: vscode.TextDocument, params: Record<string, string>): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  const json = document.uri.fsPath.endsWith('.json');
  for (const [key, value] of Object.entries(params)) {
    const change = paramsEdit(document.getText(), key, value, json);
    edit.replace(document.uri, new vscode.Range(document.positionAt(change.start), document.positionAt(change.end)), change.text);
  }
  await vscode.window.showTextDocument(document, { preview: false });
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`Could not edit ${vscode.workspace.asRelativePath(document.uri)}.`);
  if (!(await document.save())) throw new Error(`Could not save ${vscode.workspace.asRelativePath(document.uri)}, so nothing was run.`);
}

/** Runs the command: a script with extra args, or the active params file's folder with new values. */
export async function runWithParams(launcher: Launcher, host: StoreHost, raw: unknown): Promise<void> {
  const argument = parseRunWithParams(raw);
  if (argument.file !== null) {
    await launcher.runCurrentFile(vscode.Uri.file(argument.file), argument.args);
    return;
  }
  // The action carries no path: it was offered in the params file the editor shows.
  const document = vscode.window.activeTextEditor?.document;
  if (!document || document.uri.scheme !== 'file' || !isParamsFilePath(document.uri.fsPath)) {
    throw new Error('Open the params file (params.yaml or params.json) to run with new values.');
  }
  await setParams(document, argument.params);
  const run = latestRunIn(host.open(false), dirname(document.uri.fsPath));
  if (run) await launcher.rerun(run);
  else await launcher.runAndTrack();
}
