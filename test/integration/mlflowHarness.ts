// Shared by the MLflow server tests: a temp store with a running tracking server, and a small HTTP caller.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTrackingServer } from '../../src/server/trackingServer';
import type { TrackingServer, TrackingServerOptions } from '../../src/server/trackingServer';
import { LoggedModels } from '../../src/store/loggedModels';
import { ModelRegistry } from '../../src/store/registry';
import { Store } from '../../src/store/store';

/** What a test call got back. */
export interface Reply {
  status: number;
  body: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
  headers: Headers;
}

/** A call: JSON body for POST/PATCH/DELETE, query for GET, raw bytes for artifact uploads. */
export interface CallOptions {
  query?: Record<string, string | string[]>;
  body?: unknown;
  bytes?: Buffer;
  token?: string | null;
  headers?: Record<string, string>;
}

/** A store in a temp folder with a tracking server on it. */
export interface Harness {
  dir: string;
  store: Store;
  server: TrackingServer;
  logs: string[];
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** A call that must answer 200; returns the parsed JSON. */
  ok(method: string, path: string, options?: CallOptions): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Query string with repeated keys for lists. */
export function queryString(query: Record<string, string | string[]> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Calls `url + path` and reads the whole answer. */
export async function callUrl(url: string, method: string, path: string, options: CallOptions = {}, token?: string): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const bearer = options.token === undefined ? token : options.token;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body: ArrayBuffer | string | undefined;
  if (options.bytes) body = new Uint8Array(options.bytes).buffer;
  else if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${url}${path}${queryString(options.query)}`, { method, headers, body });
  const buffer = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: buffer, json: jsonOf(buffer), headers: res.headers };
}

/** Opens a temp store and starts a server on it (token "test-token" unless given). */
export async function startHarness(
  options: Partial<TrackingServerOptions> = {},
  prepare?: (store: Store) => Partial<TrackingServerOptions>,
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-mlflow-'));
  const store = Store.open(join(dir, '.labbook'));
  const logs: string[] = [];
  const token = 'token' in options ? options.token : 'test-token';
  const server = await startTrackingServer({ store, log: (line) => logs.push(line), ...options, ...prepare?.(store), token }).catch(
    (error: unknown) => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    },
  );
  const call = (method: string, path: string, callOptions?: CallOptions): Promise<Reply> => callUrl(server.url, method, path, callOptions, token);
  return {
    dir,
    store,
    server,
    logs,
    call,
    async ok(method, path, callOptions) {
      const reply = await call(method, path, callOptions);
      if (reply.status !== 200) throw new Error(`${method} ${path} answered ${reply.status}: ${reply.body.toString('utf8')}`);
      return (reply.json ?? {}) as Record<string, unknown>;
    },
    async close() {
      await server.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deterministic bytes of a given length (artifact uploads in replays, where the fixture kept only the size). */
export function bytesFor(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (seed.charCodeAt(i % seed.length) + i) % 256;
  return out;
}

/** Output and exit code of a finished process. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The stdlib MLflow client script. */
export const CLIENT = join(__dirname, 'mlflow_client.py');

/** Runs a command to its end without blocking the event loop (the server answers from this process). */
export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON summary line the client prints on success. */
export interface ClientSummary {
  run_id: string;
  experiment_id: string;
  model_id: string;
  registered_model: string;
  versions: string[];
}

/** Checks what the client recorded, straight from the store. */
export function assertRecorded(store: Store, summary: ClientSummary): void {
  const run = store.getRunDetail(summary.run_id);
  assert.equal(run.experimentName, 'stdlib-client');
  assert.equal(run.name, 'stdlib-run');
  assert.equal(run.user, 'tester');
  // Under labbook run the client's own argparse options are recorded as params as well (python/sitecustomize.py).
  const { experiment: _experiment, model: _model, ...logged } = run.params;
  assert.deepEqual(logged, { alpha: '0.5', l1_ratio: '0.1', solver: 'lbfgs' });
  const metrics = Object.fromEntries(run.metrics.map((m) => [m.key, m]));
  assert.equal(metrics.loss.count, 5, 'the re-logged loss point is kept once');
  assert.equal(metrics.loss.last, 0.0625);
  assert.ok(Number.isNaN(metrics.odd.last));
  assert.equal(metrics.edge.last, Number.POSITIVE_INFINITY);
  assert.equal(metrics.edge.count, 1);
  assert.equal(run.tags.team, 'ml');
  const artifacts = Object.fromEntries(run.artifacts.map((a) => [a.path, a]));
  assert.equal(artifacts['sub dir/notes v1+final.txt'].size, 'plus and space\n'.length);
  assert.equal(artifacts['model/model.pkl'].role, 'model', 'files under a logged MLflow 2 model are the run model');
  assert.equal(artifacts['notes.txt'].role, 'output');
  assert.ok(store.objects.has(artifacts['data/blob.bin'].sha256));

  const model = new LoggedModels(store).get(summary.model_id);
  assert.equal(model.status, 'LOGGED_MODEL_READY');
  assert.equal(model.sourceRunId, summary.run_id);
  assert.ok(new LoggedModels(store).fileAt(model.id, 'model.pkl'));

  const registry = new ModelRegistry(store);
  const versions = registry.listVersions(summary.registered_model);
  assert.deepEqual(
    versions.map((v) => [v.version, v.stage, v.aliases]),
    [
      [2, 'Production', ['champion']],
      [1, 'Archived', []],
    ],
  );
  assert.equal(versions[0].modelId, summary.model_id);
}

/** A request with the path sent byte for byte (fetch would normalize `..` and `%2e%2e` away). */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, path, method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body, json: jsonOf(body), headers: new Headers(res.headers as Record<string, string>) });
      });
    });
    // A server may answer (413) and close before taking the whole body; the answer is what the test reads.
    req.on('error', reject);
    if (options.body !== undefined && options.chunked) {
      const data = Buffer.from(options.body);
      for (let i = 0; i < data.length; i += 64 * 1024) req.write(data.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(options.body);
  });
}
