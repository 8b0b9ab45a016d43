// New terminals get `labbook` on PATH and, while the tracking server runs, the MLFLOW_* variables; stopping the
// server must not take the CLI off PATH. The launcher script itself runs the bundled CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { launcherScripts, pathLine } from '../../src/core/cliLauncher';
import { TerminalEnvironment, type EnvironmentCollection } from '../../src/extension/terminalEnvironment';

/** The slice of VS Code's collection TerminalEnvironment uses, recording what a new terminal would get. */
function fakeCollection(): { collection: EnvironmentCollection; env: () => Record<string, string> } {
  const entries = new Map<string, { op: 'replace' | 'prepend'; value: string }>();
  const collection = {
    persistent: true,
    description: undefined as string | undefined,
    clear: () => entries.clear(),
    replace: (name: string, value: string) => void entries.set(name, { op: 'replace', value }),
    prepend: (name: string, value: string) => {
      const before = entries.get(name);
      entries.set(name, { op: 'prepend', value: value + (before?.value ?? '') });
    },
  };
  const env = (): Record<string, string> => {
    const out: Record<string, string> = { PATH: '/usr/bin' };
    for (const [name, { op, value }] of entries) out[name] = op === 'prepend' ? value + (out[name] ?? '') : value;
    return out;
  };
  return { collection, env };
}

test('the tracking server coming and going leaves labbook on PATH', () => {
  const { collection, env } = fakeCollection();
  const environment = new TerminalEnvironment(collection, ':');
  assert.equal(collection.persistent, false, 'ports and tokens of an earlier session must not reach restored terminals');
  environment.set('cli', { prependPath: '/ext/bin', description: 'cli' });
  environment.set('tracking', { replace: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:1' }, description: 'tracking' });
  assert.deepEqual(env(), { PATH: '/ext/bin:/usr/bin', MLFLOW_TRACKING_URI: 'http://127.0.0.1:1' });
  assert.equal(collection.description, 'cli tracking');
  environment.set('tracking', undefined);
  assert.deepEqual(env(), { PATH: '/ext/bin:/usr/bin' });
  assert.equal(collection.description, 'cli');
});

test('the launcher runs the bundled CLI with the given Node, whatever the paths hold', () => {
  const dir = mkdtempSync(join(tmpdir(), "labbook launcher 'quoted' "));
  try {
    const cli = join(dir, 'fake cli.js');
    writeFileSync(cli, 'process.stdout.write(JSON.stringify({ args: process.argv.slice(2), electron: process.env.ELECTRON_RUN_AS_NODE }))');
    const launcher = join(dir, 'labbook');
    writeFileSync(launcher, launcherScripts(process.execPath, cli).sh);
    chmodSync(launcher, 0o755);
    const out = JSON.parse(execFileSync(launcher, ['run', '--', 'python3', "it's.py"], { encoding: 'utf8' })) as { args: string[]; electron: string };
    assert.deepEqual(out, { args: ['run', '--', 'python3', "it's.py"], electron: '1' });
    assert.match(launcherScripts('C:\\node.exe', 'C:\\ext\\cli.js').cmd, /^@echo off\r\n.*\r\n"C:\\node\.exe" "C:\\ext\\cli\.js" %\*\r\n$/s);
    assert.equal(pathLine('/home/u/bin', 'linux'), 'export PATH="/home/u/bin:$PATH"');
    assert.equal(pathLine('C:\\bin', 'win32'), 'set PATH=C:\\bin;%PATH%');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
