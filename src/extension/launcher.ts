import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import * as vscode from 'vscode';
import {
  isPythonLaunchConfig,
  joinCommandLine,
  launchConfigCommand,
  parseRecentCommands,
  rememberCommand,
  runnerArgs,
  splitCommandLine,
  terminalName,
  type LaunchVariables,
  type RunnerFlags,
} from '../core/commandLine';
import { isLiveStatus, type Run } from '../core/types';
import { Cancelled } from './errors';
import { pythonInterpreter } from './pythonInterpreter';
import type { RunEndNotifier } from './runEndNotifier';
import type { StoreHost } from './storeHost';

/** A command to run as a tracked run. */
export interface LaunchSpec extends RunnerFlags {
  command: string[];
  cwd: string;
  env?: Record<string, string>;
}

const RECENT_KEY = 'labbook.recentCommands';
const UNTRUSTED_MESSAGE =
  'Labbook does not start commands in Restricted Mode: this workspace is not trusted. Runs can still be viewed. Trust the workspace to run and track.';

/** Throws with a clear message (and offers to manage trust) when the workspace is not trusted. */
export function requireTrust(): void {
  if (vscode.workspace.isTrusted) return;
  void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  throw new Cancelled();
}

/**
 * Starts tracked runs. Every run goes through the bundled runner (`dist/cli.js run`) on the extension host's
 * own Node, in a terminal of its own, so the run belongs to the runner rather than to this window: a window
 * reload neither kills nor loses it. The terminal's process is dist/runInTerminal.js, which keeps the terminal
 * and its output open after the run until a key is pressed.
 */
export class Launcher {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: StoreHost,
    private readonly log: vscode.LogOutputChannel,
    private readonly ends: RunEndNotifier,
  ) {}

  /** Path of the bundled runner. */
  get cliPath(): string {
    return this.context.asAbsolutePath('dist/cli.js');
  }

  private get terminalProgram(): string {
    return this.context.asAbsolutePath('dist/runInTerminal.js');
  }

  /** Environment every runner gets: Electron as plain Node, and the store this window shows. */
  runnerEnv(extra: Record<string, string> = {}): Record<string, string> {
    const dir = this.host.dir();
    return { ...extra, ELECTRON_RUN_AS_NODE: '1', ...(dir ? { LABBOOK_DIR: dir } : {}) };
  }

  /** Opens a terminal running the command under the runner, and remembers the command line. */
  async launch(spec: LaunchSpec): Promise<vscode.Terminal> {
    requireTrust();
    for (const file of [this.cliPath, this.terminalProgram]) {
      if (!existsSync(file)) throw new Error(`The Labbook runner is missing from this installation (${file}). Reinstall Labbook.`);
    }
    if (!existsSync(spec.cwd)) throw new Error(`The working directory ${spec.cwd} does not exist.`);
    const shellArgs = runnerArgs(this.cliPath, spec, spec.command);
    // Open (creating) the store now so the view follows the run from its first row.
    this.host.open(true);
    const terminal = vscode.window.createTerminal({
      name: terminalName(spec.command),
      shellPath: process.execPath,
      shellArgs: [this.terminalProgram, ...shellArgs],
      cwd: spec.cwd,
      env: this.runnerEnv(spec.env),
      iconPath: new vscode.ThemeIcon('beaker'),
    });
    terminal.show(true);
    this.ends.launched(spec.command, spec.cwd);
    this.log.info(`Launched in ${spec.cwd}: ${joinCommandLine(spec.command)}`);
    await this.context.workspaceState.update(RECENT_KEY, rememberCommand(this.recent(), { argv: spec.command, cwd: spec.cwd }));
    return terminal;
  }

  /** Opens a terminal running `labbook sweep <args>` in the workspace folder; Ctrl-C in it stops the sweep. */
  launchSweep(args: readonly string[]): vscode.Terminal {
    requireTrust();
    const cwd = this.folder().uri.fsPath;
    this.host.open(true);
    const terminal = vscode.window.createTerminal({
      name: 'Labbook: sweep',
      shellPath: process.execPath,
      shellArgs: [this.terminalProgram, this.cliPath, 'sweep', ...args],
      cwd,
      env: this.runnerEnv(),
      iconPath: new vscode.ThemeIcon('symbol-array'),
    });
    terminal.show(true);
    this.log.info(`Sweep launched in ${cwd}: labbook sweep ${joinCommandLine(args)}`);
    return terminal;
  }

  /** The command line that runs the active Python file (relative to its folder), or '' when none is open. */
  async currentFileCommand(): Promise<string> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== 'python' || document.uri.scheme !== 'file') return '';
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const file = folder ? relative(folder.uri.fsPath, document.uri.fsPath) : document.uri.fsPath;
    return joinCommandLine([await pythonInterpreter(document.uri, this.log), file]);
  }

  private recent(): ReturnType<typeof parseRecentCommands> {
    return parseRecentCommands(this.context.workspaceState.get(RECENT_KEY));
  }

  /** Runs the active Python file (or `resource`) with the chosen interpreter and `args`, from its workspace folder. */
  async runCurrentFile(resource?: vscode.Uri, args: readonly string[] = []): Promise<void> {
    await this.launch({ ...(await this.currentFileSpec(resource, args)), experiment: this.experiment() });
  }

  /** The command that runs the active Python file (or `resource`), saved first, from its workspace folder. */
  async currentFileSpec(resource?: vscode.Uri, args: readonly string[] = []): Promise<LaunchSpec> {
    requireTrust();
    const document = resource ? await vscode.workspace.openTextDocument(resource) : vscode.window.activeTextEditor?.document;
    if (!document) throw new Error('Open a Python file to run and track it.');
    if (document.uri.scheme !== 'file') throw new Error('Only files saved on disk can be run and tracked.');
    if (document.languageId !== 'python')
      throw new Error(`Run and Track Current File runs Python files; use "Labbook: Run and Track…" for other commands.`);
    if (document.isDirty && !(await document.save())) throw new Error('The file could not be saved, so it was not run.');
    const folder = vscode.workspace.getWorkspaceFolder(document.uri) ?? vscode.workspace.workspaceFolders?.[0];
    const cwd = folder?.uri.fsPath ?? document.uri.fsPath.replace(/[\\/][^\\/]*$/, '');
    const file = relative(cwd, document.uri.fsPath);
    const script = file.startsWith('..') || isAbsolute(file) ? document.uri.fsPath : file;
    return { command: [await pythonInterpreter(document.uri, this.log), script, ...args], cwd, experiment: this.experiment() };
  }

  /** The experiment new runs go to (setting labbook.launch.experiment), if set. */
  experiment(): string | undefined {
    return vscode.workspace.getConfiguration('labbook').get<string>('launch.experiment')?.trim() || undefined;
  }

  private folder(): vscode.WorkspaceFolder {
    const active = vscode.window.activeTextEditor?.document.uri;
    const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new Error('Open a folder first: Labbook keeps runs in the workspace folder.');
    return folder;
  }

  /** Picks a recent command line, a Python launch configuration, or a typed command line, and runs it. */
  async runAndTrack(): Promise<void> {
    requireTrust();
    const folder = this.folder();
    const spec = await this.pickCommand(folder);
    await this.launch({ ...spec, experiment: spec.experiment ?? this.experiment() });
  }

  /** Picks a command as Run and Track does, for the queue rather than a terminal. */
  async pickForQueue(): Promise<LaunchSpec> {
    requireTrust();
    const spec = await this.pickCommand(this.folder());
    return { ...spec, experiment: spec.experiment ?? this.experiment() };
  }

  /** Opens a terminal running `labbook queue worker` on this window's store; it outlives a window reload. */
  startQueueWorker(): vscode.Terminal {
    requireTrust();
    if (!existsSync(this.cliPath)) throw new Error(`The Labbook CLI is missing from this installation (${this.cliPath}). Reinstall Labbook.`);
    this.host.open(true);
    const terminal = vscode.window.createTerminal({
      name: 'Labbook Queue Worker',
      shellPath: process.execPath,
      shellArgs: [this.cliPath, 'queue', 'worker'],
      cwd: this.folder().uri.fsPath,
      env: this.runnerEnv(),
      iconPath: new vscode.ThemeIcon('list-ordered'),
    });
    terminal.show(true);
    this.log.info('Started a queue worker (labbook queue worker) in a terminal.');
    return terminal;
  }

  private async launchConfigItems(folder: vscode.WorkspaceFolder): Promise<CommandItem[]> {
    const configs = vscode.workspace.getConfiguration('launch', folder.uri).get<unknown[]>('configurations') ?? [];
    const python = configs.filter(isPythonLaunchConfig);
    if (python.length === 0) return [];
    const interpreter = await pythonInterpreter(folder.uri, this.log);
    const vars = launchVariables(folder);
    return python.map((config): CommandItem => {
      try {
        const command = launchConfigCommand(config, interpreter, vars);
        return {
          label: `$(debug-alt) ${command.name}`,
          description: 'launch configuration',
          detail: joinCommandLine(command.argv),
          spec: { command: command.argv, cwd: command.cwd, env: command.env },
        };
      } catch (error) {
        const name = typeof config.name === 'string' ? config.name : 'launch configuration';
        return { label: `$(warning) ${name}`, description: 'cannot be run by Labbook', detail: (error as Error).message };
      }
    });
  }

  private pickCommand(folder: vscode.WorkspaceFolder): Promise<LaunchSpec> {
    const recent = this.recent().map((entry): CommandItem => ({
      label: `$(history) ${joinCommandLine(entry.argv)}`,
      description: relative(folder.uri.fsPath, entry.cwd) || undefined,
      spec: { command: entry.argv, cwd: entry.cwd },
    }));
    const known = this.launchConfigItems(folder).then((configs) => [
      ...(recent.length ? [{ label: 'Recent', kind: vscode.QuickPickItemKind.Separator }, ...recent] : []),
      ...(configs.length ? [{ label: 'Launch configurations', kind: vscode.QuickPickItemKind.Separator }, ...configs] : []),
    ]);
    return pickOrType(known, folder.uri.fsPath);
  }

  /** Runs a run's command again, in its working directory and experiment, tagged with the run it repeats. */
  async rerun(run: Run): Promise<void> {
    if (!run.argv.length || !run.cwd) throw new Error(`Run ${run.name} did not record its command, so it cannot be rerun.`);
    await this.launch({ command: run.argv, cwd: run.cwd, experiment: run.experimentName, tags: { 'labbook.rerun_of': run.id } });
  }

  /** Interrupts a live run's runner (as Ctrl-C would); the runner records the run as KILLED. */
  stop(run: Run): void {
    requireTrust();
    if (!isLiveStatus(run.status)) throw new Error(`Run ${run.name} is not running.`);
    const store = this.host.store;
    const pid = store?.runnerPid(run.id);
    if (!pid) throw new Error(`Run ${run.name} has no runner process to stop.`);
    if (run.host && run.host !== hostname()) throw new Error(`Run ${run.name} runs on ${run.host}; stop it there.`);
    try {
      process.kill(pid, 'SIGINT');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH')
        throw new Error(`The runner of ${run.name} is already gone; the run will be marked crashed.`);
      throw error;
    }
    this.log.info(`Sent SIGINT to the runner (pid ${pid}) of run ${run.id}.`);
  }
}

/** The ${...} variables a launch configuration may use, for `folder` and the active editor. */
export function launchVariables(folder: vscode.WorkspaceFolder): LaunchVariables {
  return {
    workspaceFolder: folder.uri.fsPath,
    file: vscode.window.activeTextEditor?.document.uri.scheme === 'file' ? vscode.window.activeTextEditor.document.uri.fsPath : undefined,
    env: process.env,
    pathSeparator: process.platform === 'win32' ? '\\' : '/',
  };
}

type CommandItem = vscode.QuickPickItem & { spec?: LaunchSpec };

/**
 * A quick pick of known commands where typing a command line offers to run exactly that. It shows at once
 * (busy while the known commands load) so that typing never lands in the editor behind it.
 */
function pickOrType(known: Promise<CommandItem[]>, cwd: string): Promise<LaunchSpec> {
  const pick = vscode.window.createQuickPick<CommandItem>();
  pick.title = 'Run and Track';
  pick.placeholder = 'Type a command line (e.g. python train.py --lr 0.01) or pick one';
  pick.matchOnDetail = true;
  pick.ignoreFocusOut = true;
  pick.busy = true;
  let fixed: CommandItem[] = [];
  const typed = (value: string): CommandItem[] => {
    if (!value.trim()) return [];
    try {
      const command = splitCommandLine(value);
      return [{ label: `$(play) ${value}`, description: 'run this command line', alwaysShow: true, spec: { command, cwd } }];
    } catch (error) {
      return [{ label: `$(error) ${value}`, description: 'cannot be run', detail: (error as Error).message, alwaysShow: true }];
    }
  };
  const update = (): void => {
    // Typed last: text typed to filter the list must not turn Enter into running that text.
    pick.items = [...fixed, ...typed(pick.value)];
  };
  pick.onDidChangeValue(update);
  return new Promise<LaunchSpec>((resolve, reject) => {
    known.then(
      (items) => {
        fixed = items;
        pick.busy = false;
        update();
      },
      (error: unknown) => {
        reject(error);
        pick.hide();
      },
    );
    pick.onDidAccept(() => {
      // Enter can beat the extension host's update of the list (a pasted line and Enter at once): with nothing
      // highlighted, the typed line is what the user sees coming and what runs.
      const chosen = pick.selectedItems.length ? pick.selectedItems[0] : typed(pick.value)[0];
      const spec = chosen?.spec;
      if (!spec) return;
      resolve(spec);
      pick.hide();
    });
    pick.onDidHide(() => {
      reject(new Cancelled());
      pick.dispose();
    });
    pick.show();
  });
}
