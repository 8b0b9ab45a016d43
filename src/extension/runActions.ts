// What the run commands do once they know which runs they act on.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { NOTE_TAG } from '../core/runDistinction';
import { isLiveStatus, type Artifact, type Run } from '../core/types';
import type { Store } from '../store/store';
import { emptyTrash, purgeTrashedRuns, restoreRuns, trashCount, trashRuns } from '../store/trash';
import { blobUri, consoleUri } from './documents';
import { Cancelled } from './errors';
import type { StoreHost } from './storeHost';

/** Which stored file of which run; what artifact commands take (from the tree or from a panel). */
export type ArtifactRef = Pick<Artifact, 'runId' | 'sha256' | 'path' | 'direction'>;

/** The artifact as the store has it; a reference is looked up, never trusted as a path. */
function storedArtifact(store: Store, ref: ArtifactRef): Artifact {
  const artifact = store.artifacts(ref.runId).find((a) => a.sha256 === ref.sha256 && a.path === ref.path && a.direction === ref.direction);
  if (!artifact) throw new Error(`The run has no artifact '${ref.path}'.`);
  return artifact;
}

/** Opens the stored content of an artifact (what the run wrote, even if the file changed since) in its editor. */
export async function openArtifact(store: Store, ref: ArtifactRef): Promise<void> {
  const artifact = storedArtifact(store, ref);
  if (!store.objects.has(artifact.sha256)) throw new Error(`The content of '${artifact.path}' is no longer in the store.`);
  await vscode.commands.executeCommand('vscode.open', blobUri(artifact.sha256, artifact.path), { preview: true });
}

/** Shows an artifact's file in the Explorer when it is still in the workspace, else the stored copy in the OS. */
export async function revealArtifact(store: Store, ref: ArtifactRef): Promise<void> {
  const artifact = storedArtifact(store, ref);
  const cwd = store.getRun(artifact.runId).cwd;
  const original = isAbsolute(artifact.path) ? artifact.path : cwd ? resolve(cwd, artifact.path) : undefined;
  if (original && existsSync(original) && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(original))) {
    await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(original));
    return;
  }
  if (!store.objects.has(artifact.sha256)) throw new Error(`'${artifact.path}' is neither in the store nor in the workspace any more.`);
  if (vscode.env.uiKind === vscode.UIKind.Web) throw new Error(`'${artifact.path}' is no longer in the workspace; open it to see the stored copy.`);
  await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(store.objects.pathOf(artifact.sha256)));
}

/** Opens the uncommitted changes a run started with, as a read-only patch. */
export async function openGitPatch(store: Store, runId: string, patchSha: string): Promise<void> {
  const run = store.getRun(runId);
  if (run.git.patchSha !== patchSha || !store.objects.has(patchSha)) throw new Error(`The uncommitted changes of ${run.name} are not in the store.`);
  const document = await vscode.workspace.openTextDocument(blobUri(patchSha, `${run.name}.patch`));
  await vscode.window.showTextDocument(await vscode.languages.setTextDocumentLanguage(document, 'diff'), { preview: true });
}

/** Opens a run's console output: the live log while it runs, the stored log after. */
export async function showConsole(run: Run): Promise<void> {
  const document = await vscode.workspace.openTextDocument(consoleUri(run.id, run.name));
  await vscode.window.showTextDocument(await vscode.languages.setTextDocumentLanguage(document, 'log'), { preview: true });
}

function runsText(runs: readonly Run[]): string {
  return runs.length === 1 ? `run "${runs[0].name}"` : `${runs.length} runs`;
}

/**
 * Moves ended runs to the Trash without asking (it is undone by Restore, or by the notification's Undo);
 * live runs are refused (stop them first).
 */
export function moveToTrash(host: StoreHost, store: Store, runs: readonly Run[]): void {
  const live = runs.filter((run) => isLiveStatus(run.status));
  if (live.length) throw new Error(`Stop ${live.length === 1 ? `run ${live[0].name}` : `the ${live.length} live runs`} before deleting.`);
  trashRuns(
    store,
    runs.map((run) => run.id),
  );
  host.wroteHere();
  // Not awaited: the command is done; the notification only offers the undo.
  void vscode.window.showInformationMessage(`Moved ${runsText(runs)} to the Trash.`, 'Undo').then((answer) => {
    if (answer === 'Undo') restoreFromTrash(host, store, runs);
  });
}

/** Brings runs back from the Trash. */
export function restoreFromTrash(host: StoreHost, store: Store, runs: readonly Run[]): void {
  restoreRuns(
    store,
    runs.map((run) => run.id),
  );
  host.wroteHere();
}

const CANCEL: vscode.QuickPickItem = { label: 'Cancel' };

/**
 * Confirms what cannot be undone. A quick pick rather than a modal message: a modal focuses its first button,
 * which VS Code makes the action, so Enter would delete; here Cancel is first and Enter or Escape cancel.
 */
async function confirmDestruction(question: string, action: string): Promise<void> {
  const destroy: vscode.QuickPickItem = { label: `$(trash) ${action}`, description: 'This cannot be undone.' };
  const picked = await vscode.window.showQuickPick([CANCEL, destroy], { title: question, placeHolder: 'Enter or Escape cancels' });
  if (picked !== destroy) throw new Cancelled();
}

/** Deletes runs in the Trash for good, after a confirmation whose default is Cancel. */
export async function deletePermanently(host: StoreHost, store: Store, runs: readonly Run[]): Promise<void> {
  await confirmDestruction(`Delete ${runsText(runs)} permanently?`, 'Delete Permanently');
  purgeTrashedRuns(
    store,
    runs.map((run) => run.id),
  );
  host.wroteHere();
}

/** Deletes every run in the Trash for good, after a confirmation whose default is Cancel. */
export async function emptyTheTrash(host: StoreHost, store: Store): Promise<void> {
  const count = trashCount(store);
  if (count === 0) throw new Error('The Trash is already empty.');
  await confirmDestruction(`Delete the ${count === 1 ? 'run' : `${count} runs`} in the Trash permanently?`, 'Empty Trash');
  emptyTrash(store);
  host.wroteHere();
}

/** Stars the runs, or unstars them when all of them are starred already. */
export function toggleStar(host: StoreHost, store: Store, runs: readonly Run[]): void {
  const star = !runs.every((run) => run.starred);
  for (const run of runs) store.setStarred(run.id, star);
  host.wroteHere();
}

/** Copies run ids, one per line. */
export async function copyRunIds(runs: readonly Run[]): Promise<void> {
  await vscode.env.clipboard.writeText(runs.map((run) => run.id).join('\n'));
  vscode.window.setStatusBarMessage(`Copied ${runs.length === 1 ? 'the run id' : `${runs.length} run ids`}.`, 3000);
}

/** Asks for a new name for a run and saves it. */
export async function renameRun(host: StoreHost, store: Store, run: Run): Promise<void> {
  const name = await vscode.window.showInputBox({
    title: `Rename ${run.name}`,
    value: run.name,
    prompt: 'A name that says what this run tried, e.g. lr-sweep-0.1',
    validateInput: (value) => (value.trim() ? undefined : 'A run needs a name.'),
  });
  if (name === undefined) throw new Cancelled();
  store.rename(run.id, name.trim());
  host.wroteHere();
}

/** Asks for a run's note (MLflow's `mlflow.note.content` tag, so MLflow clients see it too); empty removes it. */
export async function editNote(host: StoreHost, store: Store, run: Run): Promise<void> {
  const note = await vscode.window.showInputBox({
    title: `Note on ${run.name}`,
    value: store.tags(run.id)[NOTE_TAG] ?? '',
    prompt: 'What this run was for or what it showed. Leave empty to remove the note.',
  });
  if (note === undefined) throw new Cancelled();
  if (note.trim()) store.setTags(run.id, { [NOTE_TAG]: note.trim() });
  else store.deleteTag(run.id, NOTE_TAG);
  host.wroteHere();
}

// mlflow.* and labbook.* tags belong to the tools (source, rerun_of, the note): not added or removed as tags.
function isToolTag(key: string): boolean {
  return key.startsWith('mlflow.') || key.startsWith('labbook.');
}

/** Why `key=value` is not a tag the user may add, or undefined when it is one. */
export function tagProblem(text: string): string | undefined {
  const eq = text.indexOf('=');
  const key = text.slice(0, Math.max(0, eq)).trim();
  if (!key) return 'Write key=value, e.g. baseline=yes';
  if (isToolTag(key)) return `Keys starting with ${key.split('.')[0]}. are kept for the tools themselves.`;
  return undefined;
}

/** Asks for `key=value` and tags the runs with it. */
export async function addTag(host: StoreHost, store: Store, runs: readonly Run[]): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: runs.length === 1 ? `Add Tag to ${runs[0].name}` : `Add Tag to ${runs.length} Runs`,
    placeHolder: 'key=value, e.g. baseline=yes',
    validateInput: tagProblem,
  });
  if (text === undefined) throw new Cancelled();
  const eq = text.indexOf('=');
  for (const run of runs) store.setTags(run.id, { [text.slice(0, eq).trim()]: text.slice(eq + 1).trim() });
  host.wroteHere();
}

/** Offers the user tags of a run (not mlflow.* or labbook.* ones, not the note) and removes the ones picked. */
export async function removeTags(host: StoreHost, store: Store, run: Run): Promise<void> {
  const tags = Object.entries(store.tags(run.id)).filter(([key]) => !isToolTag(key));
  if (tags.length === 0) throw new Error(`${run.name} has no tags of its own to remove.`);
  const picked = await vscode.window.showQuickPick(
    tags.map(([key, value]) => ({ label: key, description: value })),
    { title: `Remove Tags from ${run.name}`, canPickMany: true },
  );
  if (!picked?.length) throw new Cancelled();
  for (const item of picked) store.deleteTag(run.id, item.label);
  host.wroteHere();
}
