// Gathers the lineage facts of the newest runs from the store (no vscode, so unit tests drive it).

import { buildLineage } from '../../core/lineage';
import type { LineageArtifact, LineageVersion } from '../../core/lineage';
import type { LineageSnapshotMessage } from '../../protocol/lineagePanel';
import { ModelRegistry } from '../../store/registry';
import type { Store } from '../../store/store';

/** Most runs the graph shows (the newest). */
export const LINEAGE_MAX_RUNS = 1000;

/** The lineage graph of the newest `maxRuns` runs, as the panel's snapshot. */
export function lineageSnapshot(store: Store, maxRuns = LINEAGE_MAX_RUNS): LineageSnapshotMessage {
  const runs = store.listRuns({ limit: maxRuns });
  const artifacts: LineageArtifact[] = runs.flatMap((run) =>
    store.artifacts(run.id).map((a) => ({ runId: a.runId, path: a.path, sha256: a.sha256, role: a.role, direction: a.direction })),
  );
  const versions: LineageVersion[] = new ModelRegistry(store).listVersions().map((v) => ({ name: v.name, version: v.version, stage: v.stage, runId: v.runId }));
  const graph = buildLineage({ runs: runs.map((run) => ({ id: run.id, name: run.name, status: run.status, commit: run.git.commit })), artifacts, versions });
  return { type: 'lineagePanel/snapshot', graph, omittedRuns: Math.max(0, store.countRuns() - runs.length) };
}
