// Replays every request the real mlflow 2.12 and 3.11 clients sent (test/fixtures/mlflow-client, copied from shared/fixtures) against
// Labbook's server and checks the status and every field the recorded answer had, and no other. Ids the fixture server made
// are mapped to the ones Labbook makes, learnt from the create answers as the replay goes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SERVER_TIME_FIELDS } from '../mlflow-parity/parity';
import { bytesFor, startHarness } from './mlflowHarness';

// A copy of shared/fixtures/mlflow-client, kept in the repository so the test needs nothing beside it.
const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'mlflow-client');
const FIXTURES = existsSync(FIXTURE_DIR) ? FIXTURE_DIR : undefined;

interface Entry {
  n: number;
  m: string;
  path: string;
  query: Record<string, string | string[]>;
  body?: unknown;
  body_bytes?: number;
  status: number;
  resp?: unknown;
  resp_bytes?: number;
}

// Set by the server, not by the client: they cannot match a recording.
const VOLATILE = new Set(SERVER_TIME_FIELDS);

const ID_FIELDS = new Set(['run_id', 'run_uuid', 'model_id']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replaces recorded run and model ids by ours everywhere in a value. */
function mapIds(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const [from, to] of ids) out = out.split(from).join(to);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => mapIds(v, ids));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapIds(v, ids)]));
  return value;
}

/** Learns id pairs from an answer that created something (run, logged model). */
function learnIds(recorded: unknown, ours: unknown, ids: Map<string, string>): void {
  if (Array.isArray(recorded) && Array.isArray(ours)) recorded.forEach((r, i) => learnIds(r, ours[i], ids));
  if (!isObject(recorded) || !isObject(ours)) return;
  for (const [key, value] of Object.entries(recorded)) {
    if (ID_FIELDS.has(key) && typeof value === 'string' && typeof ours[key] === 'string' && !ids.has(value)) ids.set(value, ours[key] as string);
    else learnIds(value, ours[key], ids);
  }
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sortKey(item: unknown): string {
  return isObject(item) && typeof item.key === 'string' ? item.key : JSON.stringify(item);
}

/** Every field of the recorded answer must be in ours with the same value (server-set times excepted), and ours has no other. */
function expectShape(recorded: unknown, ours: unknown, where: string): void {
  if (typeof recorded === 'string' && typeof ours === 'string' && /^[[{]/.test(recorded)) {
    const [a, b] = [parsedJson(recorded), parsedJson(ours)];
    if (a !== undefined) return expectShape(a, b, `${where}(json)`);
  }
  if (Array.isArray(recorded)) {
    assert.ok(Array.isArray(ours), `${where}: expected a list, got ${JSON.stringify(ours)}`);
    assert.equal(ours.length, recorded.length, `${where}: list length (ours ${JSON.stringify(ours)})`);
    const keys = recorded.map(sortKey);
    const sortable = new Set(keys).size === keys.length && recorded.every((r) => isObject(r) && 'key' in r);
    const [a, b] = sortable
      ? [[...recorded].sort((x, y) => sortKey(x).localeCompare(sortKey(y))), [...ours].sort((x, y) => sortKey(x).localeCompare(sortKey(y)))]
      : [recorded, ours];
    a.forEach((item, i) => expectShape(item, b[i], `${where}[${i}]`));
    return;
  }
  if (isObject(recorded)) {
    assert.ok(isObject(ours), `${where}: expected an object, got ${JSON.stringify(ours)}`);
    for (const [key, value] of Object.entries(recorded)) {
      if (value === undefined) continue;
      if (VOLATILE.has(key)) {
        assert.equal(typeof ours[key], 'number', `${where}.${key}: expected a time`);
        continue;
      }
      // Clients act on error_code; the message is for people.
      if (key === 'message' && 'error_code' in recorded) {
        assert.ok(typeof ours[key] === 'string' && ours[key], `${where}: expected an error message`);
        continue;
      }
      assert.ok(key in ours, `${where}: missing field '${key}' in ${JSON.stringify(ours).slice(0, 300)}`);
      expectShape(value, ours[key], `${where}.${key}`);
    }
    // A field the client never saw from the server is one a client could tell apart.
    const extra = Object.keys(ours).filter((key) => !(key in recorded));
    assert.deepEqual(extra, [], `${where}: fields the recorded answer did not have`);
    return;
  }
  assert.deepEqual(ours, recorded, where);
}

// Where the stand-in that recorded the fixtures was simpler than MLflow's server (and Labbook):
// - it kept mlflow 3's re-logged metric twice; MLflow's SQL store keeps identical (key, value, timestamp, step)
//   rows once;
// - it did not record the metrics logged with a model_id on the logged model; MLflow does;
// - it listed experiments oldest first; MLflow's server lists them newest first (creation time, then id).
// - it did not list a version registered with a model_id in the logged model's `mlflow.modelVersions` tag;
//   MLflow 3's server does (checked against a real 3.11 server), before the client appends its own entry. That
//   tag is left out on both sides (test/unit/loggedModelParity.test.ts checks it);
// - it echoed a model version's model_id and listed aliases on versions in searches and latest versions; MLflow's
//   server (2.12 and 3.11, checked) does neither (test/unit/registryParity.test.ts);
// - it answered a registered model's empty description; MLflow's server (2.12 and 3.11) leaves it out (recorded in
//   test/fixtures/mlflow-parity/07-registry.json, checked by test/unit/registryParity.test.ts).
function expectedAnswer(entry: Entry): unknown {
  const resp = entry.resp;
  if (entry.path.endsWith('/experiments/search') && isObject(resp) && Array.isArray(resp.experiments)) {
    return { ...resp, experiments: [...resp.experiments].reverse() };
  }
  if (entry.path.endsWith('/metrics/get-history') && isObject(resp) && Array.isArray(resp.metrics)) {
    const seen = new Set<string>();
    return { ...resp, metrics: resp.metrics.filter((m) => !seen.has(JSON.stringify(m)) && seen.add(JSON.stringify(m))) };
  }
  if (entry.path.includes('/logged-models')) return withoutModelMetrics(resp);
  return asMlflowRegistry(resp, !/model-versions\/(create|get|update|transition-stage)$|registered-models\/alias$/.test(entry.path));
}

// A registered model (anything with latest_versions) without an empty description; a model version (anything with
// a current_stage) without model_id, and without aliases when listed.
function asMlflowRegistry(value: unknown, listed: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => asMlflowRegistry(v, listed));
  if (!isObject(value)) return value;
  const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asMlflowRegistry(v, listed)]));
  if ('latest_versions' in out && out.description === '') delete out.description;
  if (!('current_stage' in out)) return out;
  delete out.model_id;
  if (listed) delete out.aliases;
  return out;
}

function withoutModelVersionsTag(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isObject(v) && v.key === 'mlflow.modelVersions')).map(withoutModelVersionsTag);
  return isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutModelVersionsTag(v)])) : value;
}

function withoutModelMetrics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutModelMetrics);
  if (!isObject(value)) return value;
  const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutModelMetrics(v)]));
  if (isObject(out.info) && 'model_id' in out.info && isObject(out.data)) out.data = { ...out.data, metrics: undefined };
  return out;
}

const CREATES = /\/(runs\/create|logged-models)$/;

async function replay(file: string): Promise<void> {
  const entries = readFileSync(join(FIXTURES!, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Entry);
  const h = await startHarness();
  const ids = new Map<string, string>();
  const uploads = new Map<string, Buffer>();
  try {
    for (const entry of entries) {
      const path = mapIds(entry.path, ids) as string;
      const label = `${file} #${entry.n} ${entry.m} ${path}`;
      const bytes = entry.body_bytes === undefined ? undefined : bytesFor(path, entry.body_bytes);
      const reply = await h.call(entry.m, path, { query: mapIds(entry.query, ids) as Record<string, string>, body: mapIds(entry.body, ids), bytes });
      assert.equal(reply.status, entry.status, `${label}: status (${reply.body.toString('utf8').slice(0, 300)})`);
      if (bytes) uploads.set(path, bytes);
      if (entry.resp_bytes !== undefined) {
        assert.equal(reply.body.length, entry.resp_bytes, `${label}: downloaded size`);
        assert.deepEqual(reply.body, uploads.get(path), `${label}: downloaded bytes`);
        continue;
      }
      if (CREATES.test(entry.path)) learnIds(entry.resp, reply.json, ids);
      expectShape(withoutModelVersionsTag(mapIds(expectedAnswer(entry), ids)), withoutModelVersionsTag(reply.json), label);
    }
  } finally {
    await h.close();
  }
}

const files = FIXTURES ? readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')) : [];

test('the recorded client sessions are present', () => {
  assert.ok(FIXTURES, 'test/fixtures/mlflow-client not found');
  assert.ok(files.length >= 2, `expected the 2.x and 3.x recordings, found ${files.join(', ')}`);
});

for (const file of files) {
  test(`replays ${file} with the answers the client accepted`, () => replay(file));
}
