// Model version sources checked as MLflow's server checks them (mlflow/server/handlers.py, _validate_source): a
// source must not reach outside its store through `..`, encoded or not, and a local path is refused unless it lies
// in the artifact directory of the run named with it (Labbook's runs keep artifacts behind mlflow-artifacts:/, so
// never). URIs are split the way Python's urllib does, since that is what decides what MLflow accepts.
import * as path from 'node:path';
import { ApiError, invalid } from './fields';

/** The parts of a URI that source checks look at, split as Python's urllib.parse.urlsplit does. */
export interface SplitUri {
  scheme: string;
  netloc: string;
  path: string;
}

// Python drops leading C0 controls and spaces (WHATWG) before splitting.
function stripLeadingControls(uri: string): string {
  let start = 0;
  while (start < uri.length && uri.charCodeAt(start) <= 0x20) start++;
  return uri.slice(start);
}

const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/** Splits a URI as Python's urlsplit does: a scheme only when it starts with a letter; netloc after `//`; path up to `?` or `#`. */
export function splitUri(uri: string): SplitUri {
  let rest = stripLeadingControls(uri).replace(/[\t\r\n]/g, '');
  let scheme = '';
  const colon = rest.indexOf(':');
  if (colon > 0 && SCHEME_CHARS.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? '' : rest.slice(end + 2);
  }
  return { scheme, netloc, path: rest.split('#')[0].split('?')[0] };
}

/** Python's unquote: valid %XX runs are UTF-8 (invalid bytes become U+FFFD), anything else stays. */
function unquote(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** Python's unquote_plus: unquote with `+` as a space. */
export function unquotePlus(text: string): string {
  return unquote(text.replace(/\+/g, ' '));
}

const RELATIVE_REASON =
  'If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be ' +
  'provided without relative path references present. Please provide an absolute path.';
// MLflow 3 names the model_id instead of the run_id when one was sent (its wording, "run specified by the model_id", kept).
function localReason(param: 'run_id' | 'model_id'): string {
  return (
    `To use a local path as a model version source, the ${param} request parameter has to be specified and the local path has to be ` +
    `contained within the artifact directory of the run specified by the ${param}.`
  );
}

function refused(source: string, reason: string): ApiError {
  return invalid(`Invalid model version source: '${source}'. ${reason}`);
}

/** Whether MLflow takes the URI for a local path (no scheme, or file: on this host); file: on another host is its 500. */
function isLocalUri(uri: string): boolean {
  const { scheme, netloc } = splitUri(uri);
  if (scheme === '') return true;
  if (scheme !== 'file') return false;
  const host = netloc.replace(/^.*@/, '').replace(/:\d*$/, '').toLowerCase();
  if (host && host !== '.' && !host.startsWith('localhost') && !host.startsWith('127.0.0.1')) {
    throw new ApiError(
      'INTERNAL_ERROR',
      `${uri} is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>).`,
    );
  }
  return true;
}

// MLflow resolves the fully unquoted path and refuses it when resolving changes it: a relative path, `.` or `..`.
function checkNoRelativeParts(source: string): void {
  let text = source;
  for (let unquoted = unquotePlus(text); unquoted !== text; unquoted = unquotePlus(text)) text = unquoted;
  const sourcePath = splitUri(text).path.replace(/\/+$/, '').replace(/\/+/g, '/');
  const segments = sourcePath.split('/').slice(1);
  if (sourcePath.includes('\0') || !sourcePath.startsWith('/') || segments.some((s) => s === '.' || s === '..')) {
    throw refused(source, RELATIVE_REASON);
  }
}

// The local path a file: URI or plain path names, resolved as Python's pathlib would (against the server's cwd).
function localPathOf(source: string): string {
  const raw = source.startsWith('file:') ? splitUri(source).path : source;
  return path.resolve(unquote(raw));
}

/** What a version source is checked against: the run (or MLflow 3 logged model) sent with it, if any. */
export interface SourceOwner {
  param: 'run_id' | 'model_id';
  id: string | null;
  /** Throws the owner's 404 when it does not exist. */
  exists: (id: string) => void;
}

/**
 * Checks a model version source as MLflow does. Local paths are always refused here, since no Labbook run or
 * logged model has a local artifact directory; the owner named with one must exist first.
 */
export function checkModelVersionSource(source: string, owner: SourceOwner): void {
  if (!isLocalUri(source)) return checkNoRelativeParts(source);
  if (!owner.id) throw refused(source, localReason(owner.param));
  owner.exists(owner.id);
  throw refused(localPathOf(source), localReason(owner.param));
}
