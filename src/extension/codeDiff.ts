// Code diff between two runs: the files whose content differs between the runs' code (each run's commit with its
// stored uncommitted patch applied, rebuilt by capture/runCode), each opening VS Code's diff editor on read-only
// documents `labbook-code:/<run id>/<path>` that this provider serves (rebuilt from the store after a reload too).

import * as vscode from 'vscode';
import { runLabels } from '../core/compare';
import type { Run } from '../core/types';
import { RunCodeTrees, repositoryOf, showCommit } from '../capture/runCode';
import type { ChangedFile, RunCodeSource } from '../capture/runCode';
import type { Store } from '../store/store';
import type { StoreHost } from './storeHost';

/** Scheme of a file as a run saw it. */
export const CODE_SCHEME = 'labbook-code';

const RUN_ID = /^[0-9a-f]{32}$/;
// Bytes looked at to tell a binary file from text, as git does.
const SNIFF_BYTES = 8000;

/** URI of a commit's `git show` as a read-only diff document. */
export function commitUri(commit: string): vscode.Uri {
  return vscode.Uri.from({ scheme: CODE_SCHEME, path: `/commits/${commit}.diff` });
}

/** URI of `path` (relative to the repository root) as run `runId` saw it. */
export function runCodeUri(runId: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: CODE_SCHEME, path: `/${runId}/${path}` });
}

function sourceOf(store: Store, run: Run): RunCodeSource {
  if (!run.git.commit) throw new Error(`run "${run.name}" recorded no git commit, so its code cannot be rebuilt.`);
  const patchSha = run.git.patchSha;
  if (patchSha && !store.objects.has(patchSha)) throw new Error(`the uncommitted changes of run "${run.name}" are no longer in the store.`);
  return { commit: run.git.commit, patch: patchSha ? store.objects.read(patchSha).toString('utf8') : null };
}

function textOf(bytes: Buffer | null, path: string): string {
  if (bytes === null) return '';
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) return `[Labbook: ${path} is a binary file of ${bytes.length} bytes]\n`;
  return bytes.toString('utf8');
}

const CHANGE_WORDS: Record<ChangedFile['change'], string> = {
  added: 'added',
  deleted: 'deleted',
  modified: 'modified',
  renamed: 'renamed',
  typechange: 'type changed',
};

/** Serves run code documents and runs the code-diff command. */
export class RunCodeDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  // One scratch object folder per repository, kept while the window lives: a run's code never changes.
  private readonly repos = new Map<string, RunCodeTrees>();

  constructor(private readonly host: StoreHost) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, runId, ...rest] = uri.path.split('/');
    const path = rest.join('/');
    const store = this.host.store;
    if (!store) return 'There is no Labbook store in this workspace.\n';
    if (runId === 'commits') return this.commitText(store, path.replace(/\.diff$/, ''));
    if (!RUN_ID.test(runId ?? '') || !path) return 'This is not a Labbook code document.\n';
    const run = store.findRun(runId);
    if (!run) return 'This run no longer exists.\n';
    const trees = await this.treesFor(run);
    return textOf(await trees.fileAt(await trees.treeOf(sourceOf(store, run)), path), path);
  }

  /** Lists the files that differ between two runs' code; picking one opens the diff editor on it. */
  async diffRuns(store: Store, runs: readonly [Run, Run]): Promise<void> {
    const [a, b] = runs;
    const trees = await this.treesFor(a);
    if ((await this.treesFor(b)) !== trees) throw new Error(`runs "${a.name}" and "${b.name}" ran in different git repositories.`);
    const [treeA, treeB] = await Promise.all([trees.treeOf(sourceOf(store, a)), trees.treeOf(sourceOf(store, b))]);
    const files = await trees.changedFiles(treeA, treeB);
    const [labelA, labelB] = runLabels(runs);
    if (files.length === 0) {
      void vscode.window.showInformationMessage(`Labbook: "${labelA}" and "${labelB}" ran the same code.`);
      return;
    }
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { file: ChangedFile }>();
    pick.title = `Code diff: ${labelA} ↔ ${labelB} (${files.length} file${files.length === 1 ? '' : 's'})`;
    pick.placeholder = 'Pick a file to see how it differs';
    pick.matchOnDescription = true;
    pick.ignoreFocusOut = true;
    pick.items = files.map((file) => ({
      label: file.path,
      description: file.oldPath ? `${CHANGE_WORDS[file.change]} from ${file.oldPath}` : CHANGE_WORDS[file.change],
      file,
    }));
    pick.onDidAccept(() => {
      const file = pick.selectedItems[0]?.file;
      if (!file) return;
      const title = `${file.path} (${labelA} ↔ ${labelB})`;
      void vscode.commands.executeCommand('vscode.diff', runCodeUri(a.id, file.oldPath ?? file.path), runCodeUri(b.id, file.path), title, {
        preview: true,
        preserveFocus: true,
      });
    });
    pick.onDidHide(() => pick.dispose());
    pick.show();
  }

  // The commit is looked for in the repository of a run that ran it (else the workspace's).
  private async commitText(store: Store, commit: string): Promise<string> {
    const run = store.listRuns({ limit: 1000 }).find((r) => r.git.commit === commit);
    const dir = run?.cwd ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!dir) return 'There is no folder to look for this commit in.\n';
    return showCommit(dir, commit);
  }

  dispose(): void {
    for (const trees of this.repos.values()) trees.dispose();
    this.repos.clear();
  }

  private async treesFor(run: Run): Promise<RunCodeTrees> {
    const dir = run.cwd ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!dir) throw new Error(`run "${run.name}" recorded no working directory.`);
    const repository = await repositoryOf(dir);
    const known = this.repos.get(repository.root);
    if (known) return known;
    const trees = RunCodeTrees.of(repository);
    this.repos.set(repository.root, trees);
    return trees;
  }
}
