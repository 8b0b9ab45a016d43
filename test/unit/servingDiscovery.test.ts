import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { announceServedModel, servedModels, servingDir } from '../../src/server/scoring/discovery';

describe('discovery files of running model servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-serving-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const entry = {
    pid: process.pid,
    url: 'http://127.0.0.1:5001',
    token: 't0k',
    model: 'iris',
    version: 2,
    stage: 'Production',
    startedAt: new Date().toISOString(),
  };

  test('no folder is no servers', () => {
    assert.deepEqual(servedModels(join(dir, 'missing')), []);
  });

  test('an announced server is listed, its file is 0600 and gone once removed', () => {
    const remove = announceServedModel(dir, entry);
    assert.equal(statSync(join(servingDir(dir), `${process.pid}.json`)).mode & 0o777, 0o600);
    assert.deepEqual(servedModels(dir), [entry]);
    remove();
    assert.deepEqual(servedModels(dir), []);
  });

  test('files of dead pids and malformed files are skipped', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const remove = announceServedModel(dir, { ...entry, pid: dead });
    writeFileSync(join(servingDir(dir), '12.json'), '{not json');
    writeFileSync(join(servingDir(dir), '13.json'), JSON.stringify({ pid: process.pid }));
    assert.deepEqual(servedModels(dir), []);
    remove();
  });
});
