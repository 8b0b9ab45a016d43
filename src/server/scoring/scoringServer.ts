// `labbook serve-model`'s HTTP server: MLflow's scoring protocol (POST /invocations; GET /ping, /health, /version),
// the classic POST /predict, Prometheus' GET /metrics and the editor's GET /labbook/window.csv. Pages on other
// sites are refused as the tracking server refuses them (crossSite.ts); everything but the probes needs the token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { computeDrift, type DatasetSample } from '../../core/drift';
import type { Store } from '../../store/store';
import { isLoopback, siteGuard, tokenChecker } from '../crossSite';
import { ApiError } from '../fields';
import { listenApi, readBody, sendJson } from '../http';
import { InferenceLogger, type InferenceLogOptions } from './inferenceLogger';
import { InputWindow } from './inputWindow';
import { ScoringMetrics } from './metrics';
import type { ModelInfo, ModelProcess } from './modelProcess';
import { parseScoringBody, type InputTable } from './payload';

/** The reference a drift gauge compares the window of inputs against. */
export interface DriftSettings {
  /** The version's training data as core/drift samples (capture reads the file). */
  reference: DatasetSample;
  /** Rows in the window of inputs. */
  window: number;
  /** How often the share is recomputed (when inputs arrived since), in ms. */
  intervalMs: number;
}

/** What a scoring server serves and how. */
export interface ScoringServerOptions {
  model: ModelProcess;
  info: ModelInfo;
  name: string;
  version: number;
  host?: string;
  port?: number;
  /** Bearer token for every route but /ping, /health and /version. */
  token: string;
  /** Labbook's version, answered by GET /version. */
  serverVersion: string;
  /** Where the inference log goes; none keeps no log. */
  inferenceLog?: { store: Store; options: InferenceLogOptions };
  drift?: DriftSettings;
  /** Rows kept for GET /labbook/window.csv when there is no drift reference. */
  window?: number;
  maxBodyBytes?: number;
  log: (line: string) => void;
}

/** A listening scoring server. */
export interface ScoringServer {
  url: string;
  port: number;
  metrics: ScoringMetrics;
  /** Recomputes the drift gauge now (the timer calls it; tests and shutdown may too). */
  recomputeDrift: () => void;
  close: () => Promise<void>;
}

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
const DEFAULT_WINDOW = 1000;
/** The fewest rows of a window worth a drift verdict (a handful of rows says nothing). */
export const MIN_DRIFT_ROWS = 30;

const PROBES = new Set(['/ping', '/health', '/version']);

function sendBody(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The drift gauge's loop: every interval, when inputs arrived, the share of drifted features of the window. */
function driftLoop(settings: DriftSettings | undefined, window: InputWindow, metrics: ScoringMetrics, log: (line: string) => void): () => void {
  if (!settings) return () => undefined;
  let computedAt = -1;
  let lastProblem = '';
  return () => {
    if (window.added === computedAt || window.size < MIN_DRIFT_ROWS) return;
    computedAt = window.added;
    try {
      const columns = (window.columns ?? []).filter((name) => settings.reference.columns.has(name));
      const report = computeDrift(settings.reference, window.sample('current window'), { columns });
      metrics.setDriftShare(report.shareOfDriftedColumns);
    } catch (error) {
      const problem = (error as Error).message;
      if (problem !== lastProblem) log(`drift not computed: ${problem}`);
      lastProblem = problem;
    }
  };
}

/** Starts the scoring server on a started model; resolves once it listens. */
export async function startScoringServer(options: ScoringServerOptions): Promise<ScoringServer> {
  const host = options.host ?? '127.0.0.1';
  const { info, log } = options;
  const metrics = new ScoringMetrics(options.name, options.version, info);
  const window = new InputWindow(options.drift?.window ?? options.window ?? DEFAULT_WINDOW, info.features);
  const logger = options.inferenceLog
    ? new InferenceLogger(options.inferenceLog.store, options.name, options.version, options.inferenceLog.options, log)
    : undefined;
  const recomputeDrift = driftLoop(options.drift, window, metrics, log);
  const driftTimer = setInterval(recomputeDrift, options.drift?.intervalMs ?? 60_000);
  driftTimer.unref();
  const authorized = tokenChecker(options.token);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let restartsSeen = options.model.restarts;

  const score = async (req: IncomingMessage, res: ServerResponse, route: 'invocations' | 'predict', started: bigint): Promise<void> => {
    let table: InputTable | undefined;
    try {
      table = parseScoringBody(req.headers['content-type'], await readBody(req, maxBody), route);
      const predictions = await options.model.predict(table);
      sendJson(res, 200, { predictions });
      metrics.observe('ok', Number(process.hrtime.bigint() - started) / 1e9, predictions);
      window.add(table);
      metrics.observeInputs(table);
      logger?.record(table, window.columns ?? [], predictions);
    } catch (error) {
      metrics.observe('error', Number(process.hrtime.bigint() - started) / 1e9);
      throw error;
    } finally {
      for (; restartsSeen < options.model.restarts; restartsSeen++) metrics.restarted();
    }
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, started: bigint) => Promise<void> | void> = {
    'GET /ping': (_req, res) => sendBody(res, 200, 'application/json', '\n'),
    'GET /health': (_req, res) => sendBody(res, 200, 'application/json', '\n'),
    'GET /version': (_req, res) => sendBody(res, 200, 'text/plain; charset=utf-8', options.serverVersion),
    'POST /invocations': (req, res, started) => score(req, res, 'invocations', started),
    'POST /predict': (req, res, started) => score(req, res, 'predict', started),
    'GET /metrics': async (_req, res) => {
      const { text, contentType } = await metrics.exposition();
      sendBody(res, 200, contentType, text);
    },
    'GET /labbook/window.csv': (_req, res) => sendBody(res, 200, 'text/csv; charset=utf-8', window.csv()),
  };

  let checkSite: ((req: IncomingMessage) => void) | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    (checkSite ??= siteGuard(host, port))(req);
    const path = (req.url ?? '/').split('?')[0];
    if (!PROBES.has(path) && !authorized(req.headers.authorization))
      throw new ApiError('UNAUTHENTICATED', 'Missing or wrong token: send Authorization: Bearer <token> (labbook serve-model printed it).');
    const route = routes[`${req.method} ${path}`];
    if (!route) throw new ApiError('ENDPOINT_NOT_FOUND', `No endpoint ${req.method} ${path}`);
    await route(req, res, started);
  };
  const { server, port, url } = await listenApi(handle, host, options.port ?? 0, log);
  if (!isLoopback(host)) log(`warning: the model server listens on ${host}, beyond this machine; requests need the token.`);
  return {
    url,
    port,
    metrics,
    recomputeDrift,
    close: async () => {
      clearInterval(driftTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      logger?.close();
    },
  };
}
