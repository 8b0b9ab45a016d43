// Tracking one command as `labbook run` does; shared by `labbook run` and the queue's worker.
import { runTracked, type RunnerOptions, type RunResult } from '../capture/runner';
import type { TrackingServer } from '../server/trackingServer';
import { startRunServer } from './serveCommand';
import { pythonShimDir, type Workspace } from './workspace';

/** One command to track under the runner, with its own MLflow-compatible server for the run. */
export type TrackSpec = Omit<RunnerOptions, 'store' | 'config' | 'pythonShimDir' | 'childEnv'>;

/** Tracks a command as `labbook run` does (the runner plus a tracking server the script's mlflow calls reach). */
export async function trackCommand(workspace: Workspace, spec: TrackSpec): Promise<RunResult> {
  let server: TrackingServer | undefined;
  try {
    return await runTracked({
      ...spec,
      store: workspace.store,
      config: workspace.config,
      pythonShimDir: pythonShimDir(),
      childEnv: async (runId) => {
        const started = await startRunServer(workspace.store, runId);
        server = started.server;
        return started.env;
      },
    });
  } finally {
    await server?.close();
  }
}
