// "Reproduce Run": `labbook checkout` through the bundled CLI (the same Node and store a run launched from this
// window gets), then the worktree in a new window, where a run is recorded as reproducing the original.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CheckoutResult } from '../capture/reproduce';
import type { Run } from '../core/types';
import { requireTrust, type Launcher } from './launcher';

/** What `labbook checkout --json` prints. */
type CheckoutAnswer = CheckoutResult & { run: string };

/** Runs the bundled CLI with the window's runner environment; resolves to stdout, rejects with its message. */
function runCli(launcher: Launcher, args: string[], cwd: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [launcher.cliPath, ...args], { cwd, env: { ...process.env, ...launcher.runnerEnv() } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolveRun(stdout);
      else reject(new Error(stderr.replace(/^labbook: /gm, '').trim() || `labbook ${args[0]} failed (exit ${code}).`));
    });
  });
}

/** The folder the checkout starts from: the run's own, else this window's; git finds the repository above it. */
function startFolder(run: Run): string {
  if (run.cwd && existsSync(run.cwd)) return run.cwd;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error(`Open the repository run ${run.name} was made in to reproduce it.`);
  return folder;
}

function summary(run: Run, result: CheckoutAnswer): string {
  const missing = result.missing.length ? ` ${result.missing.length} input file(s) could not be restored: see Labbook's log.` : '';
  return `Run ${run.name} checked out at ${result.commit.slice(0, 8)} with ${result.restored.length} input file(s).${missing} Rerun it there: ${result.rerun}`;
}

/** Checks a run out into a git worktree (with progress), then offers to open it in a new window. */
export async function reproduceRun(launcher: Launcher, run: Run, log: vscode.LogOutputChannel): Promise<void> {
  requireTrust();
  const cwd = startFolder(run);
  const stdout = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Labbook: checking out run ${run.name}…` },
    () => runCli(launcher, ['checkout', run.id, '--json'], cwd),
  );
  const result = JSON.parse(stdout) as CheckoutAnswer;
  log.info(`Checked out run ${run.id} into ${result.dir}; rerun with: ${result.rerun}`);
  for (const input of result.missing) log.warn(`Not restored: ${input.path}: ${input.reason}; ${input.hint}`);
  const open = 'Open in New Window';
  const copy = 'Copy Rerun Command';
  const choice = await vscode.window.showInformationMessage(summary(run, result), open, copy);
  if (choice === copy) await vscode.env.clipboard.writeText(result.rerun);
  if (choice === open) await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(result.dir), { forceNewWindow: true });
}
