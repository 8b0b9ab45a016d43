import * as vscode from 'vscode';
import { isListening, freePort } from '../capture/debugLaunch';
import { isPythonLaunchConfig, launchConfigCommand } from '../core/commandLine';
import { LABBOOK_DEBUG_TYPE, PYTHON_DEBUG_TYPES, attachConfiguration, attachEndpoint, debugTypeFor } from '../core/debugAttach';
import type { LaunchSpec, Launcher } from './launcher';
import { launchVariables } from './launcher';
import { pythonInterpreter } from './pythonInterpreter';

const LISTEN_TIMEOUT_MS = 30_000;
/** Context key hiding Labbook's own Python debug type from the debugger lists while a Python debugger extension is installed. */
const PYTHON_DEBUGGER_CONTEXT = 'labbook.pythonDebuggerInstalled';

/** Whether another extension contributes the debug type `type`. */
function contributed(type: string): boolean {
  return vscode.extensions.all.some((extension) =>
    ((extension.packageJSON as { contributes?: { debuggers?: { type?: string }[] } }).contributes?.debuggers ?? []).some((d) => d.type === type),
  );
}

/** The debug type that attaches to debugpy: the Python debugger extension's when installed, else Labbook's own. */
export function pythonDebugType(): string {
  return debugTypeFor(contributed);
}

/**
 * Labbook's own debug type: VS Code talks DAP to the adapter `python -m debugpy --listen` started on the run's port.
 * Used when no Python debugger extension is installed.
 */
class DebugpyAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const { host, port } = attachEndpoint(session.configuration);
    return new vscode.DebugAdapterServer(port, host);
  }
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

  /** Registers the `labbook: true` launch attribute, Labbook's own debug type and the session end handling. */
  register(): vscode.Disposable[] {
    const showOwnType = (): Thenable<unknown> =>
      vscode.commands.executeCommand('setContext', PYTHON_DEBUGGER_CONTEXT, pythonDebugType() !== LABBOOK_DEBUG_TYPE);
    void showOwnType();
    return [
      ...PYTHON_DEBUG_TYPES.map((type) => vscode.debug.registerDebugConfigurationProvider(type, this)),
      vscode.debug.registerDebugConfigurationProvider(LABBOOK_DEBUG_TYPE, {
        resolveDebugConfiguration: (folder, config) => this.resolveOwn(folder, config),
      }),
      vscode.debug.registerDebugAdapterDescriptorFactory(LABBOOK_DEBUG_TYPE, new DebugpyAdapterFactory()),
      vscode.extensions.onDidChange(() => void showOwnType()),
      // Interrupt the runner as soon as VS Code asks to stop, before debugpy lets the paused script run on.
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) =>
          session.configuration.labbookSession ? { onWillReceiveMessage: (message: unknown) => this.stopping(session, message) } : undefined,
      }),
      vscode.debug.onDidTerminateDebugSession((session) => this.ended(session)),
    ];
  }

  /** "Debug and Track Current File". */
  async debugCurrentFile(resource?: vscode.Uri): Promise<void> {
    const { folder, config } = await this.currentFileAttach(pythonDebugType(), resource);
    await vscode.debug.startDebugging(folder, config);
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

  /**
   * Labbook's own type: an attach goes straight to debugpy; a launch is always tracked (`labbook: true` implied);
   * F5 without a launch configuration (no request) is Debug and Track Current File.
   */
  private async resolveOwn(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (config.request === 'attach') {
      attachEndpoint(config); // a bad connect is refused here, with a message naming the attribute
      return config;
    }
    if (config.request === undefined) return (await this.currentFileAttach(LABBOOK_DEBUG_TYPE)).config;
    return this.resolveDebugConfiguration(folder, { ...config, labbook: true });
  }

  private async currentFileAttach(
    type: string,
    resource?: vscode.Uri,
  ): Promise<{ folder?: vscode.WorkspaceFolder; config: vscode.DebugConfiguration }> {
    const spec = await this.launcher.currentFileSpec(resource);
    const folder = vscode.workspace.workspaceFolders?.find((f) => spec.cwd === f.uri.fsPath);
    return { folder, config: await this.attachConfig(type, spec, `Debug and Track ${spec.command[1]}`, {}) };
  }

  private async attachConfig(type: string, spec: LaunchSpec, name: string, extra: Record<string, unknown>): Promise<vscode.DebugConfiguration> {
    const port = await freePort();
    const terminal = await this.launcher.launch({ ...spec, debugPort: port });
    await waitForListening(port);
    const session = `labbook-${port}`;
    this.terminals.set(session, terminal);
    return attachConfiguration({ type, name, port, session, extra }) as vscode.DebugConfiguration;
  }

  private stopping(session: vscode.DebugSession, message: unknown): void {
    const { type, command } = message as { type?: string; command?: string };
    if (type === 'request' && (command === 'disconnect' || command === 'terminate')) this.ended(session);
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
