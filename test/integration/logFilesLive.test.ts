import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeWorkspace, openStore, PYTHON, ROOT, SCRIPTS, startCli, waitFor } from './helpers';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'tensorboard', 'events.out.tfevents.1585499054.tf2.v2');

/** Byte where record `index` starts, from the lengths in the file itself. */
function recordStart(bytes: Buffer, index: number): number {
  let offset = 0;
  for (let record = 0; record < index; record++) offset += 16 + Number(bytes.readBigUInt64LE(offset));
  return offset;
}

describe('labbook run follows the log files a script writes', () => {
  let workspace: { dir: string; cleanup: () => void };
  beforeEach(() => (workspace = makeWorkspace()));
  afterEach(() => workspace.cleanup());

  it('records TensorBoard scalars while the event file grows, and CSV logger and DVCLive rows with their params', async () => {
    const half = recordStart(readFileSync(FIXTURE), 41) + 7; // 40 whole points, then part of a record
    const go = join(workspace.dir, 'go');
    const { done } = startCli(['run', '--', PYTHON, join(SCRIPTS, 'writes_logs.py'), FIXTURE, go, String(half)], {
      cwd: workspace.dir,
      env: { LABBOOK_LOG_FILES_INTERVAL_MS: '50' },
    });
    const store = openStore(workspace.dir);
    try {
      const runId = await waitFor('the first 40 TensorBoard points, live', () => {
        const run = store.listRuns()[0];
        return run && store.history(run.id, 'my_metric').length === 40 && run.id;
      });
      assert.equal(store.getRun(runId).status, 'RUNNING');
      writeFileSync(go, '');
      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /log file/);
      assert.deepEqual(
        store.history(runId, 'my_metric').map((point) => point.value),
        Array.from({ length: 100 }, (_, step) => 0.5 * step),
      );
      assert.deepEqual(
        store.history(runId, 'val_acc').map((point) => [point.step, point.value]),
        [
          [9, 0.5],
          [19, 0.75],
        ],
      );
      assert.deepEqual(
        store.history(runId, 'train/loss').map((point) => [point.step, point.value, point.timestamp]),
        [
          [0, 0.9, 1700000000000],
          [1, 0.4, 1700000001000],
        ],
      );
      assert.equal(store.params(runId).lr, '0.01');
      assert.equal(store.params(runId).epochs, '2');
    } finally {
      store.close();
    }
  });

  it('leaves log files alone when labbook.yaml turns metrics.fromLogFiles off', async () => {
    writeFileSync(join(workspace.dir, 'labbook.yaml'), 'metrics:\n  fromLogFiles: false\n');
    const go = join(workspace.dir, 'go');
    writeFileSync(go, '');
    const result = await startCli(['run', '--', PYTHON, join(SCRIPTS, 'writes_logs.py'), FIXTURE, go, '0'], { cwd: workspace.dir }).done;
    assert.equal(result.code, 0, result.stderr);
    const store = openStore(workspace.dir);
    try {
      const [run] = store.listRuns();
      assert.deepEqual(store.history(run.id, 'my_metric'), []);
      assert.deepEqual(store.history(run.id, 'val_acc'), []);
    } finally {
      store.close();
    }
  });
});
