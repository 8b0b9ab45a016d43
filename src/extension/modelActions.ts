// What the Models view and the Runs view do to the registry: register a run's model, promote, alias, archive,
// delete, and open a version's run, lineage or comparison. Each asks what it needs and says what it did.

import * as vscode from 'vscode';
import { isModelFile, ModelsService } from '../models/models';
import { localActor } from '../store/modelAudit';
import { MODEL_STAGES, type ModelStage } from '../store/registry';
import type { Store } from '../store/store';
import { Cancelled } from './errors';
import type { VersionNode } from './modelsView';

/** A version a command acts on. */
export interface VersionRef {
  name: string;
  version: number;
}

/** What to register: a run, and the file or folder of it that is the model (when already known). */
export interface RegisterSource {
  runId: string;
  path?: string;
}

const NEW_MODEL = '$(add) New model…';

/** The registry workflow as this window changes it: every change is audited as made from the extension by the git user. */
export function modelsService(store: Store): ModelsService {
  return new ModelsService(store, () => localActor('extension', { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath }));
}

async function askModelName(service: ModelsService, suggestion: string): Promise<string> {
  const names = service.registry.listModels().map((model) => model.name);
  if (names.length) {
    const picked = await vscode.window.showQuickPick([NEW_MODEL, ...names], { title: 'Register Model: pick a model or make a new one' });
    if (picked === undefined) throw new Cancelled();
    if (picked !== NEW_MODEL) return picked;
  }
  const typed = await vscode.window.showInputBox({
    title: 'Register Model: name of the new model',
    value: suggestion,
    validateInput: (value) => (value.trim() ? undefined : 'A registered model needs a name.'),
  });
  if (typed === undefined) throw new Cancelled();
  return typed.trim();
}

async function askModelPath(store: Store, runId: string): Promise<string> {
  const models = store.artifacts(runId).filter(isModelFile);
  const run = store.getRun(runId);
  if (models.length === 0) throw new Error(`Run ${run.name} has no model files. Register one of its artifacts, or save the model under models/.`);
  if (models.length === 1) return models[0].path;
  const picked = await vscode.window.showQuickPick(
    models.map((artifact) => ({ label: artifact.path, description: artifact.sha256.slice(0, 12) })),
    { title: `Register Model: which model file of ${run.name}?` },
  );
  if (!picked) throw new Cancelled();
  return picked.label;
}

/** Registers a run's model file as the next version of a model the user picks or names. */
export async function registerModel(store: Store, source: RegisterSource): Promise<VersionRef> {
  const service = modelsService(store);
  const path = source.path ?? (await askModelPath(store, source.runId));
  const name = await askModelName(service, store.getRun(source.runId).experimentName);
  const created = service.register(source.runId, { name, path });
  void vscode.window.showInformationMessage(`Registered ${path} as ${name} version ${created.version}.`);
  return { name, version: created.version };
}

/** Moves a version to Staging or Production, asking whether the version now there goes to Archived. */
export async function promoteVersion(store: Store, ref: VersionRef, stage?: ModelStage): Promise<void> {
  const service = modelsService(store);
  const target = stage ?? (await askStage(ref));
  const current = service.registry.listVersions(ref.name).filter((version) => version.stage === target && version.version !== ref.version);
  let archive = false;
  if (current.length) {
    const answer = await vscode.window.showQuickPick(
      [
        { label: `Archive version ${current.map((version) => version.version).join(', ')}`, archive: true },
        { label: `Keep version ${current.map((version) => version.version).join(', ')} in ${target} too`, archive: false },
      ],
      { title: `Promote ${ref.name} version ${ref.version} to ${target}` },
    );
    if (!answer) throw new Cancelled();
    archive = answer.archive;
  }
  service.promote(ref.name, ref.version, target, archive);
}

/** Moves versions to Archived. */
export function archiveVersions(store: Store, refs: readonly VersionRef[]): void {
  const service = modelsService(store);
  for (const ref of refs) service.archive(ref.name, ref.version);
}

async function askStage(ref: VersionRef): Promise<ModelStage> {
  const picked = await vscode.window.showQuickPick(
    MODEL_STAGES.filter((stage) => stage !== 'None').map((stage) => ({ label: stage, stage })),
    { title: `Move ${ref.name} version ${ref.version} to stage` },
  );
  if (!picked) throw new Cancelled();
  return picked.stage;
}

/** Sets (or moves) an alias such as champion to a version. */
export async function setAlias(store: Store, ref: VersionRef): Promise<void> {
  const alias = await vscode.window.showInputBox({
    title: `Set Alias on ${ref.name} version ${ref.version}`,
    prompt: 'An alias names one version (champion, challenger); setting it here moves it from any other version.',
    validateInput: (value) => (value.trim() ? undefined : 'An alias cannot be empty.'),
  });
  if (alias === undefined) throw new Cancelled();
  modelsService(store).setAlias(ref.name, alias.trim(), ref.version);
}

/** Removes one of a version's aliases (asking which when it has several). */
export async function removeAlias(store: Store, ref: VersionRef & { aliases: readonly string[] }): Promise<void> {
  if (ref.aliases.length === 0) throw new Error(`${ref.name} version ${ref.version} has no alias.`);
  const alias =
    ref.aliases.length === 1
      ? ref.aliases[0]
      : await vscode.window.showQuickPick([...ref.aliases], { title: `Remove Alias from ${ref.name} version ${ref.version}` });
  if (!alias) throw new Cancelled();
  modelsService(store).removeAlias(ref.name, alias);
}

/** Deletes versions after a modal confirmation naming them. */
export async function deleteVersions(store: Store, refs: readonly VersionRef[]): Promise<void> {
  const names = refs.map((ref) => `${ref.name} version ${ref.version}`).join(', ');
  const answer = await vscode.window.showWarningMessage(
    `Delete ${names}?`,
    { modal: true, detail: 'The registry forgets the version and its aliases. The run and its files stay.' },
    'Delete',
  );
  if (answer !== 'Delete') throw new Cancelled();
  const service = modelsService(store);
  for (const ref of refs) service.deleteVersion(ref.name, ref.version);
}

/** The versions a command acts on: the clicked row with the selection, as the Explorer does. */
export function versionsOf(clicked: unknown, selection: readonly VersionNode[]): VersionNode[] {
  const node = clicked as VersionNode | undefined;
  if (node?.kind !== 'modelVersion') return [...selection];
  return selection.some((selected) => selected.name === node.name && selected.version === node.version) ? [...selection] : [node];
}
