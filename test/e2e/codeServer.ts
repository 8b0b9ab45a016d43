// Runs one of the two code-servers the e2e tests know, chosen by LABBOOK_CODE_SERVER (default 4.100.3):
//   4.100.3 = VS Code 1.100.3, from test/e2e/node_modules, run by the Node running the tests (the system Node 20);
//   4.139.1 = VS Code 1.139.1, from test/e2e/current/node_modules, run by the project-local Node 24 (it needs 24).
// Either way a real workbench is served to a browser, with a real Node extension host. See docs/testing.md.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitUntil } from './waitUntil';

/** A code-server the tests can run: where its entry point is, and which Node runs it. */
export interface CodeServerFlavour {
  version: string;
  entry: string;
  node: string;
  /** The command that installs it. */
  setup: string;
}

const REPO = path.resolve(__dirname, '..', '..');
const entryIn = (folder: string): string => path.join(folder, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const FLAVOURS: Record<string, CodeServerFlavour> = {
  // process.execPath: the Node running the tests is the Node 20 that 4.100.3 and the root node_modules are built for.
  '4.100.3': { version: '4.100.3', entry: entryIn(__dirname), node: process.execPath, setup: 'bash scripts/setup-e2e.sh' },
  '4.139.1': {
    version: '4.139.1',
    entry: entryIn(path.join(__dirname, 'current')),
    node: path.join(REPO, '.cache', 'node24', 'bin', 'node'), // scripts/setup-node24.sh
    setup: 'bash scripts/setup-e2e.sh 4.139.1',
  },
};

/** The code-server LABBOOK_CODE_SERVER names (4.100.3 when unset); throws on a version the tests do not know. */
export function codeServerFlavour(): CodeServerFlavour {
  const version = process.env.LABBOOK_CODE_SERVER || '4.100.3';
  const flavour = FLAVOURS[version];
  if (!flavour) throw new Error(`LABBOOK_CODE_SERVER=${version}: expected one of ${Object.keys(FLAVOURS).join(', ')}`);
  return flavour;
}

const FLAGS = ['--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'];
// code-server reads these before its config file (PORT overrides bind-addr; VSCODE_IPC_HOOK_CLI makes it hand the
// request to another instance), so a test started from a VS Code terminal or with PORT set must not pass them on.
const FOREIGN_ENV = [
  'PORT',
  'CODE_SERVER_HOST',
  'CODE_SERVER_CONFIG',
  'CODE_SERVER_PARENT_PID',
  'CODE_SERVER_SESSION_SOCKET',
  'PASSWORD',
  'HASHED_PASSWORD',
  'VSCODE_IPC_HOOK_CLI',
  'VSCODE_PROXY_URI',
  'ELECTRON_RUN_AS_NODE',
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

/** Throws a clear error when scripts/setup-e2e.sh has not installed the chosen code-server or its Node. */
export function assertCodeServerInstalled(): void {
  const { version, entry, node, setup } = codeServerFlavour();
  for (const file of [entry, node]) {
    if (!existsSync(file)) throw new Error(`code-server ${version} is not installed (${file} is missing): run ${setup}`);
  }
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
    const baseUrl = await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
        return LISTENING.exec(output())?.[1];
      },
      { timeoutMs, what: 'code-server to listen' },
    );
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
  const { entry, node } = codeServerFlavour();
  return spawn(node, [entry, ...base, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
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
