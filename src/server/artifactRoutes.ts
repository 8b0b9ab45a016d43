// Proxied artifacts (mlflow-artifacts): upload, list and download files of runs (`<eid>/<run id>/artifacts/<path>`)
// and of logged models (`<eid>/models/<model id>/artifacts/<path>`), stored content-addressed in the object store.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runArtifactAt, runArtifactsUnder } from '../store/tracking';
import type { JsonCall, RawCall, Route, ServerContext } from './context';
import { ApiError, invalid } from './fields';
import { receive, sendJson } from './http';
import { requireActiveRun, runNotFound } from './runRoutes';
import { runArtifactUri } from './wire';

/** Where an artifact path points: a run's files or a logged model's, and the path inside them. */
export type ArtifactLocation = { kind: 'run'; ownerId: string; path: string } | { kind: 'model'; ownerId: string; path: string };

// `C:`, `C:x`: a client on Windows joins such a part as a drive (absolute or drive-relative), wherever it stands.
const DRIVE = /^[A-Za-z]:/;

/**
 * Checks a decoded artifact path and returns it without its `.` parts (MLflow reads `./dir` as `dir`, `.` as the root):
 * no `..` parts (MLflow's 400 "Invalid path"), no empty parts (so no `//server` share), not absolute, no backslash, no
 * NUL, no part starting with a drive letter. Anything else could name a file outside the artifact root of a client
 * that downloads it.
 */
export function checkArtifactPath(path: string): string {
  if (path.includes('\u0000')) throw invalid('Artifact paths cannot contain NUL characters.');
  if (path.includes('\\')) throw invalid(`Invalid artifact path '${path}': backslashes are not allowed.`);
  if (path.startsWith('/')) throw invalid('Invalid path');
  const parts = path.split('/').filter((part) => part !== '.');
  for (const part of parts) {
    if (part === '..') throw invalid('Invalid path');
    if (part === '') throw invalid(`Invalid artifact path '${path}': empty path segment.`);
    if (DRIVE.test(part)) throw invalid(`Invalid artifact path '${path}': '${part}' names a drive.`);
  }
  return parts.join('/');
}

/** Parses `<eid>/<run id>/artifacts[/<path>]` or `<eid>/models/<model id>/artifacts[/<path>]`; undefined if neither. */
export function parseLocation(raw: string): ArtifactLocation | undefined {
  const parts = checkArtifactPath(raw).split('/');
  if (!/^\d+$/.test(parts[0])) return undefined;
  if (parts[1] === 'models' && parts[3] === 'artifacts' && parts[2]) return { kind: 'model', ownerId: parts[2], path: parts.slice(4).join('/') };
  if (parts[2] === 'artifacts' && parts[1]) return { kind: 'run', ownerId: parts[1], path: parts.slice(3).join('/') };
  return undefined;
}

interface StoredFile {
  path: string;
  sha256: string;
  size: number;
}

// The run id (or model id) decides; the experiment id in the path is not checked, so a run that the runner's
// adoption moved to another experiment still finds its files under a URI handed out before the move.
function filesUnder(ctx: ServerContext, at: ArtifactLocation): StoredFile[] {
  if (at.kind === 'run') return ctx.store.findRun(at.ownerId) ? runArtifactsUnder(ctx.store, at.ownerId, at.path) : [];
  try {
    return ctx.models.filesUnder(ctx.models.get(at.ownerId).id, at.path);
  } catch {
    return [];
  }
}

function fileAt(ctx: ServerContext, at: ArtifactLocation): StoredFile | undefined {
  if (at.kind === 'run') return runArtifactAt(ctx.store, at.ownerId, at.path);
  return ctx.models.fileAt(at.ownerId, at.path);
}

/** The direct children of a folder: files with sizes, folders without; MLflow's listing shape. */
export function childrenOf(files: readonly StoredFile[], dir: string): { path: string; is_dir: boolean; file_size?: number }[] {
  const children = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const file of files) {
    const rest = dir ? file.path.slice(dir.length + 1) : file.path;
    const [first, ...more] = rest.split('/');
    if (more.length) children.set(first, { path: first, is_dir: true });
    else if (!children.has(first)) children.set(first, { path: first, is_dir: false, file_size: file.size });
  }
  return [...children.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The tracking API's own listing (`mlflow/artifacts/list`): paths relative to the run's root, as the request wrote its folder. */
function listRunArtifacts({ ctx, fields }: JsonCall): object {
  const runId = fields.runId();
  const run = ctx.store.findRun(runId);
  if (!run) throw runNotFound(runId);
  const asked = fields.optString('path') ?? '';
  const dir = asked ? checkArtifactPath(asked.replace(/\/+$/, '')) : '';
  const prefix = asked ? `${asked.replace(/\/+$/, '')}/` : '';
  const files = runArtifactsUnder(ctx.store, runId, dir).filter((f) => f.path !== dir);
  const root = { root_uri: runArtifactUri(run.experimentId, runId) };
  return files.length ? { ...root, files: childrenOf(files, dir).map((f) => ({ ...f, path: `${prefix}${f.path}` })) } : root;
}

function list({ ctx, fields }: JsonCall): object {
  const raw = (fields.optString('path') ?? '').replace(/\/+$/, '');
  if (!raw) return {};
  const at = parseLocation(raw);
  if (!at) return {};
  // Listing a file, or a folder with nothing under it, answers {} as MLflow's server does.
  const files = filesUnder(ctx, at).filter((f) => f.path !== at.path);
  return files.length ? { files: childrenOf(files, at.path) } : {};
}

function locate(params: Record<string, string>): ArtifactLocation {
  const at = parseLocation(params.path);
  if (!at || !at.path) {
    throw invalid(
      `Invalid artifact path '${params.path}': expected <experiment id>/<run id>/artifacts/<path> or <experiment id>/models/<model id>/artifacts/<path>.`,
    );
  }
  return at;
}

async function download({ ctx, res, params }: RawCall): Promise<void> {
  const at = locate(params);
  const file = fileAt(ctx, at);
  const blob = file && ctx.store.objects.pathOf(file.sha256);
  if (!file || !blob || !existsSync(blob)) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No artifact at '${params.path}'.`);
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': file.size });
  await pipeline(createReadStream(blob), res);
}

function requireOwner(ctx: ServerContext, at: ArtifactLocation): void {
  if (at.kind === 'model') {
    ctx.models.get(at.ownerId);
    return;
  }
  requireActiveRun(ctx.store, at.ownerId);
}

async function upload({ ctx, req, res, params }: RawCall): Promise<void> {
  const at = locate(params);
  requireOwner(ctx, at);
  const tmp = join(tmpdir(), `labbook-upload-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await receive(req, createWriteStream(tmp), ctx.maxArtifactBytes);
    const { sha256, size } = await ctx.store.objects.putFile(tmp);
    if (at.kind === 'model') ctx.models.addFile(at.ownerId, { path: at.path, sha256, size });
    else ctx.store.addArtifact({ runId: at.ownerId, path: at.path, sha256, size, role: 'output', direction: 'output' });
  } finally {
    rmSync(tmp, { force: true });
  }
  sendJson(res, 200, {});
}

/** Artifact endpoints. */
export const artifactRoutes: readonly Route[] = [
  { method: 'GET', path: 'mlflow-artifacts/artifacts', json: list },
  { method: 'GET', path: 'mlflow/artifacts/list', json: listRunArtifacts },
  { method: 'GET', path: 'mlflow-artifacts/artifacts/*path', raw: download },
  { method: 'PUT', path: 'mlflow-artifacts/artifacts/*path', raw: upload },
];
