import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isLoopback } from '../server/crossSite';
import { startTrackingServer, type TrackingServer } from '../server/trackingServer';
import type { Store } from '../store/store';
import { HistoryFetcher, originClient } from '../sync/lazyHistory';
import { CliError, openWorkspace } from './workspace';

/** Environment that points an mlflow client in a child process at a tracking server. */
export function mlflowEnv(server: TrackingServer, token: string | undefined): Record<string, string> {
  return {
    MLFLOW_TRACKING_URI: server.url,
    ...(token ? { MLFLOW_TRACKING_TOKEN: token } : {}),
    MLFLOW_DISABLE_TELEMETRY: 'true',
  };
}

// The built checkpoint worker beside this bundle (dist/cli.js), for the processes that serve MLflow clients.
const CHECKPOINT_WORKER = join(__dirname, 'checkpointWorker.js');

/** Starts the per-run server a tracked command's mlflow client logs into; it adopts the runner's run. */
export async function startRunServer(store: Store, runId: string): Promise<{ server: TrackingServer; env: Record<string, string> }> {
  const token = randomBytes(24).toString('hex');
  // Its notes (which run it adopted) are for debugging; the training output stays the user's.
  const log = process.env.LABBOOK_DEBUG ? (line: string) => process.stderr.write(`labbook: ${line}\n`) : () => undefined;
  const server = await startTrackingServer({ store, adoptRunId: runId, token, log, checkpointWorker: CHECKPOINT_WORKER });
  return { server, env: mlflowEnv(server, token) };
}

/** `labbook serve`: a long-lived MLflow-compatible tracking server over the workspace store. */
export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string', short: 'p', default: '5000' }, host: { type: 'string', default: '127.0.0.1' }, token: { type: 'string' } },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port takes a port number, got '${values.port}'.`, 2);
  const token = values.token ?? process.env.MLFLOW_TRACKING_TOKEN;
  if (!isLoopback(values.host) && !token)
    throw new CliError(`Serving on ${values.host} exposes your runs to the network: give --token (clients send it as MLFLOW_TRACKING_TOKEN).`, 2);
  const workspace = await openWorkspace(process.cwd(), { create: true });
  const log = (line: string): void => void process.stderr.write(`labbook: ${line}\n`);
  // A pulled run's large history is fetched from its remote the first time a client asks for it.
  const histories = new HistoryFetcher(workspace.store, (url) => originClient(workspace.root, url));
  const server = await startTrackingServer({
    store: workspace.store,
    host: values.host,
    port,
    token,
    log,
    beforeHistory: (runId, key) => histories.fetch(runId, [key]),
    checkpointWorker: CHECKPOINT_WORKER,
  });
  process.stdout.write(
    `Labbook tracking server for ${workspace.store.dir}\n  export MLFLOW_TRACKING_URI=${server.url}\n${token ? '  export MLFLOW_TRACKING_TOKEN=<your token>\n' : ''}Press Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  workspace.store.close();
  return 0;
}
