// Push, Pull and Add Remote in the editor: each runs the bundled CLI (`labbook push|pull … --json --progress-json`)
// on the extension host's Node, shows its progress in a notification and the status bar, and reports its summary
// or its own message (a refused token, an unreachable or older server). A token kept in SecretStorage reaches the
// CLI through the environment variable labbook.yaml names, as a token in the environment would.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { failureText, parseProgressLine, progressPercent, progressText, summaryText } from '../core/syncText';
import type { SyncProgress } from '../core/syncText';
import { MlflowClient } from '../sync/client';
import { resolveToken, tokenEnvironment } from '../sync/editorSync';
import { findRemote, listRemotes } from '../sync/remotes';
import type { Remote } from '../sync/remotes';
import type { CommandTable } from './commands';
import { runIdsOf, requireStore } from './commands';
import { Cancelled } from './errors';
import type { Launcher } from './launcher';
import { requireTrust } from './launcher';
import type { StoreHost } from './storeHost';
import { clickedRow } from './rowClick';
import type { RemoteExperimentNode, RemotesNode, SyncRunNode, SyncStates } from './syncView';

/** What the sync commands work with. */
export interface SyncDeps {
  context: vscode.ExtensionContext;
  host: StoreHost;
  launcher: Launcher;
  states: SyncStates;
  /** The Remotes view, for the row a click acts on. */
  remotes: vscode.TreeView<RemotesNode>;
  log: vscode.LogOutputChannel;
}

/** The SecretStorage key of a remote's token. */
export function secretKey(url: string): string {
  return `labbook.remoteToken:${url}`;
}

/**
 * The token of a remote: from its variable when the environment has it, else from SecretStorage (Add Remote keeps
 * it there under the remote's URL); undefined for a remote without a token.
 */
export function remoteTokenOf(secrets: vscode.SecretStorage, remote: Remote): Promise<string | undefined> {
  return resolveToken(remote, process.env, () => secrets.get(secretKey(remote.url)));
}

/** A client of the remote for reads in the editor (the remote's listing, a lazy history). */
export async function remoteClient(secrets: vscode.SecretStorage, remote: Remote): Promise<MlflowClient> {
  return new MlflowClient(remote.url, { token: await remoteTokenOf(secrets, remote) });
}

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder?.uri.scheme !== 'file') throw new Error('Open a workspace folder to push or pull runs.');
  return folder.uri.fsPath;
}

/** The remote a command acts on: the clicked one, the only one (or `origin`), else the one picked. */
async function chooseRemote(clicked: unknown): Promise<Remote> {
  const root = workspaceRoot();
  if (isRemoteNode(clicked)) return clicked.remote;
  const remotes = listRemotes(root);
  if (remotes.length === 0) throw new Error('No remote is set up: run "Labbook: Add Remote…" first.');
  try {
    return findRemote(root, undefined);
  } catch {
    const picked = await vscode.window.showQuickPick(
      remotes.map((remote) => ({ label: remote.name, description: remote.url, remote })),
      { title: 'Which remote?' },
    );
    if (!picked) throw new Cancelled();
    return picked.remote;
  }
}

function isRemoteNode(value: unknown): value is { kind: 'remote'; remote: Remote } {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'remote';
}

/** Runs push or pull through the CLI with progress; resolves once it is reported. */
export class SyncRunner implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('labbook.sync', vscode.StatusBarAlignment.Left, 40);

  constructor(private readonly deps: SyncDeps) {
    this.status.name = 'Labbook Sync';
  }

  /** `labbook push|pull ARGS --remote NAME --json --progress-json`, shown until it ends. */
  async run(kind: 'push' | 'pull', remote: Remote, args: readonly string[]): Promise<void> {
    requireTrust();
    const env = await this.environment(remote);
    const title = `${kind === 'push' ? 'Pushing to' : 'Pulling from'} ${remote.name}`;
    const argv = [this.deps.launcher.cliPath, kind, ...args, '--remote', remote.name, '--json', '--progress-json'];
    this.deps.log.info(`${title}: labbook ${argv.slice(1).join(' ')}`);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) =>
        this.spawnCli(argv, env, token, (step) => {
          const text = progressText(step);
          const percent = progressPercent(step);
          progress.report({ message: `${text}${percent === undefined ? '' : ` (${percent}%)`}` });
          this.status.text = `$(sync~spin) ${kind === 'push' ? 'Push' : 'Pull'} ${remote.name}: ${text}`;
          this.status.show();
        }),
    );
    this.status.hide();
    this.deps.host.wroteHere();
    this.deps.states.refresh(true);
    if (outcome.code === 0) {
      const text = summaryText(kind, remote.name, JSON.parse(outcome.stdout) as Record<string, unknown>);
      this.deps.log.info(text);
      void vscode.window.showInformationMessage(text);
      return;
    }
    throw new Error(failureText(kind, outcome.stderr, outcome.code));
  }

  private async environment(remote: Remote): Promise<Record<string, string>> {
    const env = tokenEnvironment(remote, await remoteTokenOf(this.deps.context.secrets, remote));
    return { ...(process.env as Record<string, string>), ...this.deps.launcher.runnerEnv(env) };
  }

  private spawnCli(
    argv: readonly string[],
    env: Record<string, string>,
    token: vscode.CancellationToken,
    onProgress: (step: SyncProgress) => void,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, argv, { cwd: workspaceRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let partial = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const step = parseProgressLine(line);
          if (step) onProgress(step);
          else stderr += `${line}\n`;
        }
      });
      // Cancel is Ctrl-C: the CLI stops at once, and what the remote acknowledged is in the ledger.
      const cancel = token.onCancellationRequested(() => child.kill('SIGINT'));
      child.on('error', reject);
      child.on('close', (code) => {
        cancel.dispose();
        resolve({ code, stdout, stderr: stderr + partial });
      });
    });
  }

  dispose(): void {
    this.status.dispose();
  }
}

/** Add Remote…: a name, a URL and where the token comes from (none, an environment variable, or SecretStorage). */
async function addRemote(deps: SyncDeps, runner: { cli: (args: string[]) => Promise<void> }): Promise<void> {
  const name = await vscode.window.showInputBox({ title: 'Add Remote (1/3)', prompt: 'Name of the remote', value: 'origin' });
  if (!name) throw new Cancelled();
  const url = await vscode.window.showInputBox({
    title: 'Add Remote (2/3)',
    prompt: 'URL of the MLflow tracking server (or another workspace’s labbook serve)',
    placeHolder: 'https://mlflow.example.com',
    validateInput: (text) => (/^https?:\/\/[^/]/.test(text) ? undefined : 'An http:// or https:// URL.'),
  });
  if (!url) throw new Cancelled();
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'No token', value: 'none' },
      { label: 'Token from an environment variable', description: 'labbook.yaml names the variable', value: 'env' },
      { label: 'Store the token in VS Code', description: 'kept in SecretStorage, passed to labbook through the named variable', value: 'secret' },
    ],
    { title: 'Add Remote (3/3): the token' },
  );
  if (!choice) throw new Cancelled();
  const args = ['remote', 'add', name, url];
  if (choice.value !== 'none') {
    const variable = await vscode.window.showInputBox({
      title: 'Token variable',
      prompt: 'Name of the environment variable the token is read from (labbook.yaml keeps the name, never the token)',
      value: `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TOKEN`,
      validateInput: (text) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? undefined : 'An environment variable name.'),
    });
    if (!variable) throw new Cancelled();
    args.push('--token-env', variable);
  }
  if (choice.value === 'secret') {
    const token = await vscode.window.showInputBox({ title: 'Token', prompt: `Token for ${url}`, password: true });
    if (!token) throw new Cancelled();
    await deps.context.secrets.store(secretKey(url.replace(/\/+$/, '')), token);
  }
  await runner.cli(args);
  deps.states.refresh();
  void vscode.window.showInformationMessage(`Remote '${name}' is ${url}.`);
}

/** Runs a short CLI command (remote add) and throws its message when it fails. */
function cliOnce(deps: SyncDeps, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [deps.launcher.cliPath, ...args], {
      cwd: workspaceRoot(),
      env: { ...(process.env as Record<string, string>), ...deps.launcher.runnerEnv() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(stderr.replace(/^labbook: /, '').trim() || `labbook exited with ${code}`)),
    );
  });
}

function experimentNameOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'experiment') return (value as { name: string }).name;
  return undefined;
}

/** The sync commands. */
export function syncCommandTable(deps: SyncDeps, runner: SyncRunner): CommandTable {
  return {
    'labbook.pushRuns': async (...args: unknown[]) => {
      const ids = runIdsOf(args);
      if (ids.length === 0) throw new Error('Select the runs to push in the Runs view.');
      await runner.run('push', await chooseRemote(undefined), ids);
    },
    'labbook.pushExperiment': async (clicked?: unknown) => {
      const name = experimentNameOf(clicked) ?? (await pickExperiment(deps));
      await runner.run('push', await chooseRemote(undefined), ['--experiment', name]);
    },
    'labbook.pushWorkspace': async (clicked?: unknown) => runner.run('push', await chooseRemote(clicked), []),
    'labbook.pull': async (clicked?: unknown) => runner.run('pull', await chooseRemote(clicked), []),
    'labbook.addRemote': () => addRemote(deps, { cli: (args) => cliOnce(deps, args) }),
    'labbook.refreshRemotes': () => deps.states.refresh(true),
    'labbook.previewRemoteRun': (clicked?: unknown) => {
      const node = clickedRow(clicked, deps.remotes) as SyncRunNode | undefined;
      if (node?.kind !== 'syncRun') throw new Error('Click a run under a remote in the Remotes view to preview it.');
      return vscode.commands.executeCommand('labbook.previewRun', node.run.id);
    },
    'labbook.pullRemoteRun': async (clicked?: unknown) => {
      const node = clicked as SyncRunNode | undefined;
      if (node?.kind !== 'syncRun') throw new Error('Pick a run under a remote in the Remotes view to pull it.');
      await runner.run('pull', node.remote, ['--run', node.run.id]);
    },
    'labbook.pullRemoteExperiment': async (clicked?: unknown) => {
      const node = clicked as RemoteExperimentNode | undefined;
      if (node?.kind !== 'remoteExperiment') throw new Error('Pick an experiment under a remote in the Remotes view to pull it.');
      await runner.run('pull', node.remote, ['--experiment', node.experiment.name]);
    },
  };
}

async function pickExperiment(deps: SyncDeps): Promise<string> {
  const names = requireStore(deps.host)
    .listExperiments()
    .map((experiment) => experiment.name);
  const picked = await vscode.window.showQuickPick(names, { title: 'Push which experiment?' });
  if (!picked) throw new Cancelled();
  return picked;
}
