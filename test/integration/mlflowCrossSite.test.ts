// What a hostile web page can send to a tokenless `labbook serve` on loopback: a text/plain form POST (CSRF), a
// request under its own host name that resolves to 127.0.0.1 (DNS rebinding), a JSON fetch from its own origin.
// All are refused with a JSON 403 and change nothing; the stdlib client and same-origin requests still work.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Harness, Reply } from './mlflowHarness';
import { CLIENT, assertRecorded, rawRequest, runProcess, startHarness } from './mlflowHarness';
import type { ClientSummary } from './mlflowHarness';

const CREATE = '/api/2.0/mlflow/experiments/create';
const SEARCH = '/api/2.0/mlflow/runs/search';

function refused(reply: Reply, what: string): void {
  assert.equal(reply.status, 403, `${what}: ${reply.body.toString()}`);
  assert.equal((reply.json as { error_code?: unknown } | undefined)?.error_code, 'PERMISSION_DENIED', what);
}

describe('a tokenless server on loopback refuses cross-site requests', () => {
  let h: Harness;
  let own: string;
  before(async () => {
    h = await startHarness({ token: undefined });
    own = `127.0.0.1:${h.server.port}`;
  });
  after(() => h.close());

  const experimentNames = (): string[] => h.store.listExperiments().map((e) => e.name);

  test('a hostile page: text/plain form POST, rebinding host, foreign origin with JSON; nothing is created', async () => {
    const before = experimentNames();
    const form = '{"name": "csrf"}';
    const attempts: [string, Record<string, string>][] = [
      ['rebinding form post', { Host: `attacker.example:${h.server.port}`, Origin: 'http://attacker.example', 'Content-Type': 'text/plain' }],
      ['form post to 127.0.0.1', { Host: own, Origin: 'http://attacker.example', 'Content-Type': 'text/plain' }],
      ['text/plain without origin', { Host: own, 'Content-Type': 'text/plain' }],
      ['urlencoded form', { Host: own, 'Content-Type': 'application/x-www-form-urlencoded' }],
      ['no content type', { Host: own }],
      ['foreign origin with JSON', { Host: own, Origin: 'http://attacker.example', 'Content-Type': 'application/json' }],
      ['opaque origin with JSON', { Host: own, Origin: 'null', 'Content-Type': 'application/json' }],
      ['rebinding host with JSON', { Host: `attacker.example:${h.server.port}`, 'Content-Type': 'application/json' }],
      ['right name, wrong port', { Host: '127.0.0.1:1', 'Content-Type': 'application/json' }],
    ];
    for (const [what, headers] of attempts) refused(await rawRequest(h.server.url, 'POST', CREATE, { headers, body: form }), what);
    const empty = await rawRequest(h.server.url, 'POST', `${CREATE}?name=csrf`, { headers: { Host: own, 'Content-Type': 'text/plain' } });
    refused(empty, 'fields in the query of a bodiless form post');
    assert.deepEqual(experimentNames(), before);
  });

  test('DNS rebinding cannot read: a foreign Host is refused on reads, probes and artifacts', async () => {
    const runId = h.store.createRun().id;
    for (const path of [
      SEARCH,
      '/health',
      `/api/2.0/mlflow/runs/get?run_id=${runId}`,
      `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/x.txt`,
    ]) {
      refused(await rawRequest(h.server.url, 'GET', path, { headers: { Host: `attacker.example:${h.server.port}` } }), path);
    }
    const upload = await rawRequest(h.server.url, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/x.txt`, {
      headers: { Host: own, Origin: 'http://attacker.example', 'Content-Type': 'text/plain' },
      body: 'x',
    });
    refused(upload, 'cross-origin upload');
    assert.deepEqual(h.store.artifacts(runId), []);
  });

  test('its own names and origin are served: 127.0.0.1, localhost and [::1] with the port', async () => {
    for (const host of [own, `localhost:${h.server.port}`, `[::1]:${h.server.port}`, `LOCALHOST:${h.server.port}`]) {
      const reply = await rawRequest(h.server.url, 'POST', SEARCH, {
        headers: { Host: host, 'Content-Type': 'application/json; charset=utf-8' },
        body: '{}',
      });
      assert.equal(reply.status, 200, `${host}: ${reply.body.toString()}`);
    }
    const sameOrigin = await rawRequest(h.server.url, 'POST', CREATE, {
      headers: { Host: own, Origin: `http://${own}`, 'Content-Type': 'application/json' },
      body: '{"name": "same-origin"}',
    });
    assert.equal(sameOrigin.status, 200, sameOrigin.body.toString());
    const runId = h.store.createRun().id;
    const upload = await rawRequest(h.server.url, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/a.txt`, {
      headers: { Host: own, 'Content-Type': 'text/plain' },
      body: 'kept',
    });
    assert.equal(upload.status, 200, 'uploads keep their own content types');
    const bodiless = await rawRequest(h.server.url, 'DELETE', `/api/2.0/mlflow/registered-models/delete?name=never-registered`, {
      headers: { Host: own },
    });
    assert.equal(bodiless.status, 404, 'a DELETE with its fields in the query needs no content type');
  });

  test('the stdlib mlflow client records everything through it', async () => {
    const env = { ...process.env, MLFLOW_TRACKING_URI: h.server.url, MLFLOW_TRACKING_TOKEN: '' };
    const result = await runProcess('/usr/bin/python3', [CLIENT], env);
    assert.equal(result.code, 0, result.stderr);
    assertRecorded(h.store, JSON.parse(result.stdout.trim().split('\n').pop()!) as ClientSummary);
  });
});
