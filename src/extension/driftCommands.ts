// The drift commands, in one table: Check Data Drift… (pick the reference, then the current data) and, from a
// data file's explorer context menu, Check Drift Against… (the clicked file is the current data).

import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { CommandTable } from './commands';
import { Cancelled } from './errors';
import type { DriftPanel } from './panels/driftPanel';

/** What the drift commands work with. */
export interface DriftCommandDeps {
  drift: DriftPanel;
}

/** The extensions Labbook reads as data (src/capture/driftData.ts). */
export const DATA_FILE_EXTENSIONS = ['csv', 'tsv', 'parquet', 'pq'];
const DATA_GLOB = `**/*.{${DATA_FILE_EXTENSIONS.join(',')}}`;
const SKIPPED_FOLDERS = '**/{node_modules,.git,.labbook,.venv,venv,__pycache__}/**';
const MOST_FILES = 500;

type FileItem = vscode.QuickPickItem & { uri?: vscode.Uri };

/** Asks for a data file: the workspace's CSV and Parquet files, or any file through Browse…. */
export async function pickDataFile(title: string, except?: vscode.Uri): Promise<vscode.Uri> {
  const found = await vscode.workspace.findFiles(DATA_GLOB, SKIPPED_FOLDERS, MOST_FILES);
  const files = found.filter((uri) => uri.toString() !== except?.toString()).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  const items: FileItem[] = [
    ...files.map((uri) => {
      const relative = vscode.workspace.asRelativePath(uri, false);
      return { label: basename(relative), description: dirname(relative) === '.' ? '' : dirname(relative), uri };
    }),
    { label: '$(folder-opened) Browse…', description: 'a CSV or Parquet file anywhere' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'CSV or Parquet file', matchOnDescription: true });
  if (!picked) throw new Cancelled();
  if (picked.uri) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { 'Data files': DATA_FILE_EXTENSIONS } });
  if (!chosen?.length) throw new Cancelled();
  return chosen[0];
}

/** The explorer's clicked file and selection as file URIs. */
function clickedFiles(args: readonly unknown[]): vscode.Uri[] {
  const selection = Array.isArray(args[1]) ? (args[1] as unknown[]) : [];
  const given = selection.length ? selection : [args[0]];
  return given.filter((value): value is vscode.Uri => value instanceof vscode.Uri);
}

/** The drift commands by id. */
export function driftCommandTable(deps: DriftCommandDeps): CommandTable {
  return {
    'labbook.checkDrift': async () => {
      const reference = await pickDataFile('Check Data Drift (1/2): pick the reference data (e.g. the training data)');
      const current = await pickDataFile(`Check Data Drift (2/2): pick the current data to compare with ${basename(reference.fsPath)}`, reference);
      await deps.drift.open({ reference, current });
    },
    'labbook.checkDriftAgainst': async (...args) => {
      const files = clickedFiles(args);
      // Two files selected in the explorer: the one clicked is the current data, the other the reference.
      const current = files.length === 2 && args[0] instanceof vscode.Uri ? args[0] : (files[0] ?? vscode.window.activeTextEditor?.document.uri);
      if (!current || current.scheme !== 'file')
        throw new Error('Check Drift Against… works on a CSV or Parquet file: right-click one in the Explorer.');
      const other = files.length === 2 ? files.find((uri) => uri.toString() !== current.toString()) : undefined;
      const reference = other ?? (await pickDataFile(`Check Drift of ${basename(current.fsPath)} Against…: pick the reference data`, current));
      await deps.drift.open({ reference, current });
    },
  };
}
