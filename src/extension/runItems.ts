// Tree items for runs and their details. Only store reads happen here; everything textual comes from
// src/core/runPresentation so it is unit-tested and escaped in one place.

import * as vscode from 'vscode';
import { formatMetric, relativeTime } from '../core/format';
import {
  formatBytes,
  metricSummaryText,
  runContextValue,
  runDescription,
  runTooltip,
  statusIcon,
  truncate,
  type RowFocus,
} from '../core/runPresentation';
import { textSparkline } from '../core/series';
import type { SweepGroup } from '../core/sweepGroups';
import type { Artifact, RunListing } from '../core/types';
import type { Store } from '../store/store';
import { TRASH_DAYS, type TrashedRun } from '../store/trash';
import { blobUri } from './documents';
import { clickCommand } from './rowClick';
import { runResource } from './syncView';

/** The detail folders under a run. */
export type GroupKind = 'params' | 'metrics' | 'artifacts' | 'git';

/** An experiment row; the object is kept for as long as the experiment is shown so refreshes can target it. */
export interface ExperimentNode {
  readonly kind: 'experiment';
  readonly experimentId: number;
  name: string;
  count: number;
}

/** A run row, updated in place when the run changes. */
export interface RunNode {
  readonly kind: 'run';
  run: RunListing;
}

/** A Params / Metrics / Artifacts / Git folder under a run. */
export interface GroupNode {
  readonly kind: 'group';
  readonly group: GroupKind;
  readonly parent: RunNode;
  readonly size: number;
}

/** A detail row: a param, a metric, an artifact or a git fact. */
export interface LeafNode {
  readonly kind: 'leaf';
  readonly item: vscode.TreeItem;
  readonly runId: string;
  readonly artifact?: Artifact;
  readonly patchSha?: string;
}

/** A sweep's row: its listed runs under it, the best one marked. */
export interface SweepNode {
  readonly kind: 'sweep';
  readonly experimentId: number;
  group: SweepGroup;
  runs: RunNode[];
}

/** "N more runs" at the end of a long experiment. */
export interface MoreNode {
  readonly kind: 'more';
  readonly experimentId: number;
  readonly shown: number;
  readonly total: number;
}

/** The Trash row, last at the root. */
export interface TrashNode {
  readonly kind: 'trash';
  count: number;
}

/** A run in the Trash. */
export interface TrashedRunNode {
  readonly kind: 'trashedRun';
  readonly run: TrashedRun;
}

/** Any row of the Runs view. */
export type TreeNode = ExperimentNode | SweepNode | RunNode | GroupNode | LeafNode | MoreNode | TrashNode | TrashedRunNode;

/** Points read for a metric's sparkline: the end of the history, which is what a glance at a run wants. */
const SPARKLINE_POINTS = 2000;
const MAX_LABEL = 200;

/** Tree id of a run row; also what keeps its expansion and selection across refreshes. */
export function runItemId(runId: string): string {
  return `run:${runId}`;
}

function markdown(text: string): vscode.MarkdownString {
  // Run data is escaped by runTooltip; the flags below keep it from becoming links, icons or HTML regardless.
  const md = new vscode.MarkdownString(text, false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}

/** The row of a run: name, status icon, distinguishing params, primary metric and age. */
export function runItem(run: RunListing, focus: RowFocus, now: number): vscode.TreeItem {
  const item = new vscode.TreeItem(truncate(run.name, MAX_LABEL), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = runItemId(run.id);
  item.description = runDescription(run, focus, now);
  item.tooltip = markdown(runTooltip(run, now));
  const icon = statusIcon(run.status);
  item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
  item.contextValue = runContextValue(run);
  item.resourceUri = runResource(run.id); // carries the run's sync-state badge (SyncStates)
  item.accessibilityInformation = { label: `${run.name}, ${run.status.toLowerCase()}, ${item.description}` };
  // A click previews (focus stays in the tree); a double click or Enter pins (see OpenGesture).
  item.command = clickCommand('labbook.previewRun', 'Preview Run');
  return item;
}

/** The row of an experiment with how many runs it shows. */
export function experimentItem(node: ExperimentNode): vscode.TreeItem {
  const item = new vscode.TreeItem(truncate(node.name, MAX_LABEL), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `experiment:${node.experimentId}`;
  item.description = `${node.count} ${node.count === 1 ? 'run' : 'runs'}`;
  item.iconPath = new vscode.ThemeIcon('beaker');
  item.contextValue = 'experiment';
  return item;
}

/** The row of a sweep: its name, how many runs it has, and its best run by its metric. */
export function sweepItem(node: SweepNode): vscode.TreeItem {
  const { group } = node;
  const item = new vscode.TreeItem(truncate(group.name, MAX_LABEL), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `experiment:${node.experimentId}/sweep:${group.sweepId}`;
  const count = `${group.runs.length} ${group.runs.length === 1 ? 'run' : 'runs'}${group.pruned ? ` · ${group.pruned} pruned` : ''}`;
  const best = group.best && group.metric ? ` · best ${group.best.name} ${group.metric}=${formatMetric(group.best.metrics[group.metric].last)}` : '';
  item.description = `${count}${best}`;
  item.tooltip = `Sweep ${group.name} (${group.sweepId}): ${count}${best}`;
  item.iconPath = new vscode.ThemeIcon('symbol-array');
  item.contextValue = 'sweep';
  item.accessibilityInformation = { label: `sweep ${group.name}, ${item.description}` };
  return item;
}

/** A sweep's best run says so first in its row. */
export function markBestRun(item: vscode.TreeItem): vscode.TreeItem {
  item.description = `★ best · ${String(item.description ?? '')}`;
  return item;
}

/** A run Optuna pruned says so, and at which step, first in its row. */
export function markPrunedRun(item: vscode.TreeItem, step: string): vscode.TreeItem {
  item.description = `pruned at step ${step} · ${String(item.description ?? '')}`;
  return item;
}

/** The row saying an experiment has more runs than the view lists. */
export function moreItem(node: MoreNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`${node.total - node.shown} more runs not listed`);
  item.id = `experiment:${node.experimentId}/more`;
  item.description = 'narrow them with a filter';
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.command = { command: 'labbook.filterRuns', title: 'Filter Runs' };
  return item;
}

/** The Trash row: collapsed, since what is in it is rarely wanted. */
export function trashItem(node: TrashNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`Trash (${node.count})`, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = 'trash';
  item.iconPath = new vscode.ThemeIcon('trash');
  item.tooltip = `Deleted runs, restorable for ${TRASH_DAYS} days; after that they are deleted for good.`;
  item.contextValue = 'trash';
  return item;
}

/** A run in the Trash: when it was deleted and when it goes for good. */
export function trashedRunItem(run: TrashedRun, now: number): vscode.TreeItem {
  const item = new vscode.TreeItem(truncate(run.name, MAX_LABEL));
  item.id = `trash/${run.id}`;
  // When first: a narrow side bar cuts the end of a description.
  item.description = `deleted ${relativeTime(run.deletedAt, now)} · ${run.experimentName}`;
  item.tooltip = `${run.name} (${run.id})\nDeleted ${new Date(run.deletedAt).toLocaleString()}; deleted for good on ${new Date(run.expiresAt).toLocaleDateString()}.`;
  const icon = statusIcon(run.status);
  item.iconPath = new vscode.ThemeIcon(icon.id);
  item.contextValue = 'trashedRun';
  item.accessibilityInformation = { label: `${run.name}, in the Trash, ${item.description}` };
  return item;
}

const GROUPS: Readonly<Record<GroupKind, { label: string; icon: string }>> = {
  params: { label: 'Params', icon: 'symbol-parameter' },
  metrics: { label: 'Metrics', icon: 'graph-line' },
  artifacts: { label: 'Artifacts', icon: 'files' },
  git: { label: 'Git', icon: 'git-commit' },
};

/** The detail folders of a run that have something in them. */
export function groupsOf(store: Store, parent: RunNode): GroupNode[] {
  const { run } = parent;
  const sizes: [GroupKind, number][] = [
    ['params', Object.keys(run.params).length],
    ['metrics', Object.keys(run.metrics).length],
    ['artifacts', store.artifacts(run.id).length],
    ['git', run.git.commit ? 1 : 0],
  ];
  return sizes.filter(([, size]) => size > 0).map(([group, size]) => ({ kind: 'group', group, parent, size }));
}

/** The row of a detail folder. */
export function groupItem(node: GroupNode): vscode.TreeItem {
  const { label, icon } = GROUPS[node.group];
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `${runItemId(node.parent.run.id)}/${node.group}`;
  item.description = node.group === 'git' ? undefined : String(node.size);
  item.iconPath = new vscode.ThemeIcon(icon);
  item.contextValue = `group ${node.group}`;
  return item;
}

function leaf(runId: string, id: string, label: string, description: string, tooltip: string, extra: Partial<LeafNode> = {}): LeafNode {
  const item = new vscode.TreeItem(truncate(label, MAX_LABEL));
  item.id = `${runItemId(runId)}/${id}`;
  item.description = description;
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: `${label} ${description}` };
  return { kind: 'leaf', item, runId, ...extra };
}

function paramLeaves(run: RunListing): LeafNode[] {
  return Object.keys(run.params)
    .sort()
    .map((key) => leaf(run.id, `params/${key}`, key, truncate(run.params[key], 100), `${key} = ${truncate(run.params[key], 10_000)}`));
}

function metricLeaves(store: Store, run: RunListing): LeafNode[] {
  return Object.keys(run.metrics)
    .sort()
    .map((key) => {
      const summary = run.metrics[key];
      const offset = Math.max(0, summary.count - SPARKLINE_POINTS);
      const values = store.history(run.id, key, { offset }).map((point) => point.value);
      const note = offset > 0 ? `\nsparkline: the last ${SPARKLINE_POINTS} points` : '';
      const node = leaf(
        run.id,
        `metrics/${key}`,
        key,
        `${formatMetric(summary.last)}  ${textSparkline(values)}`,
        `${key}: ${metricSummaryText(summary)}${note}`,
      );
      node.item.iconPath = new vscode.ThemeIcon('pulse');
      return node;
    });
}

const ROLE_ICONS: Readonly<Record<Artifact['role'], string>> = { model: 'package', data: 'database', output: 'file', log: 'output' };

function artifactLeaves(store: Store, runId: string): LeafNode[] {
  return store.artifacts(runId).map((artifact) => {
    const node = leaf(
      runId,
      `artifacts/${artifact.direction}/${artifact.path}`,
      artifact.path,
      `${artifact.role}${artifact.direction === 'input' ? ' (input)' : ''} · ${formatBytes(artifact.size)}`,
      `${artifact.path}\n${artifact.role}, ${artifact.direction}, ${formatBytes(artifact.size)}\nsha256 ${artifact.sha256}`,
      { artifact },
    );
    node.item.resourceUri = blobUri(artifact.sha256, artifact.path);
    node.item.iconPath = new vscode.ThemeIcon(ROLE_ICONS[artifact.role] ?? 'file');
    node.item.contextValue = 'artifact';
    node.item.command = clickCommand('labbook.openArtifact', 'Open Artifact');
    return node;
  });
}

function gitLeaves(run: RunListing): LeafNode[] {
  const { git } = run;
  const leaves = [
    leaf(run.id, 'git/commit', 'Commit', `${(git.commit ?? '').slice(0, 12)}${git.dirty ? ' (uncommitted changes)' : ''}`, git.commit ?? ''),
    ...(git.branch ? [leaf(run.id, 'git/branch', 'Branch', git.branch, git.branch)] : []),
    ...(git.remote ? [leaf(run.id, 'git/remote', 'Remote', git.remote, git.remote)] : []),
  ];
  if (git.patchSha) {
    const patch = leaf(
      run.id,
      'git/patch',
      'Uncommitted changes',
      'open the patch',
      'The uncommitted changes of tracked files when the run started',
      { patchSha: git.patchSha },
    );
    patch.item.iconPath = new vscode.ThemeIcon('git-compare');
    patch.item.contextValue = 'gitPatch';
    patch.item.command = clickCommand('labbook.openGitPatch', 'Open Uncommitted Changes');
    leaves.push(patch);
  }
  return leaves;
}

/** The rows inside a detail folder. */
export function leavesOf(store: Store, node: GroupNode): LeafNode[] {
  const { run } = node.parent;
  switch (node.group) {
    case 'params':
      return paramLeaves(run);
    case 'metrics':
      return metricLeaves(store, run);
    case 'artifacts':
      return artifactLeaves(store, run.id);
    case 'git':
      return gitLeaves(run);
  }
}
