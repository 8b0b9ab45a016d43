// "Labbook: Add CI Workflow": asks what to train and gate, shows the workflow, and writes
// .github/workflows/labbook.yml only when the user says so.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { GITHUB_WORKFLOW_PATH, githubWorkflow } from '../core/ciTemplate';
import { metricDirection, primaryMetricOf } from '../core/metricDirection';
import { ModelRegistry } from '../store/registry';
import type { Store } from '../store/store';
import { Cancelled } from './errors';
import type { StoreHost } from './storeHost';

async function ask(prompt: string, value: string): Promise<string> {
  const answer = await vscode.window.showInputBox({
    title: 'Add CI Workflow',
    prompt,
    value,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? '' : 'Required'),
  });
  if (answer === undefined) throw new Cancelled();
  return answer.trim();
}

function defaultTrainCommand(root: string): string {
  const editor = vscode.window.activeTextEditor?.document;
  if (editor?.languageId === 'python' && editor.uri.scheme === 'file') return `python ${relative(root, editor.uri.fsPath)}`;
  return 'python train.py';
}

// Suggestions from the store when there is one: the first registered model, and the newest run's primary metric.
function suggestions(store: Store | undefined, root: string): { model: string; metric: string } {
  const model = store ? new ModelRegistry(store).listModels()[0]?.name : undefined;
  const [last] = store?.listRuns({ limit: 1 }) ?? [];
  const metric = last ? primaryMetricOf(Object.keys(last.metrics)) : undefined;
  return { model: model ?? (root.split(/[\\/]/).pop() || 'model'), metric: metric ?? 'val_loss' };
}

async function direction(metric: string): Promise<'higher' | 'lower'> {
  const known = metricDirection(metric);
  if (known) return known;
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Higher is better', value: 'higher' as const },
      { label: 'Lower is better', value: 'lower' as const },
    ],
    { title: `Add CI Workflow: which way is ${metric} better?`, ignoreFocusOut: true },
  );
  if (!picked) throw new Cancelled();
  return picked.value;
}

/** Shows the workflow for this workspace, then writes it on confirmation and opens it. */
export async function addCiWorkflow(host: StoreHost): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('Open a folder first: the workflow is written to its .github/workflows/.');
  const root = folder.uri.fsPath;
  const suggested = suggestions(host.store, root);
  const trainCommand = await ask('Training command, as you would type it in a terminal', defaultTrainCommand(root));
  const model = await ask('Registered model the gate promotes', suggested.model);
  const metric = await ask('Metric the new model must improve', suggested.metric);
  const text = githubWorkflow({ trainCommand, model, metric, direction: await direction(metric), minDelta: 0 });

  const preview = await vscode.workspace.openTextDocument({ language: 'yaml', content: text });
  await vscode.window.showTextDocument(preview, { preview: true });
  const target = join(root, GITHUB_WORKFLOW_PATH);
  const choice = await vscode.window.showInformationMessage(
    `Write ${GITHUB_WORKFLOW_PATH}?`,
    {
      modal: true,
      detail: existsSync(target) ? 'The file exists and will be replaced.' : 'Commit it to run the gate on every push and pull request.',
    },
    'Write',
  );
  // The preview was only for reading: close it without a save prompt.
  if (vscode.window.activeTextEditor?.document === preview) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  if (choice !== 'Write') return;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  await vscode.window.showTextDocument(vscode.Uri.file(target));
}
