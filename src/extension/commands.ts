// Every command of the extension, in one table. Run commands take what the tree gives them (the clicked row
// and the selection), a run id (status bar, panels, tests), or nothing, in which case they ask.

import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { SWEEP_TAG } from '../core/sweep';
import { OpenGesture } from '../core/openGesture';
import { relativeTime } from '../core/format';
import { runDescription } from '../core/runPresentation';
import type { Run } from '../core/types';
import type { Store } from '../store/store';
import { listTrash } from '../store/trash';
import { addCiWorkflow } from './ciWorkflow';
import { copyCliPath } from './cliLauncher';
import { showDoctor } from './doctor';
import { Cancelled, type Reporter } from './errors';
import type { Launcher } from './launcher';
import { SweepFormPanel } from './panels/sweepFormPanel';
import { sweepFormPrefill } from '../core/sweepForm';
import type { RunCodeDocuments } from './codeDiff';
import type { ComparePanels } from './panels/comparePanel';
import { pickLineageFocus, type LineagePanel } from './panels/lineagePanel';
import type { RunPanels } from './panels/runPanels';
import type { RunsTablePanel } from './panels/runsTablePanel';
import {
  addTag,
  copyRunIds,
  deletePermanently,
  editNote,
  emptyTheTrash,
  moveToTrash,
  openArtifact,
  openGitPatch,
  removeTags,
  renameRun,
  restoreFromTrash,
  revealArtifact,
  showConsole,
  toggleStar,
  type ArtifactRef,
} from './runActions';
import type { LeafNode, TreeNode } from './runItems';
import { reproduceRun } from './reproduceRun';
import { runWithParams } from './runWithParams';
import type { RunsView } from './runsView';
import type { StoreHost } from './storeHost';
import { copyTrackingUri, type TrackingService } from './trackingService';

/** What the command handlers work with. */
export interface CommandDeps {
  context: vscode.ExtensionContext;
  host: StoreHost;
  view: RunsView;
  launcher: Launcher;
  panels: RunPanels;
  compare: ComparePanels;
  codeDiff: RunCodeDocuments;
  lineage: LineagePanel;
  runsTable: RunsTablePanel;
  reporter: Reporter;
  tracking: TrackingService;
  /** Folder of the `labbook` launcher that new terminals have on PATH. */
  cliDir: string;
}

function isTreeNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/** A Runs table row's context menu: VS Code passes the row's `data-vscode-context`. */
function webviewRunId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { webviewSection, runId } = value as Record<string, unknown>;
  return webviewSection === 'run' && typeof runId === 'string' ? runId : undefined;
}

function runIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isTreeNode(value)) return webviewRunId(value);
  if (isTreeNode(value) && (value.kind === 'run' || value.kind === 'trashedRun')) return value.run.id;
  if (isTreeNode(value) && value.kind === 'group') return value.parent.run.id;
  if (isTreeNode(value) && value.kind === 'leaf') return value.runId;
  return undefined;
}

// The tree's selection (second argument) wins over the clicked row.
function itemsOf(args: readonly unknown[]): readonly unknown[] {
  const [clicked, selection] = args;
  return Array.isArray(selection) && selection.length > 0 ? selection : Array.isArray(clicked) ? clicked : [clicked];
}

/** Run ids in command arguments: the tree's selection (second argument) wins over the clicked row. */
export function runIdsOf(args: readonly unknown[]): string[] {
  return [
    ...new Set(
      itemsOf(args)
        .map(runIdOf)
        .filter((id): id is string => id !== undefined),
    ),
  ];
}

/** Whether the arguments name rows of the Trash only. */
function onlyTrashed(args: readonly unknown[]): boolean {
  const items = itemsOf(args);
  return items.length > 0 && items.every((item) => isTreeNode(item) && item.kind === 'trashedRun');
}

/** Commands without arguments (palette, keybindings) act on the tree's selection, as the Explorer's do. */
function orSelection(view: RunsView, args: readonly unknown[]): readonly unknown[] {
  return runIdsOf(args).length ? args : [undefined, view.view.selection];
}

/** The open store, or the reason there is none as the error. */
export function requireStore(host: StoreHost): Store {
  const store = host.store;
  if (!store) throw host.error ?? new Error('There are no runs in this workspace yet.');
  return store;
}

/** How a command asks for runs when it was given none. */
export interface PickOptions {
  title: string;
  many?: boolean;
  /** MLflow filter limiting what is offered (e.g. live runs only). */
  filter?: string;
  preselected?: readonly string[];
  /** What the filter language cannot say (e.g. runs with a git commit), and the message when no run qualifies. */
  only?: { test: (run: Run) => boolean; none: string };
}

async function pickRuns(store: Store, view: RunsView, options: PickOptions): Promise<Run[]> {
  const listed = store.listRuns({ filter: options.filter, limit: 300 });
  const runs = options.only ? listed.filter(options.only.test) : listed;
  if (runs.length === 0) throw new Error(options.only?.none ?? (options.filter ? 'No run matches.' : 'There are no runs yet.'));
  const now = Date.now();
  const items = runs.map((run) => ({
    label: run.name,
    description: `${run.experimentName} · ${run.status.toLowerCase()} · ${runDescription(run, { paramKeys: [], metric: view.primaryMetricOf(run.experimentName) }, now)}`,
    picked: options.preselected?.includes(run.id),
    run,
  }));
  const picked = options.many
    ? await vscode.window.showQuickPick(items, { title: options.title, canPickMany: true, matchOnDescription: true })
    : await vscode.window.showQuickPick(items, { title: options.title, matchOnDescription: true }).then((item) => (item ? [item] : undefined));
  if (!picked?.length) throw new Cancelled();
  return picked.map((item) => item.run);
}

/** The runs a command acts on: those in its arguments, else the ones the user picks. */
export async function runsFor(deps: Pick<CommandDeps, 'host' | 'view'>, args: readonly unknown[], options: PickOptions): Promise<Run[]> {
  const store = requireStore(deps.host);
  const ids = runIdsOf(args);
  if (ids.length === 0) return pickRuns(store, deps.view, options);
  return ids.map((id) => store.getRun(id));
}

/** The runs in the Trash a command acts on: those in its arguments or selected, else the ones the user picks. */
async function trashedRunsFor(deps: Pick<CommandDeps, 'host' | 'view'>, args: readonly unknown[], title: string): Promise<Run[]> {
  const trash = listTrash(requireStore(deps.host));
  const given = runIdsOf(orSelection(deps.view, args)).flatMap((id) => trash.filter((run) => run.id === id));
  if (given.length) return given;
  if (trash.length === 0) throw new Error('The Trash is empty.');
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(
    trash.map((run) => ({ label: run.name, description: `${run.experimentName} · deleted ${relativeTime(run.deletedAt, now)}`, run })),
    { title, canPickMany: true, matchOnDescription: true },
  );
  if (!picked?.length) throw new Cancelled();
  return picked.map((item) => item.run);
}

function artifactRefOf(value: unknown): ArtifactRef {
  const ref = isTreeNode(value) && value.kind === 'leaf' ? value.artifact : (value as Partial<ArtifactRef> | undefined);
  if (
    typeof ref?.runId !== 'string' ||
    typeof ref.sha256 !== 'string' ||
    typeof ref.path !== 'string' ||
    (ref.direction !== 'input' && ref.direction !== 'output')
  ) {
    throw new Error('Pick an artifact in the Runs view.');
  }
  return { runId: ref.runId, sha256: ref.sha256, path: ref.path, direction: ref.direction };
}

function patchLeafOf(value: unknown): LeafNode & { patchSha: string } {
  if (isTreeNode(value) && value.kind === 'leaf' && value.patchSha) return value as LeafNode & { patchSha: string };
  throw new Error('Pick "Uncommitted changes" under a run in the Runs view.');
}

const LIVE = "attributes.status = 'RUNNING'";

/** The command table: id to handler. package.json declares the same ids. */
export function commandTable(deps: CommandDeps): CommandTable {
  const { host, view, launcher, panels, context } = deps;
  const sweepForm = new SweepFormPanel({
    extensionUri: context.extensionUri,
    log: deps.reporter.log,
    defaultCommand: () => launcher.currentFileCommand(),
    start: (args) => void launcher.launchSweep(args),
  });
  context.subscriptions.push(sweepForm);
  const store = (): Store => requireStore(host);
  const gesture = new OpenGesture();
  return {
    'labbook.runCurrentFile': (uri) => launcher.runCurrentFile(uri instanceof vscode.Uri ? uri : undefined),
    'labbook.runAndTrack': () => launcher.runAndTrack(),
    'labbook.runSweep': (prefill) => sweepForm.open(sweepFormPrefill(prefill)),
    'labbook.rerun': async (...args) => {
      for (const run of await runsFor(deps, args, { title: 'Rerun' })) await launcher.rerun(run);
    },
    'labbook.reproduceRun': async (...args) => {
      const only = { test: (run: Run) => run.git.commit !== null, none: 'No run was made in a git repository, so there is none to reproduce.' };
      const [run] = await runsFor(deps, args, { title: 'Reproduce Run', only });
      await reproduceRun(launcher, run, deps.reporter.log);
    },
    'labbook.stop': async (...args) => {
      for (const run of await runsFor(deps, args, { title: 'Stop Run', filter: LIVE })) launcher.stop(run);
    },
    'labbook.openRun': async (...args) => {
      for (const run of await runsFor(deps, args, { title: 'Open Run' })) panels.open(run.id);
    },
    'labbook.previewRun': async (clicked) => {
      const [runId] = runIdsOf([await view.clickedRow(clicked)]);
      if (!runId) throw new Error('Click a run in the Runs view to preview it.');
      panels.open(runId, gesture.opened(runId, Date.now()));
    },
    // Enter's keybinding: the list's own Enter (list.select) opens the focused row, and that open pins.
    'labbook.openFocusedRun': () => {
      gesture.armPin(Date.now());
      return vscode.commands.executeCommand('list.select');
    },
    'labbook.compareRuns': async (...args) => {
      // From the palette or the view's title there is no clicked row: the runs selected in the tree are meant.
      let runs = await runsFor(deps, orSelection(view, args), { title: 'Compare Runs', many: true });
      if (runs.length < 2)
        runs = await pickRuns(store(), view, { title: 'Compare Runs: pick two or more', many: true, preselected: runs.map((run) => run.id) });
      deps.compare.open(runs.map((run) => run.id));
    },
    'labbook.compareSweep': (...args) => {
      const [node] = args;
      if (!isTreeNode(node) || node.kind !== 'sweep') throw new Error('Right-click a sweep in the Runs view to compare its runs.');
      // All the sweep's runs, not only those the view lists.
      deps.compare.open(store().runIds({ filter: `tags.\`${SWEEP_TAG}\` = '${node.group.sweepId}'` }));
    },
    'labbook.openRunsTable': () => deps.runsTable.open(),
    'labbook.showLineage': async (...args) => {
      const [runId] = runIdsOf(args);
      deps.lineage.open(runId ? `run:${runId}` : await pickLineageFocus(store()));
    },
    'labbook.diffRunCode': async (...args) => {
      let runs = await runsFor(deps, args, { title: 'Code Diff Between Runs: pick two', many: true });
      if (runs.length !== 2)
        runs = await pickRuns(store(), view, {
          title: 'Code Diff Between Runs: pick exactly two',
          many: true,
          preselected: runs.map((run) => run.id),
        });
      if (runs.length !== 2) throw new Error(`Pick exactly two runs to diff their code (${runs.length} picked).`);
      // The older run on the left, as a diff reads from before to after.
      const [older, newer] = [...runs].sort((a, b) => a.startTime - b.startTime);
      await deps.codeDiff.diffRuns(store(), [older, newer]);
    },
    // Delete on rows of the Trash deletes them for good (with a confirmation), as in a file manager's trash.
    'labbook.deleteRun': async (...args) => {
      const given = orSelection(view, args);
      if (onlyTrashed(given)) return deletePermanently(host, store(), await trashedRunsFor(deps, given, 'Delete Permanently'));
      moveToTrash(host, store(), await runsFor(deps, given, { title: 'Move Runs to the Trash', many: true }));
    },
    'labbook.restoreRun': async (...args) => restoreFromTrash(host, store(), await trashedRunsFor(deps, args, 'Restore Runs from the Trash')),
    'labbook.deleteRunPermanently': async (...args) => deletePermanently(host, store(), await trashedRunsFor(deps, args, 'Delete Permanently')),
    'labbook.emptyTrash': () => emptyTheTrash(host, store()),
    'labbook.copyRunId': async (...args) => copyRunIds(await runsFor(deps, args, { title: 'Copy Run ID', many: true })),
    'labbook.showConsole': async (...args) => {
      for (const run of await runsFor(deps, args, { title: 'Show Console Output' })) await showConsole(run);
    },
    'labbook.toggleStar': async (...args) => toggleStar(host, store(), await runsFor(deps, args, { title: 'Star Runs', many: true })),
    'labbook.renameRun': async (...args) => {
      for (const run of await runsFor(deps, args, { title: 'Rename Run' })) await renameRun(host, store(), run);
    },
    'labbook.editNote': async (...args) => {
      for (const run of await runsFor(deps, args, { title: 'Edit Note' })) await editNote(host, store(), run);
    },
    'labbook.addTag': async (...args) => addTag(host, store(), await runsFor(deps, args, { title: 'Add Tag', many: true })),
    'labbook.removeTag': async (...args) => {
      for (const run of await runsFor(deps, args, { title: 'Remove Tag' })) await removeTags(host, store(), run);
    },
    'labbook.setPrimaryMetric': (node) => view.pickPrimaryMetric(isTreeNode(node) && node.kind === 'experiment' ? node : undefined),
    'labbook.filterRuns': () => view.editFilter(),
    'labbook.clearFilter': () => view.setFilter(''),
    'labbook.sortRuns': () => view.pickSort(),
    'labbook.refresh': () => {
      host.reset();
      view.changedQuery();
    },
    'labbook.openArtifact': async (item) => openArtifact(store(), artifactRefOf(await view.clickedRow(item))),
    'labbook.revealArtifact': (item) => revealArtifact(store(), artifactRefOf(item)),
    'labbook.openGitPatch': async (item) => {
      const leaf = patchLeafOf(await view.clickedRow(item));
      return openGitPatch(store(), leaf.runId, leaf.patchSha);
    },
    'labbook.openDocs': () => {
      const readme = vscode.Uri.joinPath(context.extensionUri, 'README.md');
      if (!existsSync(readme.fsPath)) throw new Error('This build of Labbook does not include its documentation (README.md).');
      return vscode.commands.executeCommand('markdown.showPreview', readme);
    },
    'labbook.showLog': () => deps.reporter.log.show(),
    'labbook.doctor': () => showDoctor(host, deps.reporter.log),
    'labbook.copyCliPath': () => copyCliPath(deps.cliDir),
    'labbook.runWithParams': (argument) => runWithParams(launcher, host, argument),
    'labbook.copyTrackingUri': () => copyTrackingUri(deps.tracking),
    'labbook.addCiWorkflow': () => addCiWorkflow(host),
  };
}

/** A table of command handlers by command id. */
export type CommandTable = Record<string, (...args: unknown[]) => unknown>;

/** Registers every command of the tables, each wrapped once for error reporting. */
export function registerCommands(reporter: Reporter, ...tables: CommandTable[]): vscode.Disposable[] {
  return tables.flatMap((table) => Object.entries(table).map(([id, handler]) => vscode.commands.registerCommand(id, reporter.wrap(id, handler))));
}
