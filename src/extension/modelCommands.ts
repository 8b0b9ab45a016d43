// The Models view's commands, in one table. They take the clicked version row (with the view's selection), a
// run or artifact row of the Runs view (Register Model), or nothing, in which case they ask.

import * as vscode from 'vscode';
import { relativeTime } from '../core/format';
import { ModelRegistry } from '../store/registry';
import { requireStore, runIdsOf, runsFor, type CommandDeps, type CommandTable } from './commands';
import { Cancelled } from './errors';
import { compareLiveInputs } from './liveDrift';
import { archiveVersions, deleteVersions, promoteVersion, registerModel, removeAlias, setAlias, versionsOf } from './modelActions';
import { editModelCard, openModelCard } from './modelCards';
import type { ModelsView, VersionNode } from './modelsView';
import type { DriftPanel } from './panels/driftPanel';

/** What the model commands work with. */
export interface ModelCommandDeps extends Pick<CommandDeps, 'host' | 'view' | 'panels' | 'lineage' | 'compare'> {
  models: ModelsView;
  drift: DriftPanel;
}

/** The artifact of a Runs view row, when the command came from an artifact's context menu. */
function artifactOf(value: unknown): { runId: string; path: string } | undefined {
  const artifact = (value as { kind?: string; artifact?: { runId: string; path: string; direction: string } } | undefined)?.artifact;
  return artifact?.direction === 'output' ? { runId: artifact.runId, path: artifact.path } : undefined;
}

async function pickVersions(deps: ModelCommandDeps, title: string, many = false): Promise<VersionNode[]> {
  const versions = new ModelRegistry(requireStore(deps.host)).listVersions();
  if (versions.length === 0) throw new Error('There are no registered models yet. Register one from a run: right-click it in the Runs view.');
  const now = Date.now();
  const items = versions.map((version) => ({
    label: `${version.name} version ${version.version}`,
    description: [version.stage, ...version.aliases.map((alias) => `@${alias}`), relativeTime(version.createdAt, now)].join(' · '),
    node: {
      kind: 'modelVersion',
      name: version.name,
      version: version.version,
      stage: version.stage,
      aliases: version.aliases,
      runId: version.runId,
    } as VersionNode,
  }));
  const picked = many
    ? await vscode.window.showQuickPick(items, { title, canPickMany: true, matchOnDescription: true })
    : await vscode.window.showQuickPick(items, { title, matchOnDescription: true }).then((item) => (item ? [item] : undefined));
  if (!picked?.length) throw new Cancelled();
  return picked.map((item) => item.node);
}

/** The versions a command acts on: the clicked row (with the selection), else the ones the user picks. */
async function versionsFor(deps: ModelCommandDeps, clicked: unknown, title: string, many = false): Promise<VersionNode[]> {
  const given = versionsOf(clicked, deps.models.selectedVersions());
  return given.length ? given : pickVersions(deps, title, many);
}

async function versionFor(deps: ModelCommandDeps, clicked: unknown, title: string): Promise<VersionNode> {
  const [version] = await versionsFor(deps, clicked, title);
  return version;
}

function sourceRunOf(version: VersionNode): string {
  if (!version.runId) throw new Error(`${version.name} version ${version.version} has no source run in this store.`);
  return version.runId;
}

/** The Models view's commands by id. */
export function modelCommandTable(deps: ModelCommandDeps): CommandTable {
  const store = () => requireStore(deps.host);
  // The store only notices other connections' commits, so the views are told of this window's own writes.
  const writing =
    (action: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]): Promise<void> => {
      try {
        await action(...args);
      } finally {
        deps.host.wroteHere();
      }
    };
  return {
    'labbook.registerModel': writing(async (...args) => {
      const artifact = artifactOf(args[0]);
      const runId = artifact?.runId ?? (runIdsOf(args)[0] || (await runsFor(deps, [], { title: 'Register Model: pick a run' }))[0].id);
      const registered = await registerModel(store(), { runId, path: artifact?.path });
      await deps.models.reveal(registered);
    }),
    'labbook.promoteToStaging': writing(async (clicked) => promoteVersion(store(), await versionFor(deps, clicked, 'Promote to Staging'), 'Staging')),
    'labbook.promoteToProduction': writing(async (clicked) =>
      promoteVersion(store(), await versionFor(deps, clicked, 'Promote to Production'), 'Production'),
    ),
    'labbook.transitionModelStage': writing(async (clicked) => promoteVersion(store(), await versionFor(deps, clicked, 'Move Version to Stage'))),
    'labbook.archiveModelVersion': writing(async (clicked) => archiveVersions(store(), await versionsFor(deps, clicked, 'Archive Versions', true))),
    'labbook.setModelAlias': writing(async (clicked) => setAlias(store(), await versionFor(deps, clicked, 'Set Alias'))),
    'labbook.removeModelAlias': writing(async (clicked) => removeAlias(store(), await versionFor(deps, clicked, 'Remove Alias'))),
    'labbook.deleteModelVersion': writing(async (clicked) => deleteVersions(store(), await versionsFor(deps, clicked, 'Delete Versions', true))),
    'labbook.openModelCard': async (clicked) => openModelCard(await versionFor(deps, clicked, 'Open Model Card')),
    'labbook.editModelCard': writing(async (clicked) => editModelCard(deps.host, await versionFor(deps, clicked, 'Edit Model Card'))),
    'labbook.openModelSourceRun': async (clicked) => deps.panels.open(sourceRunOf(await versionFor(deps, clicked, 'Open Source Run'))),
    'labbook.showModelLineage': async (clicked) => {
      const version = await versionFor(deps, clicked, 'Show Lineage');
      deps.lineage.open(`version:${version.name}/${version.version}`);
    },
    'labbook.compareLiveInputs': async (clicked) =>
      compareLiveInputs(deps, await versionFor(deps, clicked, 'Compare Live Inputs with Training Data')),
    'labbook.compareModelVersions': async (clicked) => {
      let versions = await versionsFor(deps, clicked, 'Compare Versions', true);
      if (versions.length < 2) versions = await pickVersions(deps, 'Compare Versions: pick two or more', true);
      if (versions.length < 2) throw new Error('Pick two or more versions to compare their source runs.');
      deps.compare.open([...new Set(versions.map(sourceRunOf))]);
    },
  };
}
