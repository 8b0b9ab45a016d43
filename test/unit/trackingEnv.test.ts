// What the extension's tracking server gives new terminals: the variables, checked against a real server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { newTrackingToken, trackingEnv, trackingEnvDescription } from '../../src/extension/trackingEnv';
import { startTrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';

describe('tracking server environment', () => {
  test('tokens are long, random and safe in an environment variable', () => {
    const [a, b] = [newTrackingToken(), newTrackingToken()];
    assert.match(a, /^[0-9a-f]{48}$/);
    assert.notEqual(a, b);
  });

  test('names the URI, the token and turns telemetry off', () => {
    assert.deepEqual(trackingEnv('http://127.0.0.1:5001', 't'), {
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:5001',
      MLFLOW_TRACKING_TOKEN: 't',
      MLFLOW_DISABLE_TELEMETRY: 'true',
    });
    assert.match(trackingEnvDescription('http://127.0.0.1:5001'), /127\.0\.0\.1:5001/);
  });

  test('a client with these variables is let in, one without the token is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-tracking-env-'));
    const store = Store.open(join(dir, '.labbook'));
    const token = newTrackingToken();
    const server = await startTrackingServer({ store, token, host: '127.0.0.1', port: 0, log: () => undefined });
    try {
      const env = trackingEnv(server.url, token);
      const search = `${env.MLFLOW_TRACKING_URI}/api/2.0/mlflow/experiments/search?max_results=10`;
      const allowed = await fetch(search, { headers: { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` } });
      assert.equal(allowed.status, 200);
      const refused = await fetch(search);
      assert.equal(refused.status, 401);
    } finally {
      await server.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
