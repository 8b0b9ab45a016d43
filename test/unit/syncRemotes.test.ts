// Remotes in labbook.yaml: added and removed with the user's comments kept, never a token, bad input refused.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/capture/config';
import { parseSince } from '../../src/cli/syncCommands';
import { addRemote, findRemote, listRemotes, RemoteError, remoteToken, removeRemote } from '../../src/sync/remotes';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-remotes-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('remote add keeps the comments of labbook.yaml and stores only the token variable name', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'labbook.yaml'), '# our settings\nexperiment: mnist # the default\n');
    addRemote(dir, 'origin', 'http://mlflow.example:5000/', 'MLFLOW_TOKEN');
    addRemote(dir, 'backup', 'https://backup.example');
    const text = readFileSync(join(dir, 'labbook.yaml'), 'utf8');
    assert.match(text, /# our settings\nexperiment: mnist # the default\n/);
    assert.deepEqual(listRemotes(dir), [
      { name: 'origin', url: 'http://mlflow.example:5000', tokenEnv: 'MLFLOW_TOKEN' },
      { name: 'backup', url: 'https://backup.example' },
    ]);
    assert.deepEqual(loadConfig(dir).warnings, []);
    removeRemote(dir, 'origin');
    removeRemote(dir, 'backup');
    assert.equal(readFileSync(join(dir, 'labbook.yaml'), 'utf8'), '# our settings\nexperiment: mnist # the default\n');
  });
});

test('bad remotes are refused with a reason and the file is left alone', () => {
  withDir((dir) => {
    assert.throws(() => addRemote(dir, 'bad name', 'http://x'), RemoteError);
    assert.throws(() => addRemote(dir, 'origin', 'ftp://x'), /not an http/);
    assert.throws(() => addRemote(dir, 'origin', 'http://x', 'secret-token-value!'), /variable's name, never the token/);
    assert.throws(() => removeRemote(dir, 'origin'), /No remote named 'origin'/);
    writeFileSync(join(dir, 'labbook.yaml'), 'remotes: [unclosed\n');
    assert.throws(() => addRemote(dir, 'origin', 'http://x'), /cannot be parsed/);
    assert.equal(readFileSync(join(dir, 'labbook.yaml'), 'utf8'), 'remotes: [unclosed\n');
  });
});

test('a hand-written bad remote warns and is ignored', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'labbook.yaml'), 'remotes:\n  a: {url: "not a url"}\n  b: {url: "http://b", tokenEnv: "1bad"}\n');
    const { config, warnings } = loadConfig(dir);
    assert.deepEqual(config.remotes, { b: { url: 'http://b' } });
    assert.equal(warnings.length, 2);
  });
});

test('the remote used: named, the only one, or origin; its token from the environment', () => {
  withDir((dir) => {
    assert.throws(() => findRemote(dir, undefined), /No remote is set up/);
    addRemote(dir, 'team', 'http://team', 'TEAM_TOKEN');
    assert.equal(findRemote(dir, undefined).name, 'team');
    addRemote(dir, 'other', 'http://other');
    assert.throws(() => findRemote(dir, undefined), /name one with --remote/);
    addRemote(dir, 'origin', 'http://origin');
    assert.equal(findRemote(dir, undefined).name, 'origin');
    assert.throws(() => findRemote(dir, 'nope'), /known: team, other, origin/);
    assert.equal(remoteToken(findRemote(dir, 'team'), { TEAM_TOKEN: 't0k' }), 't0k');
    assert.throws(() => remoteToken(findRemote(dir, 'team'), {}), /\$TEAM_TOKEN, which is not set/);
  });
});

test('--since takes a date or an age', () => {
  const now = Date.parse('2026-01-31T12:00:00Z');
  assert.equal(parseSince('2026-01-30T12:00:00Z', now), now - 86_400_000);
  assert.equal(parseSince('12h', now), now - 12 * 3_600_000);
  assert.equal(parseSince('7d', now), now - 7 * 86_400_000);
  assert.throws(() => parseSince('last week', now), /--since takes a date/);
});
