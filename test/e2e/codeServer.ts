// Runs the code-server that test/e2e/package.json pins (4.100.3 = VS Code 1.100.3, Node 20): a real workbench
// served to a browser, with a real Node extension host. See docs/testing.md.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitUntil } from './waitUntil';

const ENTRY = path.join(__dirname, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const FLAGS = ['--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'];
// code-server reads these before its config file (PORT overrides bind-addr; VSCODE_IPC_HOOK_CLI makes it hand the
// request to another instance), so a test started from a VS Code terminal or with PORT set must not pass them on.
const FOREIGN_ENV = [
  'PORT', 'CODE_SERVER_HOST', 'CODE_SERVER_CONFIG', 'CODE_SERVER_PARENT_PID', 'CODE_SERVER_SESSION_SOCKET',
  'PASSWORD', 'HASHED_PASSWORD', 'VSCODE_IPC_HOOK_CLI', 'VSCODE_PROXY_URI', 'ELECTRON_RUN_AS_NODE',
];
const LISTENING = /HTTP server listening on (http:\/\/\S+?)\/?\s/;

/** Where one code-server instance keeps its state; every test gets fresh ones. */
export interface CodeServerDirs {
  userDataDir: string;
  extensionsDir: string;
  configFile: string;
}

/** A started code-server; `stop` ends its whole process group (extension host, pty host, watchers). */
export interface RunningCodeServer {
  baseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** Throws a clear error when scripts/setup-e2e.sh has not installed test/e2e's packages. */
export function assertCodeServerInstalled(): void {
  if (!existsSync(ENTRY)) throw new Error(`code-server is not installed (${ENTRY}): run bash scripts/setup-e2e.sh`);
}

/** Writes a config that binds to a free loopback port (port 0) with no password and no TLS. */
export function writeCodeServerConfig(configFile: string): void {
  writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
}

/** Installs a .vsix into the extensions dir the way a user would (`code-server --install-extension`). */
export async function installVsix(dirs: CodeServerDirs, vsix: string, timeoutMs: number): Promise<void> {
  const child = spawnCodeServer(dirs, ['--install-extension', vsix], {});
  const output = collectOutput(child);
  const code = await waitForExit(child, timeoutMs);
  if (code !== 0) throw new Error(`installing ${vsix} failed (exit ${code}):\n${output()}`);
}

/** Makes an unpacked extension folder visible to code-server, as `<publisher>.<name>-<version>`. */
export function linkExtensionDir(dirs: CodeServerDirs, extensionDir: string): void {
  const manifest = JSON.parse(readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as Record<string, string>;
  symlinkSync(path.resolve(extensionDir), path.join(dirs.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`));
}

/** Starts code-server in its own process group and resolves once /healthz answers. */
export async function startCodeServer(dirs: CodeServerDirs, env: Record<string, string>, timeoutMs: number): Promise<RunningCodeServer> {
  const child = spawnCodeServer(dirs, FLAGS, env);
  const output = collectOutput(child);
  const killOnExit = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopGroup(child);
  };
  try {
    const baseUrl = await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
      return LISTENING.exec(output())?.[1];
    }, { timeoutMs, what: 'code-server to listen' });
    await waitUntil(async () => ((await fetch(`${baseUrl}/healthz`)).ok ? true : undefined), { timeoutMs, what: `${baseUrl}/healthz` });
    return { baseUrl, output, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\ncode-server output:\n${output()}`);
  }
}

function spawnCodeServer(dirs: CodeServerDirs, args: string[], env: Record<string, string>): ChildProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of FOREIGN_ENV) if (!(name in env)) delete childEnv[name];
  const base = ['--config', dirs.configFile, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir];
  // process.execPath: the Node running the tests is the Node 20 that better-sqlite3 was built for.
  return spawn(process.execPath, [ENTRY, ...base, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
}

function collectOutput(child: ChildProcess): () => string {
  const chunks: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return () => chunks.join('');
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

// SIGTERM lets code-server close its extension host; whatever is left of the group after 5 s is killed.
async function stopGroup(child: ChildProcess): Promise<void> {
  killGroup(child, 'SIGTERM');
  try {
    await waitForExit(child, 5000);
  } catch {
    // waitForExit already sent SIGKILL to the group.
  }
  killGroup(child, 'SIGKILL');
}
