// Where a run stands against one remote, for the editor's Remotes view and the Runs tree: decided from the run's
// origin tag, the sync ledger and the run as push would send it, so "changed since push" means exactly "a push
// would send something".
import type { Store } from '../store/store';
import type { Ledger } from './ledger';
import { isEmptyPlan, planPush } from './plan';
import type { LocalRunState, RunLedger } from './plan';
import { localState } from './push';

/** A run's sync state against one remote. */
export type SyncState = 'local' | 'pushed' | 'changed' | 'pulled';

/** What a run's sync state is decided from. */
export interface SyncFacts {
  /** The run's `labbook.origin` tag: the URL it was pulled from, when it was pulled and not adopted. */
  origin: string | undefined;
  /** The ledger of the run for this remote, when it was pushed or pulled there. */
  ledger: RunLedger | undefined;
  /** The run as a push would send it (read only for runs of this store that have a ledger). */
  local: () => LocalRunState;
}

/**
 * The sync state of a run against the remote at `url`, or undefined for a run pulled from another remote (a push
 * leaves it out, so it has no state here).
 */
export function syncState(url: string, facts: SyncFacts): SyncState | undefined {
  if (facts.origin !== undefined) return facts.origin === url ? 'pulled' : undefined;
  if (!facts.ledger?.remoteRunId) return 'local';
  return isEmptyPlan(planPush(facts.local(), facts.ledger)) ? 'pushed' : 'changed';
}

/** The sync states of runs of `store` against the remote whose ledger is `ledger`, by run id. */
export function syncStates(store: Store, ledger: Ledger, runIds: readonly string[]): Map<string, SyncState> {
  const states = new Map<string, SyncState>();
  for (const runId of runIds) {
    const state = syncState(ledger.url, {
      origin: store.originOf(runId),
      ledger: ledger.get(runId),
      local: () => localState(store, store.getRun(runId)),
    });
    if (state) states.set(runId, state);
  }
  return states;
}

/** How many runs are in each state. */
export function countStates(states: ReadonlyMap<string, SyncState>): Record<SyncState, number> {
  const counts: Record<SyncState, number> = { local: 0, pushed: 0, changed: 0, pulled: 0 };
  for (const state of states.values()) counts[state]++;
  return counts;
}
