// Gathers the lineage facts of the newest runs from the store (no vscode, so unit tests drive it).

import { buildLineage, lineageSubgraph } from '../../core/lineage';
import type { LineageArtifact, LineageVersion } from '../../core/lineage';
import type { Run } from '../../core/types';
import type { LineageSnapshotMessage } from '../../protocol/lineagePanel';
import { ModelRegistry } from '../../store/registry';
import type { Store } from '../../store/store';

/** Most runs the graph shows (the newest). */
export const LINEAGE_MAX_RUNS = 1000;

/** What the panel shows: every run's lineage, or one node's (`run:<id>` or `version:<name>/<version>`). */
export interface LineageQuery {
  focus?: string | null;
  maxRuns?: number;
}

// The run a focus stands for, so it is part of the graph even when it is older than the newest runs.
function focusRun(store: Store, registry: ModelRegistry, focus: string): Run {
  const [kind, key] = [focus.slice(0, focus.indexOf(':')), focus.slice(focus.indexOf(':') + 1)];
  if (kind === 'run') return store.getRun(key);
  if (kind !== 'version') throw new Error(`Lineage can be shown for a run or a model version, not '${focus}'.`);
  const slash = key.lastIndexOf('/');
  const version = registry.getVersion(key.slice(0, slash), Number(key.slice(slash + 1)));
  if (!version.runId) throw new Error(`Model ${version.name} v${version.version} was not made by a run, so it has no lineage.`);
  return store.getRun(version.runId);
}

/** The lineage graph of the newest `maxRuns` runs (or of the focus in it, its run always included), as the panel's snapshot. */
export function lineageSnapshot(store: Store, query: LineageQuery = {}): LineageSnapshotMessage {
  const { focus = null, maxRuns = LINEAGE_MAX_RUNS } = query;
  const registry = new ModelRegistry(store);
  const runs: Run[] = store.listRuns({ limit: maxRuns });
  const extra = focus ? focusRun(store, registry, focus) : undefined;
  if (extra && !runs.some((run) => run.id === extra.id)) runs.push(extra);
  const artifacts: LineageArtifact[] = runs.flatMap((run) =>
    store.artifacts(run.id).map((a) => ({ runId: a.runId, path: a.path, sha256: a.sha256, role: a.role, direction: a.direction })),
  );
  const versions: LineageVersion[] = registry.listVersions().map((v) => ({ name: v.name, version: v.version, stage: v.stage, aliases: v.aliases, runId: v.runId }));
  const graph = buildLineage({ runs: runs.map((run) => ({ id: run.id, name: run.name, status: run.status, commit: run.git.commit, branch: run.git.branch })), artifacts, versions });
  return {
    type: 'lineagePanel/snapshot',
    graph: focus ? lineageSubgraph(graph, focus) : graph,
    focus,
    omittedRuns: Math.max(0, store.countRuns() - runs.length),
  };
}
