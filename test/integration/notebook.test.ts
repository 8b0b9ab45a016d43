import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { NOTEBOOK_CELLS_TAG } from '../../src/capture/notebookSession';
import { PYTHON, ROOT, SCRIPTS, makeWorkspace, openStore, startCli, waitFor } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

// What a notebook's user types: printed metric lines, the bundled shim, and mlflow's REST calls (the real mlflow
// package is not installed in CI; these are the requests it sends for log_metric and log_param).
const MLFLOW_CELL = `import json, os, time, urllib.request
def mlflow_call(path, body):
    request = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/" + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]})
    return urllib.request.urlopen(request).status
print(mlflow_call("runs/log-metric", {"run_id": os.environ["MLFLOW_RUN_ID"], "key": "val_acc", "value": 0.9, "timestamp": int(time.time() * 1000), "step": 0}))
print(mlflow_call("runs/log-parameter", {"run_id": os.environ["MLFLOW_RUN_ID"], "key": "batch_size", "value": "32"}))`;
const CELLS = [
  'for loss in [0.5, 0.25]:\n    print(f"epoch | loss: {loss}")',
  'import labbook\nlabbook.log_param("lr", 0.01)',
  MLFLOW_CELL,
  'print("loss: 0.125")',
];

function withoutPythonPath(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.PYTHONPATH;
  return copy;
}

const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Starts `labbook notebook`, then runs the track line and `cells` in a real kernel; returns the run id once the session ends. */
async function trackedKernel(
  cells: string[],
  env: NodeJS.ProcessEnv = {},
  notebook?: string,
): Promise<{ dir: string; runId: string; driver: string[]; stderr: string }> {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  if (notebook !== undefined) writeFileSync(join(ws.dir, 'explore.ipynb'), notebook);
  const session = startCli(['notebook', '--name', 'explore', '--notebook', 'explore.ipynb'], { cwd: ws.dir });
  cleanups.unshift(() => session.child.exitCode === null && session.child.kill('SIGKILL'));
  let stdout = '';
  session.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const ready = await waitFor(
    'the track line',
    () => stdout.includes('\n') && (JSON.parse(stdout.split('\n')[0]) as { runId: string; code: string }),
  );
  const cellsFile = join(ws.dir, 'cells.json');
  writeFileSync(cellsFile, JSON.stringify([ready.code, ...cells]));
  const driver = spawnSync(PYTHON, [join(SCRIPTS, 'notebook_driver.py'), cellsFile], {
    cwd: ws.dir,
    // No PYTHONPATH: the track line itself makes Labbook's python/ folder importable, as in a kernel started elsewhere.
    env: { ...withoutPythonPath(process.env), ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(driver.status, 0, driver.stderr);
  const result = await session.done;
  assert.equal(result.code, 0, result.stderr);
  return { dir: ws.dir, runId: ready.runId, driver: driver.stdout.trim().split('\n'), stderr: result.stderr };
}

describe('labbook notebook (a real IPython kernel through jupyter_client)', () => {
  test('records printed metrics, shim and mlflow calls, and each executed cell in order; a kernel shutdown finishes the run', async () => {
    const { dir, runId, driver, stderr } = await trackedKernel(CELLS);
    const outputs = driver.map((line) => JSON.parse(line) as { status: string; stdout: string });
    assert.deepEqual(
      outputs.map((o) => o.status),
      ['ok', 'ok', 'ok', 'ok', 'ok'],
      driver.join('\n'),
    );
    assert.match(outputs[1].stdout, /epoch \| loss: 0.5/, 'the notebook still shows its output');
    const store = openStore(dir);
    const run = store.getRunDetail(runId);
    assert.equal(run.status, 'FINISHED', stderr);
    assert.equal(run.sourceFile, 'explore.ipynb');
    assert.deepEqual(
      store.history(runId, 'loss').map((p) => p.value),
      [0.5, 0.25, 0.125],
    );
    assert.equal(store.history(runId, 'val_acc')[0].value, 0.9);
    assert.deepEqual(run.params, { batch_size: '32', lr: '0.01' });
    const cells = JSON.parse(run.tags[NOTEBOOK_CELLS_TAG]) as { n: number; sha: string }[];
    assert.deepEqual(
      cells.slice(1).map((c) => c.sha),
      CELLS.map(sha),
    );
    assert.deepEqual(
      cells.map((c) => c.n),
      [1, 2, 3, 4, 5],
    );
    const cellsFile = run.artifacts.find((a) => a.path === 'notebook-cells.json');
    assert.equal((JSON.parse(store.objects.read(cellsFile!.sha256).toString('utf8')) as { source: string }[])[4].source, CELLS[3]);
    const log = run.artifacts.find((a) => a.role === 'log' && a.path !== 'notebook-cells.json');
    assert.match(store.objects.read(log!.sha256).toString('utf8'), /loss: 0.125/);
    store.close();
  });

  test('keeps the notebook file as saved at each execution: a new content is stored once, each cell names the one it ran with', async () => {
    const [first, second] = ['{"cells": [], "v": 1}', '{"cells": [], "v": 2}'];
    const save = `open("explore.ipynb", "w").write(${JSON.stringify(second)})`;
    const { dir, runId } = await trackedKernel(['print("loss: 0.5")', save, 'print("loss: 0.25")'], {}, first);
    const store = openStore(dir);
    const run = store.getRunDetail(runId);
    const cells = JSON.parse(run.tags[NOTEBOOK_CELLS_TAG]) as { n: number; notebook?: string }[];
    assert.deepEqual(
      cells.map((c) => c.notebook),
      [sha(first), sha(first), sha(second), sha(second)],
    );
    const snapshots = run.artifacts.filter((a) => a.path.startsWith('notebook-snapshots/')).sort((a, b) => a.path.localeCompare(b.path));
    assert.deepEqual(
      snapshots.map((a) => [a.path, store.objects.read(a.sha256).toString('utf8')]),
      [
        ['notebook-snapshots/1-explore.ipynb', first],
        ['notebook-snapshots/3-explore.ipynb', second],
      ],
    );
    store.close();
  });

  test('Stop Tracking (SIGTERM to the session) ends the run FINISHED', async () => {
    const ws = makeWorkspace();
    cleanups.push(ws.cleanup);
    // The editor passes the notebook's absolute path; the run names it relative to the workspace, as a script.
    const session = startCli(['notebook', '--notebook', join(ws.dir, 'nb', 'explore.ipynb')], { cwd: ws.dir });
    let stdout = '';
    session.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const ready = await waitFor(
      'the track line',
      () => stdout.includes('\n') && (JSON.parse(stdout.split('\n')[0]) as { runId: string; code: string }),
    );
    const pythonDir = JSON.stringify(join(ROOT, 'python'));
    assert.ok(
      ready.code.startsWith(
        `import sys; ${pythonDir} in sys.path or sys.path.append(${pythonDir}); import labbook.notebook; labbook.notebook.track({`,
      ),
      ready.code,
    );
    assert.match(ready.code, /"MLFLOW_RUN_ID":/);
    session.child.kill('SIGTERM');
    const result = await session.done;
    assert.equal(result.code, 0, result.stderr);
    const store = openStore(ws.dir);
    assert.equal(store.getRun(ready.runId).status, 'FINISHED');
    assert.equal(store.getRunDetail(ready.runId).tags['labbook.notebook'], 'nb/explore.ipynb');
    assert.equal(store.getRunDetail(ready.runId).sourceFile, 'nb/explore.ipynb');
    store.close();
  });

  test('a killed kernel ends the run CRASHED, keeping what it recorded', async () => {
    const { dir, runId } = await trackedKernel(['print("loss: 0.5")'], { LABBOOK_TEST_KILL_KERNEL: '1' });
    const store = openStore(dir);
    assert.equal(store.getRun(runId).status, 'CRASHED');
    assert.equal(store.history(runId, 'loss')[0].value, 0.5);
    store.close();
  });
});
