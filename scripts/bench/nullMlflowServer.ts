// A tracking server that does no work: it reads each request and answers a canned, valid MLflow response for the
// endpoints the client benchmarks call. A client's figures against it are that client's own limit, the baseline
// Labbook's server is measured against. It runs in a process of its own, as `labbook serve` does, so that both
// answers cross the same process boundary (a wake-up of another process costs more than the null server's work).
// With `--floor` it also keeps each write request in a FloorStore before it answers: the floor of a durable server.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FloorStore } from './floorStore';

/** Points of the canned metric history, and its page size (the mlflow client's GET_METRIC_HISTORY_MAX_RESULTS). */
export const NULL_HISTORY = { key: 'hist', points: 100_000, page: 25_000 } as const;

/** A listening null server. */
export interface NullServer {
  url: string;
  close(): Promise<void>;
}

const RUN_ID = '0123456789abcdef0123456789abcdef';
const NOW = Date.now();
const RUN_INFO = {
  run_id: RUN_ID,
  run_uuid: RUN_ID,
  run_name: 'null-run',
  experiment_id: '0',
  user_id: 'bench',
  status: 'RUNNING',
  start_time: NOW,
  artifact_uri: `mlflow-artifacts:/0/${RUN_ID}/artifacts`,
  lifecycle_stage: 'active',
};
// As many tags as the mlflow client sets on a new run, so the client parses an answer of the usual size.
const RUN_TAGS = [
  ['mlflow.user', 'bench'],
  ['mlflow.source.name', 'mlflow_client_bench.py'],
  ['mlflow.source.type', 'LOCAL'],
  ['mlflow.runName', 'null-run'],
].map(([key, value]) => ({ key, value }));
const RUN = { info: RUN_INFO, data: { tags: RUN_TAGS }, inputs: {}, outputs: {} };

function historyPage(index: number): string {
  const start = index * NULL_HISTORY.page;
  const metrics = Array.from({ length: NULL_HISTORY.page }, (_, i) => ({
    key: NULL_HISTORY.key,
    value: start + i,
    timestamp: NOW + start + i,
    step: start + i,
  }));
  const last = start + NULL_HISTORY.page >= NULL_HISTORY.points;
  return JSON.stringify(last ? { metrics } : { metrics, next_page_token: String(index + 1) });
}

const PAGES = Array.from({ length: NULL_HISTORY.points / NULL_HISTORY.page }, (_, i) => Buffer.from(historyPage(i)));
const EMPTY = Buffer.from('{}');
const ANSWERS = new Map<string, Buffer>([
  ['POST /api/2.0/mlflow/runs/create', Buffer.from(JSON.stringify({ run: RUN }))],
  ['GET /api/2.0/mlflow/runs/get', Buffer.from(JSON.stringify({ run: RUN }))],
  ['POST /api/2.0/mlflow/runs/update', Buffer.from(JSON.stringify({ run_info: { ...RUN_INFO, status: 'FINISHED', end_time: NOW } }))],
  ['POST /api/2.0/mlflow/runs/log-metric', EMPTY],
  ['POST /api/2.0/mlflow/runs/log-batch', EMPTY],
  ['POST /api/2.0/mlflow/runs/log-parameter', EMPTY],
  ['POST /api/2.0/mlflow/runs/set-tag', EMPTY],
]);
const NOT_FOUND = Buffer.from(JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: 'not in the null server' }));

function answerOf(req: IncomingMessage): Buffer | undefined {
  const [path, query = ''] = (req.url ?? '').split('?');
  if (path === '/api/2.0/mlflow/metrics/get-history') return PAGES[Number(new URLSearchParams(query).get('page_token') ?? 0)];
  return ANSWERS.get(`${req.method} ${path}`);
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  const body = answerOf(req);
  res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json', 'Content-Length': (body ?? NOT_FOUND).length });
  res.end(body ?? NOT_FOUND);
}

/** Answers once the whole body is in, as a real server does; a floor server first keeps what a write request carries. */
function handler(floor: FloorStore | undefined): (req: IncomingMessage, res: ServerResponse) => void {
  if (!floor) return (req, res) => req.resume().on('end', () => answer(req, res));
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') floor.keep((req.url ?? '').split('?')[0], Buffer.concat(chunks).toString('utf8'));
      answer(req, res);
    });
  };
}

function listen(floor: boolean): void {
  const store = floor ? new FloorStore() : undefined;
  // startNullServer's close() sends SIGTERM: the floor's temporary store goes with the process.
  process.once('SIGTERM', () => {
    store?.close();
    process.exit(0);
  });
  const server = createServer(handler(store));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (typeof address === 'object' && address) process.stdout.write(`http://127.0.0.1:${address.port}\n`);
  });
}

/** Starts the null server (the floor server with `floor`) in a child process on a free loopback port. */
export function startNullServer(options: { floor?: boolean } = {}): Promise<NullServer> {
  const args = ['--import', 'tsx', __filename, ...(options.floor ? ['--floor'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve({ url: chunk.toString().trim(), close }));
    child.on('error', reject);
    void exited.then(() => reject(new Error('the null server exited before listening')));
  });
}

if (require.main === module) listen(process.argv.includes('--floor'));
