// `labbook serve` (the built CLI) as a child process in a workspace folder, for the HTTP benchmarks.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

/** A listening `labbook serve`. */
export interface LabbookServe {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `labbook serve --port 0` in `cwd` (its store goes to cwd/.labbook); resolves with its URL once it listens.
 * `cli` is this tree's build unless another is given (cli.js of a copy of an earlier dist/, to compare two builds).
 * LABBOOK_BENCH_NODE_ARGS adds Node flags to it, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the server.
 */
export function startLabbookServe(cwd: string, cli = CLI): Promise<LabbookServe> {
  const nodeArgs = process.env.LABBOOK_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve', '--port', '0'], {
    cwd,
    env: { ...process.env, LABBOOK_DIR: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /MLFLOW_TRACKING_URI=(\S+)/.exec(out)?.[1];
      if (url) resolve({ url, stop });
    });
    child.on('error', reject);
    void exited.then(() => reject(new Error(`labbook serve exited before listening: ${out}`)));
  });
}
