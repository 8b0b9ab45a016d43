// Keeps web pages out of the tracking server. A page the user opens can make the browser send requests to
// 127.0.0.1: plain form posts (CSRF, no preflight), or, after pointing its own host name at 127.0.0.1 (DNS
// rebinding), same-origin requests it can read. Browsers always name the site in Host and, on posts, in Origin,
// and forms can only send text/plain or form encodings; the mlflow client sends JSON and no Origin.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './fields';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

// Bound to every interface, the server has no one name its clients use; the token it must have then guards it
// (a page cannot send the token, whatever name it reaches the server under).
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

function authority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The Host values a server bound to `host`:`port` answers to (lower case); undefined when any name is fine. */
export function allowedHosts(host: string, port: number): ReadonlySet<string> | undefined {
  if (isWildcard(host)) return undefined;
  const names = isLoopback(host) ? [host, '127.0.0.1', 'localhost', '::1'] : [host];
  const hosts = new Set(names.map((name) => authority(name.toLowerCase(), port)));
  // A client leaves out the default port.
  if (port === 80) for (const name of names) hosts.add(authority(name.toLowerCase(), port).replace(/:80$/, ''));
  return hosts;
}

function denied(message: string): ApiError {
  return new ApiError('PERMISSION_DENIED', message);
}

/**
 * A check of every request against the server's own names: a foreign Host (DNS rebinding) or an Origin that is not
 * the server's own (a page on another site) is a 403.
 */
export function siteGuard(host: string, port: number): (req: IncomingMessage) => void {
  const hosts = allowedHosts(host, port);
  if (!hosts) return () => undefined;
  const origins = new Set([...hosts].map((name) => `http://${name}`));
  return (req) => {
    const requested = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(requested)) {
      throw denied(
        `Refused a request for host '${requested}': this server answers only to ${[...hosts].join(', ')} (a page on another site can reach 127.0.0.1 under its own name).`,
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      throw denied(`Refused a cross-origin request from '${origin}': web pages may not use the tracking API.`);
    }
  };
}

/** True for `application/json`, with or without parameters such as charset. */
export function isJsonContentType(header: string | undefined): boolean {
  return (header ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
}

/** The 403 for a JSON endpoint called with another content type (what an HTML form sends). */
export function notJson(header: string | undefined): ApiError {
  return denied(
    `Refused a body of type '${header ?? 'none'}': JSON endpoints take Content-Type: application/json (forms and text/plain are what other sites can send).`,
  );
}

// Hashing both sides first gives equal lengths, so the comparison time says nothing about the token.
/** A check of the Authorization header against `Bearer <token>`; any header passes when there is no token. */
export function tokenChecker(token: string | undefined): (header: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const expected = createHash('sha256').update(`Bearer ${token}`).digest();
  return (header) =>
    timingSafeEqual(
      createHash('sha256')
        .update(header ?? '')
        .digest(),
      expected,
    );
}
