// Proxied artifacts (mlflow-artifacts): upload, list and download files of runs (`<eid>/<run id>/artifacts/<path>`)
// and of logged models (`<eid>/models/<model id>/artifacts/<path>`), stored content-addressed in the object store.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { runArtifactAt, runArtifactsUnder } from '../store/tracking';
import type { JsonCall, RawCall, Route, ServerContext } from './context';
import { ApiError, invalid } from './fields';
import { receive, sendJson } from './http';
import { requireActiveRun, runNotFound } from './runRoutes';
import { runArtifactUriIn } from './wire';

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

const RUN_ID = /^[0-9a-f]{32}$/;

/**
 * Parses `<eid>/<run id>/artifacts[/<path>]` or `<eid>/models/<model id>/artifacts[/<path>]`, or, under an
 * experiment's own mlflow-artifacts root, `<root...>/<run id>/artifacts[/<path>]` (the first 32-hex part followed by
 * `artifacts`); undefined if none.
 */
export function parseLocation(raw: string): ArtifactLocation | undefined {
  const parts = checkArtifactPath(raw).split('/');
  if (/^\d+$/.test(parts[0])) {
    if (parts[1] === 'models' && parts[3] === 'artifacts' && parts[2]) return { kind: 'model', ownerId: parts[2], path: parts.slice(4).join('/') };
    if (parts[2] === 'artifacts' && parts[1]) return { kind: 'run', ownerId: parts[1], path: parts.slice(3).join('/') };
  }
  const at = parts.findIndex((part, i) => i > 0 && RUN_ID.test(part) && parts[i + 1] === 'artifacts');
  return at > 0 ? { kind: 'run', ownerId: parts[at], path: parts.slice(at + 2).join('/') } : undefined;
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

type Listed = { path: string; is_dir: boolean; file_size?: number };

// A folder the client wrote itself (an experiment's local artifact_location): its entries, read from disk.
function localChildren(folder: string): Listed[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  return readdirSync(folder, { withFileTypes: true })
    .map((entry) =>
      entry.isDirectory()
        ? { path: entry.name, is_dir: true }
        : { path: entry.name, is_dir: false, file_size: statSync(join(folder, entry.name)).size },
    )
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function localFolderOf(uri: string): string {
  return /^file:/i.test(uri) ? fileURLToPath(uri) : uri;
}

/** The tracking API's own listing (`mlflow/artifacts/list`): paths relative to the run's root, as the request wrote its folder. */
function listRunArtifacts({ ctx, fields }: JsonCall): object {
  const runId = fields.runId();
  const run = ctx.store.findRun(runId);
  if (!run) throw runNotFound(runId);
  const asked = (fields.optString('path') ?? '').replace(/\/+$/, '');
  const dir = asked ? checkArtifactPath(asked) : '';
  const rootUri = runArtifactUriIn(ctx.store, run);
  const children = rootUri.startsWith('mlflow-artifacts:')
    ? childrenOf(
        runArtifactsUnder(ctx.store, runId, dir).filter((f) => f.path !== dir),
        dir,
      )
    : localChildren(join(localFolderOf(rootUri), dir));
  const files = children.map((f) => ({ ...f, path: asked ? `${asked}/${f.path}` : f.path }));
  return files.length ? { root_uri: rootUri, files } : { root_uri: rootUri };
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
