// Shared helpers for integration tests: temp workspaces, the built CLI, and bounded waiting without sleeps.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Store } from '../../src/store/store';

/** Repository root. */
export const ROOT = resolve(__dirname, '..', '..');
/** The bundled CLI (npm test builds it before integration tests run). */
export const CLI = join(ROOT, 'dist', 'cli.js');
/** Debian's python3, which has numpy and scikit-learn (the first python3 on PATH may not). */
export const PYTHON = process.env.LABBOOK_TEST_PYTHON ?? '/usr/bin/python3';
/** Test scripts run by the runner. */
export const SCRIPTS = join(ROOT, 'test', 'fixtures', 'scripts');

/** A fresh folder with the given files (paths may hold folders), optionally a git repository with them committed; removed by the returned cleanup. */
export function makeWorkspace(options: { git?: boolean; files?: Record<string, string> } = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-it-'));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  if (options.git) {
    const git = (...args: string[]): void => {
      const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    };
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=Test', 'commit', '-q', '--allow-empty', '-m', 'empty');
    git('add', '-A');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=Test', 'commit', '-q', '-m', 'initial');
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a finished CLI process gave. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; the caller decides when to wait for it. */
export function startCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; detached?: boolean },
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, LABBOOK_DIR: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<CliResult>((resolveDone) => child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Polls `condition` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, condition: () => T | undefined | false | null, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The pid a fixture script wrote to `file`, once the whole number is there. A pid read while the file is still empty
 * would be 0, and process.kill(0) signals the test's own process group (npm and CI with it).
 */
export async function readyPid(file: string): Promise<number> {
  const pid = await waitFor(`a pid in ${file}`, () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    return /^[1-9]\d*$/.test(text.trim()) && Number(text);
  });
  return pid;
}

/** Opens the workspace store read-write for assertions (closed by the caller). */
export function openStore(dir: string): Store {
  return Store.open(join(dir, '.labbook'));
}

/** A tracking server (mlflowServeProcess.ts) in a child process on the store in `dir`, taking `token`. */
export async function startServerProcess(dir: string, token: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'mlflowServeProcess.ts'), dir, token], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
