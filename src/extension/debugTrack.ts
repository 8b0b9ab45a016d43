import * as vscode from 'vscode';
import { isListening, freePort } from '../capture/debugLaunch';
import { isPythonLaunchConfig, launchConfigCommand } from '../core/commandLine';
import type { LaunchSpec, Launcher } from './launcher';
import { launchVariables } from './launcher';
import { pythonInterpreter } from './pythonInterpreter';

/** Debug types that attach to debugpy: the Python Debugger extension's, then the older Python extension's. */
const PYTHON_DEBUG_TYPES = ['debugpy', 'python'];
const NO_DEBUGGER =
  'Debug and Track needs a Python debugger in VS Code: install the "Python Debugger" extension (ms-python.debugpy). Without it, run `labbook run --debug -- python file.py` in a terminal and attach any debugpy client to the port it prints.';
const LISTEN_TIMEOUT_MS = 30_000;

/** The installed debug type that can attach to debugpy, if any. */
export function pythonDebugType(): string | undefined {
  const contributed = (type: string): boolean =>
    vscode.extensions.all.some((extension) =>
      ((extension.packageJSON as { contributes?: { debuggers?: { type?: string }[] } }).contributes?.debuggers ?? []).some((d) => d.type === type),
    );
  return PYTHON_DEBUG_TYPES.find(contributed);
}

/**
 * Debug and Track: the runner starts the script under debugpy (`labbook run --debug-port P`), so the run is
 * recorded exactly as under Run and Track, and VS Code's Python debugger attaches to it. Ending the debug session
 * interrupts the runner (Ctrl-C in its terminal), so the run ends KILLED.
 */
export class DebugTracker implements vscode.DebugConfigurationProvider {
  private readonly terminals = new Map<string, vscode.Terminal>();

  constructor(
    private readonly launcher: Launcher,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Registers the `labbook: true` launch attribute and the session end handling. */
  register(): vscode.Disposable[] {
    return [
      ...PYTHON_DEBUG_TYPES.map((type) => vscode.debug.registerDebugConfigurationProvider(type, this)),
      vscode.debug.onDidTerminateDebugSession((session) => this.ended(session)),
    ];
  }

  /** "Debug and Track Current File". */
  async debugCurrentFile(resource?: vscode.Uri): Promise<void> {
    const type = requireDebugType();
    const spec = await this.launcher.currentFileSpec(resource);
    const folder = vscode.workspace.workspaceFolders?.find((f) => spec.cwd === f.uri.fsPath);
    await vscode.debug.startDebugging(folder, await this.attachConfig(type, spec, `Debug and Track ${spec.command[1]}`, {}));
  }

  /** A launch configuration with `labbook: true` becomes an attach to the same program started by the runner. */
  async resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (config.labbook !== true) return config;
    const name = String(config.name);
    if (!isPythonLaunchConfig(config))
      throw new Error(`"labbook": true works on Python launch configurations ("request": "launch"); "${name}" is not one.`);
    const home = folder ?? vscode.workspace.workspaceFolders?.[0];
    if (!home) throw new Error('Open a folder first: Labbook keeps runs in the workspace folder.');
    const command = launchConfigCommand(config, await pythonInterpreter(home.uri, this.log), launchVariables(home));
    const spec: LaunchSpec = { command: command.argv, cwd: command.cwd, env: command.env, experiment: this.launcher.experiment() };
    return this.attachConfig(config.type, spec, name, { justMyCode: config.justMyCode, pathMappings: config.pathMappings });
  }

  private async attachConfig(type: string, spec: LaunchSpec, name: string, extra: Record<string, unknown>): Promise<vscode.DebugConfiguration> {
    const port = await freePort();
    const terminal = await this.launcher.launch({ ...spec, debugPort: port });
    await waitForListening(port);
    const key = `labbook-${port}`;
    this.terminals.set(key, terminal);
    return { type, request: 'attach', name, connect: { host: '127.0.0.1', port }, labbookSession: key, ...extra };
  }

  private ended(session: vscode.DebugSession): void {
    const key = session.configuration.labbookSession as string | undefined;
    const terminal = key && this.terminals.get(key);
    if (!terminal) return;
    this.terminals.delete(key);
    // Ctrl-C reaches the runner, which stops the script and records KILLED; after a finished run it closes the terminal.
    terminal.sendText('\x03', false);
  }
}

function requireDebugType(): string {
  const type = pythonDebugType();
  if (!type) throw new Error(NO_DEBUGGER);
  return type;
}

/** Waits until debugpy listens (where that can be seen; elsewhere a short grace). */
async function waitForListening(port: number): Promise<void> {
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    const listening = isListening(port);
    if (listening === undefined) return new Promise((resolve) => setTimeout(resolve, 2000));
    if (listening) return;
    if (Date.now() > deadline)
      throw new Error(`The script did not start its debugger on port ${port} within ${LISTEN_TIMEOUT_MS / 1000} s; see its terminal.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
