import { parseArgs } from 'node:util';
import { trackNotebookSession } from '../capture/notebookSession';
import type { TrackingServer } from '../server/trackingServer';
import { startRunServer } from './serveCommand';
import { openWorkspace, pythonShimDir } from './workspace';

/**
 * The Python line that turns tracking on in a kernel, given the settings `labbook notebook` printed. It puts Labbook's
 * python/ folder on the kernel's path itself (last, so it shadows nothing), as a kernel started elsewhere lacks it.
 */
export function trackLine(settings: Record<string, string>, pythonDir: string): string {
  const dir = JSON.stringify(pythonDir); // a JSON string is a valid Python string literal
  return `import sys; ${dir} in sys.path or sys.path.append(${dir}); import labbook.notebook; labbook.notebook.track(${JSON.stringify(settings)})`;
}

/**
 * `labbook notebook`: creates a run for a Jupyter kernel session and prints one JSON line (`runId`, `settings`,
 * and `code`, the line to run in the kernel); then records the session until the kernel shuts down, the kernel
 * dies (CRASHED) or this process gets SIGINT/SIGTERM (Stop Tracking: FINISHED).
 */
export async function notebookCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { experiment: { type: 'string', short: 'e' }, name: { type: 'string', short: 'n' }, notebook: { type: 'string' } },
    strict: true,
  });
  const workspace = await openWorkspace(process.cwd(), { create: true });
  for (const warning of workspace.warnings) process.stderr.write(`labbook: warning: ${warning}\n`);
  let server: TrackingServer | undefined;
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const result = await trackNotebookSession({
    store: workspace.store,
    cwd: process.cwd(),
    config: workspace.config,
    experiment: values.experiment,
    name: values.name,
    notebook: values.notebook,
    stopped,
    serverEnv: async (runId) => {
      const started = await startRunServer(workspace.store, runId);
      server = started.server;
      return started.env;
    },
    onReady: (runId, settings) => process.stdout.write(`${JSON.stringify({ runId, settings, code: trackLine(settings, pythonShimDir()) })}\n`),
  });
  await server?.close();
  for (const warning of result.warnings) process.stderr.write(`labbook: warning: ${warning}\n`);
  process.stderr.write(`labbook: notebook run ${result.status.toLowerCase()} (${result.runId.slice(0, 8)})\n`);
  workspace.store.close();
  return 0;
}
