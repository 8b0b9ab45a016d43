// Which run a launch from this window became: the runner names and records the run itself, so the window knows a
// launch only by its command, directory and time until the run appears in the store.

import type { Run } from './types';

/** A command this window started and has not yet matched with its run. */
export interface PendingLaunch {
  argv: readonly string[];
  cwd: string;
  /** When it was launched (ms since epoch). */
  at: number;
}

/** Index of the pending launch `run` comes from (same command and directory, started since), or -1. */
export function launchOf(pending: readonly PendingLaunch[], run: Pick<Run, 'argv' | 'cwd' | 'startTime'>): number {
  const argv = JSON.stringify(run.argv);
  return pending.findIndex((launch) => launch.cwd === run.cwd && run.startTime >= launch.at && JSON.stringify(launch.argv) === argv);
}
