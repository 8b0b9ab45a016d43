// End to end: the stdlib MLflow client (mlflow_client.py) against the server, then what landed in the store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT, assertRecorded, runProcess, startHarness } from './mlflowHarness';
import type { ClientSummary } from './mlflowHarness';

test('the stdlib mlflow client records a run, registers, promotes and loads models back, byte for byte', async () => {
  const h = await startHarness();
  try {
    const env = { ...process.env, MLFLOW_TRACKING_URI: h.server.url, MLFLOW_TRACKING_TOKEN: 'test-token' };
    const result = await runProcess('/usr/bin/python3', [CLIENT], env);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as ClientSummary;
    assertRecorded(h.store, summary);
  } finally {
    await h.close();
  }
});

test('the client is refused without the token, with a JSON 401 it can read', async () => {
  const h = await startHarness();
  try {
    const env = { ...process.env, MLFLOW_TRACKING_URI: h.server.url, MLFLOW_TRACKING_TOKEN: 'wrong' };
    const result = await runProcess('/usr/bin/python3', [CLIENT], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /401 UNAUTHENTICATED/);
    assert.equal(h.store.listRuns().length, 0);
  } finally {
    await h.close();
  }
});
