// The MLflow client under the runner: `labbook run -- python3 script.py` serves the tracking API for the child,
// the first runs/create adopts the runner's run, and the runner's exit code decides how the run ends.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Store } from '../../src/store/store';
import { CLIENT, assertRecorded, runProcess } from './mlflowHarness';
import type { ClientSummary } from './mlflowHarness';

const ROOT = join(__dirname, '..', '..');
const CRASH = join(ROOT, 'test', 'fixtures', 'python', 'mlflow_crash.py');
const LOG_PARAMS = join(ROOT, 'test', 'fixtures', 'python', 'mlflow_log_params.py');
// `--import tsx` resolves from the working directory, which is a temp workspace here.
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

// The runner must set the MLflow variables itself: none leak in from the test's own environment.
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MLFLOW_') && key !== 'LABBOOK_DIR') env[key] = value;
  return env;
}

async function labbookRun(workspace: string, script: string, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(
    process.execPath,
    ['--import', TSX, join(ROOT, 'src', 'cli', 'main.ts'), 'run', '--', '/usr/bin/python3', script, ...args],
    cleanEnv(),
    workspace,
  );
}

function lastJsonLine<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

test('labbook run: an unmodified-style mlflow script logs into the runner run and loads its models back', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'labbook-mlflow-run-'));
  try {
    const result = await labbookRun(workspace, CLIENT);
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJsonLine<ClientSummary>(result.stdout);
    const store = Store.open(join(workspace, '.labbook'));
    try {
      const runs = store.listRuns();
      assert.deepEqual(
        runs.map((r) => r.id),
        [summary.run_id],
        'the script run is the runner run, not a second one',
      );
      assert.equal(runs[0].status, 'FINISHED');
      assert.equal(runs[0].exitCode, 0);
      assertRecorded(store, summary);
    } finally {
      store.close();
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});

test('labbook run: a crash after the client ended the run FINISHED still ends it FAILED; a second run is a child', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'labbook-mlflow-crash-'));
  try {
    const result = await labbookRun(workspace, CRASH);
    assert.equal(result.code, 3, result.stderr);
    const ids = lastJsonLine<{ first: string; second: string }>(result.stdout);
    const store = Store.open(join(workspace, '.labbook'));
    try {
      const first = store.getRunDetail(ids.first);
      assert.equal(first.status, 'FAILED');
      assert.equal(first.exitCode, 3);
      assert.equal(first.experimentName, 'crash-exp');
      assert.equal(first.name, 'will-crash');
      assert.equal(first.metrics[0].key, 'loss');
      const second = store.getRunDetail(ids.second);
      assert.equal(second.status, 'FINISHED');
      assert.equal(second.tags['mlflow.parentRunId'], ids.first);
    } finally {
      store.close();
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});

test('labbook run: params the runner read from argv and params.yaml yield to the values the script logs itself', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'labbook-mlflow-params-'));
  try {
    writeFileSync(join(workspace, 'params.yaml'), 'dropout: 0.10\noptimizer: Adam\n');
    const result = await labbookRun(workspace, LOG_PARAMS, ['--lr', '5e-2', '--model', 'resnet18']);
    assert.equal(result.code, 0, result.stderr);
    const { run_id: runId } = lastJsonLine<{ run_id: string }>(result.stdout);
    const store = Store.open(join(workspace, '.labbook'));
    try {
      const run = store.getRunDetail(runId);
      assert.equal(run.status, 'FINISHED');
      assert.deepEqual(run.params, { dropout: '0.1', lr: '0.05', model: 'RESNET18', optimizer: 'adam' });
      // What the runner had read is kept beside them, not lost.
      assert.equal(run.tags['labbook.inferred_param.lr'], '5e-2');
      assert.equal(run.tags['labbook.inferred_param.model'], 'resnet18');
      assert.equal(run.tags['labbook.inferred_param.optimizer'], 'Adam');
      assert.equal(run.tags['labbook.inferred_param.dropout'], undefined, 'params.yaml 0.10 and the logged 0.1 are one value');
    } finally {
      store.close();
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});
