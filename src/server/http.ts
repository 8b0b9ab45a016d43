// HTTP plumbing shared by the server and the streaming endpoints: bounded body reading, JSON answers, errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { AlreadyExistsError, InvalidValueError } from '../store/errors';
import { sqliteErrorCode } from '../store/sqlite';
import { NotFoundError, ParamConflictError, ReadOnlyRunError } from '../store/store';
import { ApiError } from './fields';
import { JsonBytes } from './wire';

/** A 413 for a body over the limit (not 429: the client would retry it). */
export function tooLarge(limit: number): ApiError {
  return new ApiError('INVALID_PARAMETER_VALUE', `The request body is larger than the limit of ${limit} bytes.`, 413);
}

/**
 * Pipes the request body into `out`, failing with a 413 as soon as it passes `limit` bytes (or at once when its
 * Content-Length says it will). On failure the rest of the body is drained so the answer can still be read.
 */
export function receive(req: IncomingMessage, out: Writable, limit: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      req.unpipe(out);
      req.resume();
      // Settle only once `out` is closed, so a caller that deletes the file it wrote to does so after the last write.
      if (out.closed) reject(error);
      else out.once('close', () => reject(error));
      out.destroy();
    };
    if (Number(req.headers['content-length'] ?? 0) > limit) return fail(tooLarge(limit));
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge(limit));
    });
    req.on('error', fail);
    req.on('close', () => {
      if (!req.complete) fail(new ApiError('BAD_REQUEST', 'The request body ended early.'));
    });
    out.on('error', fail);
    out.on('finish', () => {
      if (!failed) resolve(size);
    });
    req.pipe(out);
  });
}

/**
 * The whole body as a buffer, bounded by `limit` as `receive` bounds it. Collected from 'data' events rather than
 * piped into a Writable: a JSON request is one small chunk, and a stream pair per request cost more than reading it.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: unknown): void => {
      req.removeListener('data', collect);
      req.resume();
      reject(error);
    };
    const collect = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) fail(tooLarge(limit));
      else chunks.push(chunk);
    };
    if (Number(req.headers['content-length'] ?? 0) > limit) return fail(tooLarge(limit));
    req.on('data', collect);
    req.on('error', fail);
    req.on('end', () => {
      if (size <= limit) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('close', () => {
      if (!req.complete) fail(new ApiError('BAD_REQUEST', 'The request body ended early.'));
    });
  });
}

/**
 * Parses a JSON body. Python's json module (which MLflow's own server uses) also accepts bare NaN, Infinity and
 * -Infinity, and hand-written clients send them: those are read as the strings MLflow's protobuf JSON uses.
 */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    try {
      return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : `"${m}"`)));
    } catch {
      throw new ApiError('BAD_REQUEST', `Malformed JSON body: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * Answers with a JSON body (JsonBytes go as they are). The text is encoded once: Buffer.byteLength and then writing
 * the string walked a history page's megabytes twice.
 */
export function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const bytes = body instanceof JsonBytes ? body.bytes : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length, ...headers });
  res.end(bytes);
}

/** Answers with plain text (the /health and /version probes). */
export function sendText(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The API error for anything a handler threw; `internal` is called for errors that are the server's fault. */
export function apiErrorOf(error: unknown, internal: (error: unknown) => void): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof NotFoundError) return new ApiError('RESOURCE_DOES_NOT_EXIST', message);
  if (error instanceof AlreadyExistsError) return new ApiError('RESOURCE_ALREADY_EXISTS', message);
  if (error instanceof ParamConflictError) {
    return new ApiError(
      'INVALID_PARAMETER_VALUE',
      `Changing param values is not allowed. Param with key='${error.key}' was already logged with value='${error.oldValue}'. Attempted logging new value '${error.newValue}'.`,
    );
  }
  if (error instanceof InvalidValueError) return new ApiError('INVALID_PARAMETER_VALUE', message);
  // A run pulled from a remote is the remote's: as MLflow answers a write to a run that is not active.
  if (error instanceof ReadOnlyRunError) return new ApiError('INVALID_PARAMETER_VALUE', message);
  const code = sqliteErrorCode(error);
  // Another process held the write lock past the busy timeout: worth a retry, which the client does on 503.
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new ApiError('TEMPORARILY_UNAVAILABLE', message);
  if (code.startsWith('SQLITE_CONSTRAINT')) return new ApiError('INVALID_PARAMETER_VALUE', message);
  internal(error);
  return new ApiError('INTERNAL_ERROR', message);
}

/** Answers with MLflow's `{error_code, message}`; 413 closes the connection so an unread huge body is not drained. */
export function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, { error_code: error.code, message: error.message }, error.status === 413 ? { Connection: 'close' } : {});
}

/** A listening API server and where it answers. */
export interface ListeningServer {
  server: Server;
  port: number;
  url: string;
}

/**
 * Starts an HTTP server on host:port (0: a free port) that answers each request with `handle`; whatever `handle`
 * throws is answered as apiErrorOf makes it, and errors that are the server's own fault go to `log`.
 */
export async function listenApi(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  host: string,
  port: number,
  log: (line: string) => void,
): Promise<ListeningServer> {
  const internal = (error: unknown): void => log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // An answer before the body was read: drop the rest of it so a keep-alive connection stays usable.
      if (!req.complete) req.resume();
      sendError(res, apiErrorOf(error, internal));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error(`The server on ${host} is not listening on a TCP port.`);
  return { server, port: address.port, url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}` };
}
