// A small MLflow REST client (Node's fetch) for push and pull: JSON calls under /api/2.0, proxied artifact
// uploads, bounded retries with backoff for 429 and 5xx (Retry-After honoured), and one error type whose message
// says what went wrong and what to do. It never imports the server's routes: only the wire shapes are shared.

/** What kind of failure a SyncError is; the CLI maps them to messages and exit codes. */
export type SyncFailure = 'unreachable' | 'auth' | 'missing-endpoint' | 'busy' | 'server' | 'rejected';

/** A failed call to the remote: `kind` says which failure, `code` is MLflow's error_code when it sent one. */
export class SyncError extends Error {
  constructor(
    message: string,
    readonly kind: SyncFailure,
    readonly status?: number,
    readonly code?: string,
    /** The request may have been applied (the answer was lost): a call that is not idempotent must check before sending again. */
    readonly ambiguous = false,
  ) {
    super(message);
  }
}

/** Retry and timing knobs; tests shorten the waits. */
export interface ClientOptions {
  token?: string;
  /** Attempts after the first for 429, 502-504 and dropped connections (default 5). */
  retries?: number;
  /** First backoff wait, doubled each retry (default 500 ms). */
  baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included (default 30 s). */
  maxDelayMs?: number;
  /** Per-request timeout (default 120 s). */
  timeoutMs?: number;
}

/** Requests and bytes a client sent, for progress and the summary line. */
export interface ClientStats {
  requests: number;
  bytesSent: number;
}

const RETRIED_STATUS = new Set([429, 502, 503, 504]);

/** The MLflow REST API of one tracking server. */
export class MlflowClient {
  readonly stats: ClientStats = { requests: 0, bytesSent: 0 };
  /** The server's URL without a trailing slash. */
  readonly url: string;
  private readonly base: string;

  constructor(
    url: string,
    private readonly options: ClientOptions = {},
  ) {
    this.base = url.replace(/\/+$/, '');
    this.url = this.base;
  }

  /**
   * POSTs `body` as JSON to `/api/2.0/mlflow/<endpoint>` and returns the parsed answer. `once`: the call is not
   * idempotent (log-batch with metrics, runs/create), so a failure that may have been applied (a dropped
   * connection, 502, 504) is thrown as `ambiguous` instead of retried; refusals (429, 503) are still retried.
   */
  post<T = Record<string, unknown>>(endpoint: string, body: unknown, options: { once?: boolean } = {}): Promise<T> {
    return this.json<T>('POST', endpoint, JSON.stringify(body, wireNumbers), options.once);
  }

  /** DELETEs with a JSON body (as MLflow's DELETE endpoints read their fields). */
  delete<T = Record<string, unknown>>(endpoint: string, body: unknown): Promise<T> {
    return this.json<T>('DELETE', endpoint, JSON.stringify(body));
  }

  /** GETs `/api/2.0/mlflow/<endpoint>?query` and returns the parsed answer. */
  get<T = Record<string, unknown>>(endpoint: string, query: Record<string, string | number | undefined>): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return this.json<T>('GET', `${endpoint}?${params.toString()}`);
  }

  /** Uploads a file through the server's proxied artifact API (`mlflow-artifacts:/<path>`). */
  async upload(artifactPath: string, data: Uint8Array): Promise<void> {
    await this.request('PUT', this.artifactUrl(artifactPath), data, 'application/octet-stream');
  }

  /** Lists a folder through the server's proxied artifact API: the names under `path`, folders marked. */
  async listArtifacts(artifactPath: string): Promise<{ path: string; is_dir?: boolean; file_size?: number | string }[]> {
    const url = `${this.base}/api/2.0/mlflow-artifacts/artifacts?${new URLSearchParams({ path: artifactPath }).toString()}`;
    const text = (await this.request('GET', url, undefined, 'application/json')).toString('utf8');
    return ((text ? JSON.parse(text) : {}) as { files?: { path: string; is_dir?: boolean; file_size?: number | string }[] }).files ?? [];
  }

  /** Downloads a file through the server's proxied artifact API. */
  download(artifactPath: string): Promise<Buffer> {
    return this.request('GET', this.artifactUrl(artifactPath), undefined, 'application/octet-stream');
  }

  private artifactUrl(artifactPath: string): string {
    return `${this.base}/api/2.0/mlflow-artifacts/artifacts/${artifactPath.split('/').map(encodeURIComponent).join('/')}`;
  }

  private async json<T>(method: string, endpoint: string, body?: string, once = false): Promise<T> {
    const text = (await this.request(method, `${this.base}/api/2.0/mlflow/${endpoint}`, body, 'application/json', once)).toString('utf8');
    return (text ? JSON.parse(text) : {}) as T;
  }

  private async request(method: string, url: string, body: string | Uint8Array | undefined, type: string, once = false): Promise<Buffer> {
    const retries = this.options.retries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(method, url, body, type);
      if (Buffer.isBuffer(outcome)) return outcome;
      if (!outcome.retry || attempt >= retries || (once && outcome.error.ambiguous)) throw outcome.error;
      await sleep(this.delay(attempt, outcome.retryAfterMs));
    }
  }

  private delay(attempt: number, retryAfterMs: number | undefined): number {
    const backoff = (this.options.baseDelayMs ?? 500) * 2 ** attempt;
    return Math.min(retryAfterMs ?? backoff, this.options.maxDelayMs ?? 30_000);
  }

  private async attempt(
    method: string,
    url: string,
    body: string | Uint8Array | undefined,
    type: string,
  ): Promise<Buffer | { error: SyncError; retry: boolean; retryAfterMs?: number }> {
    const headers: Record<string, string> = { 'content-type': type };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    this.stats.requests++;
    this.stats.bytesSent += typeof body === 'string' ? Buffer.byteLength(body) : (body?.byteLength ?? 0);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body as BodyInit | undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      return networkFailure(this.base, error);
    }
    let data: Buffer;
    try {
      data = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      return networkFailure(this.base, error); // the connection dropped mid-answer
    }
    if (response.ok) return data;
    const error = httpFailure(this.base, method, url, response.status, data.toString('utf8'));
    return { error, retry: RETRIED_STATUS.has(response.status), retryAfterMs: retryAfter(response.headers.get('retry-after')) };
  }
}

function networkFailure(base: string, error: unknown): { error: SyncError; retry: boolean } {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as Error).name;
  const reason = cause?.message ?? (error as Error).message;
  // A refused or unknown host will not answer a second later; a dropped connection or a timeout may.
  const retry = code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'EAI_AGAIN';
  // Refused before anything was sent: not applied. Anything later may have been.
  const message = retry
    ? `Lost the connection to ${base} (${code}: ${reason}).`
    : `Cannot reach ${base} (${code}: ${reason}). Is the server running, and is the URL right?`;
  return { error: new SyncError(message, 'unreachable', undefined, undefined, retry), retry };
}

function httpFailure(base: string, method: string, url: string, status: number, text: string): SyncError {
  const body = parseError(text);
  const endpoint = new URL(url).pathname;
  if (status === 401 || status === 403) {
    const what = status === 401 ? 'needs a valid token' : 'refused this token';
    return new SyncError(
      `${base} ${what} (HTTP ${status}${body.message ? `: ${body.message}` : ''}). Set the remote's token variable (labbook remote add … --token-env VAR).`,
      'auth',
      status,
      body.code,
    );
  }
  // MLflow answers a missing entity with a JSON error; a route it does not have gets a plain 404 (or 405).
  if ((status === 404 || status === 405) && !body.code)
    return new SyncError(
      `${base} has no ${method} ${endpoint} (HTTP ${status}): the server is older than this feature needs (MLflow 2.x with proxied artifacts).`,
      'missing-endpoint',
      status,
    );
  if (status === 429 || status >= 500)
    return new SyncError(
      `${base} answered ${method} ${endpoint} with HTTP ${status}${body.message ? ` (${body.message})` : ''}; try again later.`,
      status === 429 ? 'busy' : 'server',
      status,
      body.code,
      status !== 429 && status !== 503,
    );
  return new SyncError(`${base} refused ${method} ${endpoint}: ${body.message || `HTTP ${status}`}`, 'rejected', status, body.code);
}

function parseError(text: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return {
      code: typeof parsed.error_code === 'string' ? parsed.error_code : undefined,
      message: typeof parsed.message === 'string' ? parsed.message : undefined,
    };
  } catch {
    return {};
  }
}

/** Retry-After in ms: seconds, or an HTTP date. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** JSON.stringify replacer: NaN and ±Infinity as the strings protobuf JSON (and so MLflow) reads. */
function wireNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** A metric value from the wire: a number, or "NaN", "Infinity", "-Infinity" as protobuf JSON writes them. */
export function wireValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return Number.NaN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
