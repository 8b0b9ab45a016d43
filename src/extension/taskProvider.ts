import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { runnerArgs, splitCommandLine } from '../core/commandLine';
import type { Launcher } from './launcher';

/** The `labbook` task type: a tasks.json entry whose command is run and tracked by the runner. */
export const TASK_TYPE = 'labbook';

/** A `labbook` task as written in tasks.json (see taskDefinitions in package.json). */
interface LabbookTaskDefinition extends vscode.TaskDefinition {
  command: string;
  args?: string[];
  experiment?: string;
  name?: string;
  cwd?: string;
}

function commandOf(definition: LabbookTaskDefinition): string[] {
  if (typeof definition.command !== 'string' || !definition.command.trim()) throw new Error('A labbook task needs a "command".');
  if (definition.args === undefined) return splitCommandLine(definition.command);
  if (!Array.isArray(definition.args) || !definition.args.every((arg) => typeof arg === 'string'))
    throw new Error('"args" of a labbook task must be a list of strings.');
  return [definition.command, ...definition.args];
}

function folderOf(task: vscode.Task): string | undefined {
  if (task.scope && typeof task.scope === 'object') return task.scope.uri.fsPath;
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Resolves `labbook` tasks to a process execution of the bundled runner. It contributes no tasks of its own. */
export class LabbookTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly launcher: Launcher,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  provideTasks(): vscode.Task[] {
    return [];
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as LabbookTaskDefinition;
    const folder = folderOf(task);
    try {
      if (!vscode.workspace.isTrusted) throw new Error('Labbook tasks do not run in Restricted Mode.');
      if (!folder) throw new Error('A labbook task needs a workspace folder.');
      const cwd = definition.cwd ? (isAbsolute(definition.cwd) ? definition.cwd : join(folder, definition.cwd)) : folder;
      const args = runnerArgs(this.launcher.cliPath, definition, commandOf(definition));
      const execution = new vscode.ProcessExecution(process.execPath, args, { cwd, env: this.launcher.runnerEnv() });
      return new vscode.Task(definition, task.scope ?? vscode.TaskScope.Workspace, task.name, TASK_TYPE, execution);
    } catch (error) {
      // VS Code only says the task could not be resolved; say why.
      this.log.error(`Task ${task.name}: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`Labbook task "${task.name}": ${(error as Error).message}`);
      return undefined;
    }
  }
}
