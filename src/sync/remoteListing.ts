// What a remote holds, for the editor's Remotes view: its experiments and newest runs (one experiments/search and
// one runs/search), and the pure merge of that listing with the workspace's runs and their sync states, so runs
// never pulled show as "remote only" beside the ones here.
import type { MlflowClient } from './client';
import { remoteExperiments, searchRuns } from './pull';
import { RUN_ID_TAG } from './remoteRuns';
import type { SyncState } from './syncState';

/** A run on a remote as the Remotes view lists it. */
export interface RemoteRun {
  id: string;
  name: string;
  status: string;
  startTime: number;
  /** Its `labbook.run_id` tag: the id it has in the store it was pushed from. */
  labbookRunId?: string;
}

/** An experiment on a remote with its newest runs. */
export interface RemoteExperiment {
  id: string;
  name: string;
  runs: RemoteRun[];
}

/** The remote's experiments, each with its runs among the newest `maxRuns` of the whole remote. */
export async function listRemote(client: MlflowClient, maxRuns = 200): Promise<RemoteExperiment[]> {
  const names = await remoteExperiments(client, undefined);
  const experiments = new Map([...names].map(([id, name]): [string, RemoteExperiment] => [id, { id, name, runs: [] }]));
  for await (const run of searchRuns(client, [...names.keys()], { max: maxRuns })) {
    experiments.get(run.info.experiment_id)?.runs.push({
      id: run.info.run_id,
      name: run.info.run_name || run.info.run_id.slice(0, 8),
      status: run.info.status ?? 'FINISHED',
      startTime: Number(run.info.start_time ?? 0),
      labbookRunId: run.data?.tags?.find((tag) => tag.key === RUN_ID_TAG)?.value,
    });
  }
  return [...experiments.values()];
}

/** A run row under a remote's experiment: a run of this workspace with its state, or a run only on the remote. */
export interface TreeRun {
  /** The local id, or the remote id for a run only there. */
  id: string;
  name: string;
  state: SyncState | 'remote';
}

/** An experiment row under a remote: `onRemote` is false for an experiment that only has local runs so far. */
export interface TreeExperiment {
  name: string;
  onRemote: boolean;
  runs: TreeRun[];
}

/** A workspace run as the merge needs it. */
export interface LocalRun {
  id: string;
  name: string;
  experimentName: string;
}

/**
 * The Remotes view's experiments of one remote: the remote's (from `listing`, when it has been read) and those of
 * local runs with a state there, each with the local runs (in the given order) and then the remote's runs no local
 * run stands for: neither pulled (its id is a run here) nor pushed from here (its `labbook.run_id` tag is one).
 */
export function remoteTree(
  listing: readonly RemoteExperiment[] | undefined,
  locals: readonly LocalRun[],
  states: ReadonlyMap<string, SyncState>,
  /** Whether the store has a run of this id (all of it, not only `locals`). */
  isHere: (runId: string) => boolean,
): TreeExperiment[] {
  const experiments = new Map<string, TreeExperiment>();
  const experiment = (name: string, onRemote: boolean): TreeExperiment => {
    let found = experiments.get(name);
    if (!found) experiments.set(name, (found = { name, onRemote, runs: [] }));
    found.onRemote ||= onRemote;
    return found;
  };
  for (const remote of listing ?? []) experiment(remote.name, true);
  for (const run of locals) {
    const state = states.get(run.id);
    if (state) experiment(run.experimentName, state !== 'local').runs.push({ id: run.id, name: run.name, state });
  }
  for (const remote of listing ?? []) {
    const known = (run: RemoteRun): boolean => isHere(run.id) || (!!run.labbookRunId && isHere(run.labbookRunId));
    for (const run of remote.runs) if (!known(run)) experiment(remote.name, true).runs.push({ id: run.id, name: run.name, state: 'remote' });
  }
  return [...experiments.values()];
}
