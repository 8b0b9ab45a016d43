// Puts the bundled `labbook` CLI on the PATH of VS Code's terminals: a small launcher script per platform, in the
// extension's global storage, that runs dist/cli.js with the extension host's own Node (as Run and Track does).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { launcherScripts, pathLine } from '../core/cliLauncher';
import type { TerminalEnvironment } from './terminalEnvironment';

/** Writes the launchers into `binDir` and puts it first on the PATH of new terminals; returns the folder. */
export function installCliLauncher(binDir: string, extensionDir: string, environment: TerminalEnvironment): string {
  const scripts = launcherScripts(process.execPath, join(extensionDir, 'dist', 'cli.js'));
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(binDir, 'labbook'), scripts.sh);
  chmodSync(join(binDir, 'labbook'), 0o755);
  writeFileSync(join(binDir, 'labbook.cmd'), scripts.cmd);
  environment.set('cli', { prependPath: binDir, description: 'Labbook puts its `labbook` command on PATH.' });
  return binDir;
}

/** "Use labbook Outside VS Code": copies the PATH line for a shell profile and says where the launcher is. */
export async function copyCliPath(binDir: string): Promise<void> {
  const line = pathLine(binDir, process.platform);
  await vscode.env.clipboard.writeText(line);
  void vscode.window.showInformationMessage(
    `Copied \`${line}\`: add it to your shell profile to run labbook outside VS Code. Terminals in VS Code already have it.`,
  );
}
