// The Models view: registered models and their versions (stage, aliases, the source run's key metric), redrawn
// when the store changes. What the rows say is worded in core/modelPresentation.

import * as vscode from 'vscode';
import { versionContextValue, versionDescription, versionTooltip } from '../core/modelPresentation';
import { describeAudit } from '../models/card';
import type { ModelsService } from '../models/models';
import { ModelRegistry, type ModelVersion, type RegisteredModel } from '../store/registry';
import { modelsService } from './modelActions';
import { clickCommand } from './rowClick';
import type { StoreHost } from './storeHost';

/** Id of the Models view (package.json contributes.views). */
export const MODELS_VIEW_ID = 'labbook.models';

/** A registered model's row. */
export interface ModelNode {
  kind: 'model';
  name: string;
}

/** A model version's row; `runId` is its source run's, when it has one. */
export interface VersionNode {
  kind: 'modelVersion';
  name: string;
  version: number;
  stage: string;
  aliases: readonly string[];
  runId: string | null;
}

/** A row of the Models view. */
export type ModelsNode = ModelNode | VersionNode;

/** Whether a command argument is a Models view row. */
export function isVersionNode(value: unknown): value is VersionNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'modelVersion';
}

const STAGE_ICONS: Readonly<Record<string, vscode.ThemeIcon>> = {
  Production: new vscode.ThemeIcon('rocket', new vscode.ThemeColor('charts.green')),
  Staging: new vscode.ThemeIcon('beaker', new vscode.ThemeColor('charts.yellow')),
  Archived: new vscode.ThemeIcon('archive', new vscode.ThemeColor('disabledForeground')),
  None: new vscode.ThemeIcon('versions'),
};

function versionItem(service: ModelsService, name: string, number: number): vscode.TreeItem {
  const version = service.version(name, number);
  const item = new vscode.TreeItem(`Version ${version.version}`, vscode.TreeItemCollapsibleState.None);
  item.id = `version:${version.name}/${version.version}`;
  item.description = versionDescription(version);
  item.tooltip = versionTooltip(version, service.history(name, number).map(describeAudit));
  item.iconPath = STAGE_ICONS[version.stage] ?? STAGE_ICONS.None;
  item.contextValue = versionContextValue(version);
  if (version.runId) item.command = clickCommand('labbook.openModelSourceRun', 'Open Source Run');
  return item;
}

function modelItem(model: RegisteredModel, versions: number): vscode.TreeItem {
  const item = new vscode.TreeItem(model.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `model:${model.name}`;
  const production = model.latestVersions.find((version) => version.stage === 'Production');
  item.description = `${versions} version${versions === 1 ? '' : 's'}${production ? ` · Production: v${production.version}` : ''}`;
  item.tooltip = model.description ? `${model.name}\n\n${model.description}` : model.name;
  item.iconPath = new vscode.ThemeIcon('package');
  item.contextValue = 'registeredModel';
  return item;
}

function nodeOf(version: ModelVersion): VersionNode {
  const { name, stage, aliases, runId } = version;
  return { kind: 'modelVersion', name, version: version.version, stage, aliases, runId };
}

/** Feeds the Models view from the store's registry; redraws only when the registry's fingerprint changed (an alias removed too). */
class ModelsTreeProvider implements vscode.TreeDataProvider<ModelsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private shown = '';

  constructor(private readonly host: StoreHost) {}

  /** Redraws when what the registry holds differs from what the view shows. */
  sync(): void {
    const key = this.registryKey();
    if (key === this.shown) return;
    this.shown = key;
    this.changed.fire(undefined);
  }

  getTreeItem(node: ModelsNode): vscode.TreeItem {
    const store = this.host.store;
    if (!store) return new vscode.TreeItem(node.name);
    const service = modelsService(store);
    if (node.kind === 'model') return modelItem(service.registry.getModel(node.name), service.registry.listVersions(node.name).length);
    return versionItem(service, node.name, node.version);
  }

  getChildren(node?: ModelsNode): ModelsNode[] {
    const store = this.host.store;
    if (!store) return [];
    const registry = new ModelRegistry(store);
    if (!node) return registry.listModels().map((model): ModelNode => ({ kind: 'model', name: model.name }));
    if (node.kind === 'model') return registry.listVersions(node.name).map(nodeOf);
    return [];
  }

  getParent(node: ModelsNode): ModelsNode | undefined {
    return node.kind === 'modelVersion' ? { kind: 'model', name: node.name } : undefined;
  }

  private registryKey(): string {
    const store = this.host.store;
    if (!store) return '';
    try {
      return new ModelRegistry(store).fingerprint();
    } catch {
      return ''; // a busy or damaged store: the Runs view says so; this view keeps what it shows
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The Models view and its tree. */
export class ModelsView implements vscode.Disposable {
  readonly view: vscode.TreeView<ModelsNode>;
  private readonly provider: ModelsTreeProvider;
  private readonly subscriptions: vscode.Disposable[];

  constructor(host: StoreHost) {
    this.provider = new ModelsTreeProvider(host);
    this.view = vscode.window.createTreeView(MODELS_VIEW_ID, { treeDataProvider: this.provider, canSelectMany: true, showCollapseAll: true });
    this.subscriptions = [this.provider, this.view, host.onDidChange(() => this.provider.sync())];
    this.provider.sync();
  }

  /** Shows and selects a version's row (after it was registered). */
  async reveal(ref: { name: string; version: number }): Promise<void> {
    this.provider.sync();
    const node: VersionNode = { kind: 'modelVersion', name: ref.name, version: ref.version, stage: 'None', aliases: [], runId: null };
    await this.view.reveal(node, { select: true, focus: false });
  }

  /** The version rows selected in the view. */
  selectedVersions(): VersionNode[] {
    return this.view.selection.filter(isVersionNode);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
