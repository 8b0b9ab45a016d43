import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeWorkspace, openStore, ROOT, runCli } from './helpers';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'tensorboard', 'events.out.tfevents.1585499054.tf2.v2');

describe('labbook import (CLI)', () => {
  let workspace: { dir: string; cleanup: () => void };
  beforeEach(() => (workspace = makeWorkspace()));
  afterEach(() => workspace.cleanup());

  it('imports what it can read, names the damaged record by byte offset and exits 1', async () => {
    const bytes = Buffer.from(readFileSync(FIXTURE));
    bytes[3000] ^= 0xff;
    mkdirSync(join(workspace.dir, 'runs', 'exp1'), { recursive: true });
    writeFileSync(join(workspace.dir, 'runs', 'exp1', 'events.out.tfevents.1585499054.tf2.v2'), bytes);
    const result = await runCli(['import', 'runs', '--experiment', 'tensorboard'], { cwd: workspace.dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /exp1\s+tensorboard\s+99\s+imported/);
    assert.match(result.stdout, /events\.out\.tfevents\.1585499054\.tf2\.v2 at byte \d+: record data checksum mismatch; record skipped/);
    const store = openStore(workspace.dir);
    try {
      const [run] = store.listRuns();
      assert.equal(store.experimentById(run.experimentId)?.name, 'tensorboard');
      assert.equal(store.history(run.id, 'my_metric').length, 99);
    } finally {
      store.close();
    }
  });

  it('refuses a missing path and a call without paths with exit 2', async () => {
    const missing = await runCli(['import', 'nowhere'], { cwd: workspace.dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No such file or folder: nowhere/);
    const empty = await runCli(['import'], { cwd: workspace.dir });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /Nothing to import/);
  });
});
