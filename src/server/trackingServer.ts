// A local MLflow-compatible tracking server over the workspace store: unmodified `mlflow` client code pointed at
// MLFLOW_TRACKING_URI=http://127.0.0.1:PORT records into Labbook. Plain node:http: the API is a few dozen JSON
// endpoints and two streaming ones, which a route table covers without a framework.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggedModels } from '../store/loggedModels';
import { AuditedRegistry, localActor } from '../store/modelAudit';
import type { Store } from '../store/store';
import { artifactRoutes } from './artifactRoutes';
import type { JsonCall, JsonRoute, ServerContext } from './context';
import { isJsonContentType, isLoopback, notJson, siteGuard, tokenChecker } from './crossSite';
import { experimentRoutes } from './experimentRoutes';
import { ApiError, Fields } from './fields';
import { listenApi, parseJsonBody, readBody, sendJson, sendText } from './http';
import { loggedModelRoutes } from './loggedModelRoutes';
import { registryRoutes } from './registryRoutes';
import { Router } from './router';
import type { Match } from './router';
import { runRoutes } from './runRoutes';

/** Options of startTrackingServer. */
export interface TrackingServerOptions {
  store: Store;
  /** Interface to bind; loopback unless given. Any other host requires a token. */
  host?: string;
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number;
  /** Per-session secret the client sends as `Authorization: Bearer <token>` (MLFLOW_TRACKING_TOKEN). */
  token?: string;
  /** The runner's run: the first runs/create of the process returns it instead of creating a run. */
  adoptRunId?: string;
  /** Limit of a JSON request body in bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** Limit of one uploaded artifact in bytes (default 8 GiB). */
  maxArtifactBytes?: number;
  log?: (line: string) => void;
  /** Runs before a metric history is read; a failure is logged and the history the store has is served. */
  beforeHistory?: (runId: string, key: string) => Promise<unknown>;
  /**
   * The built checkpointWorker.js: from the first request on, the store's WAL is checkpointed in that worker
   * (Store.checkpointInBackground), so a runner whose script never calls MLflow does not start the thread.
   */
  checkpointWorker?: string;
}

/** A running tracking server. */
export interface TrackingServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The version string /version answers: the MLflow API level this server speaks. */
export const MLFLOW_API_VERSION = '3.1.0';

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
const DEFAULT_MAX_ARTIFACT = 8 * 1024 * 1024 * 1024;
const API_PREFIX = /^\/(?:api|ajax-api)\/2\.0\/(.+)$/;

const router = new Router([...experimentRoutes, ...runRoutes, ...loggedModelRoutes, ...registryRoutes, ...artifactRoutes]);

async function fieldsOf(req: IncomingMessage, target: Target, maxBodyBytes: number): Promise<Fields> {
  if (req.method === 'GET') return Fields.fromQuery(target.query);
  const type = req.headers['content-type'];
  // A form can post, but not DELETE across sites (that needs a preflight this server never grants).
  if (!isJsonContentType(type) && req.method !== 'DELETE') throw notJson(type);
  const body = await readBody(req, maxBodyBytes);
  // DELETE calls from some clients carry their fields in the query string instead of a body.
  if (body.length === 0) return Fields.fromQuery(target.query);
  if (!isJsonContentType(type)) throw notJson(type);
  return Fields.fromJson(parseJsonBody(body.toString('utf8')));
}

// Reads that clients send as POST: they must not hold the write lock, which writes from other processes would wait on.
const READ_ONLY_POST = /\/(?:search|get-latest-versions)$/;

/**
 * Runs a JSON endpoint. A write runs in one IMMEDIATE transaction, so the request takes the store's locks once and
 * commits once, however many statements it runs (a run's creation ran a dozen, each locking and unlocking the file on
 * its own), and a request that fails part way leaves nothing behind.
 */
function answer(ctx: ServerContext, route: JsonRoute, call: JsonCall, method: string): object {
  if (method === 'GET' || READ_ONLY_POST.test(route.path)) return route.json(call);
  return ctx.store.transaction(() => route.json(call));
}

async function dispatch(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  match: Match,
  maxBodyBytes: number,
): Promise<void> {
  const { route, params } = match;
  if ('raw' in route) {
    await route.raw({ ctx, req, res, params });
    return;
  }
  const fields = await fieldsOf(req, target, maxBodyBytes);
  await route.prepare?.({ ctx, fields, params });
  sendJson(res, 200, answer(ctx, route, { ctx, fields, params }, req.method ?? 'GET'));
}

/** The request path (still percent-encoded) and query. */
interface Target {
  pathname: string;
  query: URLSearchParams;
}

// Not `new URL()`: it would resolve `.`, `..` and `%2e%2e` segments before the artifact path check could see them.
function targetOf(req: IncomingMessage): Target {
  const raw = req.url ?? '/';
  if (!raw.startsWith('/')) throw new ApiError('BAD_REQUEST', 'The request target must be a path.');
  const q = raw.indexOf('?');
  return q < 0 ? { pathname: raw, query: new URLSearchParams() } : { pathname: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
}

function checkOptions(options: TrackingServerOptions): string {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.token) {
    throw new Error(
      `Refusing to serve the tracking API on ${host} without a token: anyone who can reach it could write to the store. Pass a token or bind 127.0.0.1.`,
    );
  }
  if (options.adoptRunId && !options.store.findRun(options.adoptRunId))
    throw new Error(`The run to adopt (${options.adoptRunId}) is not in the store.`);
  return host;
}

/** Starts the MLflow-compatible tracking server on the store; resolves once it listens. */
export async function startTrackingServer(options: TrackingServerOptions): Promise<TrackingServer> {
  const host = checkOptions(options);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!isLoopback(host)) log(`warning: the MLflow tracking API listens on ${host}, beyond this machine; requests need the token.`);
  const ctx: ServerContext = {
    store: options.store,
    // MLflow clients change stages and aliases through here: the audit trail names them 'api' (or 'ci' in a CI job).
    registry: new AuditedRegistry(options.store, () => localActor('api')),
    models: new LoggedModels(options.store),
    adoption: options.adoptRunId ? { runId: options.adoptRunId, adopted: false } : undefined,
    maxArtifactBytes: options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT,
    log,
    beforeHistory: options.beforeHistory,
  };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const authorized = tokenChecker(options.token);

  // Made on the first request: the names it allows include the port, which is known once the server listens.
  let checkSite: ((req: IncomingMessage) => void) | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    (checkSite ??= siteGuard(host, port))(req);
    if (options.checkpointWorker) options.store.checkpointInBackground(options.checkpointWorker, log);
    if (!authorized(req.headers.authorization))
      throw new ApiError('UNAUTHENTICATED', 'Missing or wrong token: send Authorization: Bearer <MLFLOW_TRACKING_TOKEN>.');
    const target = targetOf(req);
    if (target.pathname === '/health') return sendText(res, 'OK');
    if (target.pathname === '/version') return sendText(res, MLFLOW_API_VERSION);
    const path = API_PREFIX.exec(target.pathname)?.[1];
    const match = path === undefined ? undefined : router.match(req.method ?? 'GET', path);
    if (!match) throw new ApiError('ENDPOINT_NOT_FOUND', `No endpoint ${req.method} ${target.pathname}`);
    await dispatch(ctx, req, res, target, match, maxBodyBytes);
  };

  const { server, port, url } = await listenApi(handle, host, options.port ?? 0, log);
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
