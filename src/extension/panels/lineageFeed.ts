// Gathers the lineage facts of the newest runs, or of the runs linked to one, from the store (no vscode, so unit
// tests drive it).

import { DVC_INPUTS_TAG, jsonObjectTag } from '../../capture/inputs';
import { buildLineage, lineageSubgraph } from '../../core/lineage';
import type { LineageArtifact, LineageVersion } from '../../core/lineage';
import type { Run } from '../../core/types';
import type { LineageSnapshotMessage } from '../../protocol/lineagePanel';
import { lineageRunIds } from '../../store/lineage';
import { ModelRegistry } from '../../store/registry';
import type { Store } from '../../store/store';

/** Most runs the graph shows (the newest). */
export const LINEAGE_MAX_RUNS = 1000;

/** What the panel shows: every run's lineage, or one node's (`run:<id>` or `version:<name>/<version>`). */
export interface LineageQuery {
  focus?: string | null;
  maxRuns?: number;
}

// The run a focus stands for: the run, or the one that made the model version.
function focusRun(store: Store, registry: ModelRegistry, focus: string): Run {
  const [kind, key] = [focus.slice(0, focus.indexOf(':')), focus.slice(focus.indexOf(':') + 1)];
  if (kind === 'run') return store.getRun(key);
  if (kind !== 'version') throw new Error(`Lineage can be shown for a run or a model version, not '${focus}'.`);
  const slash = key.lastIndexOf('/');
  const version = registry.getVersion(key.slice(0, slash), Number(key.slice(slash + 1)));
  if (!version.runId) throw new Error(`Model ${version.name} v${version.version} was not made by a run, so it has no lineage.`);
  return store.getRun(version.runId);
}

/**
 * The runs to draw and how many were left out: the newest `maxRuns`, or for a focus the runs linked to its run
 * through shared files, however old, nearest first.
 */
function runsToDraw(store: Store, registry: ModelRegistry, focus: string | null, maxRuns: number): { runs: Run[]; omitted: number } {
  if (!focus) {
    const runs = store.listRuns({ limit: maxRuns });
    return { runs, omitted: Math.max(0, store.countRuns() - runs.length) };
  }
  const linked = lineageRunIds(store, focusRun(store, registry, focus).id);
  return { runs: linked.slice(0, maxRuns).map((id) => store.getRun(id)), omitted: Math.max(0, linked.length - maxRuns) };
}

/** The lineage graph of the newest `maxRuns` runs, or of one run or model version, as the panel's snapshot. */
export function lineageSnapshot(store: Store, query: LineageQuery = {}): LineageSnapshotMessage {
  const { focus = null, maxRuns = LINEAGE_MAX_RUNS } = query;
  const registry = new ModelRegistry(store);
  const { runs, omitted } = runsToDraw(store, registry, focus, maxRuns);
  const artifacts: LineageArtifact[] = runs.flatMap((run) => {
    const dvc = jsonObjectTag(store, run.id, DVC_INPUTS_TAG) as Record<string, { md5?: string | null } | undefined>;
    return store.artifacts(run.id).map((a) => {
      const md5 = a.direction === 'input' ? dvc[a.path]?.md5 : undefined;
      return { runId: a.runId, path: a.path, sha256: a.sha256, role: a.role, direction: a.direction, ...(md5 ? { dvcMd5: md5 } : {}) };
    });
  });
  const versions: LineageVersion[] = registry
    .listVersions()
    .map((v) => ({ name: v.name, version: v.version, stage: v.stage, aliases: v.aliases, runId: v.runId }));
  const graph = buildLineage({
    runs: runs.map((run) => ({
      id: run.id,
      name: run.name,
      status: run.status,
      commit: run.git.commit,
      branch: run.git.branch,
      dirty: run.git.dirty,
    })),
    artifacts,
    versions,
  });
  return {
    type: 'lineagePanel/snapshot',
    graph: focus ? lineageSubgraph(graph, focus) : graph,
    focus,
    omittedRuns: omitted,
  };
}
