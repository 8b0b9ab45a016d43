// Read-only documents made from the store: blobs (artifacts, git patches) through a file system provider so
// binary artifacts such as images open in their own editors, and each run's console output as a text document
// that refreshes while the run is live.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import { baseName } from '../core/commandLine';
import { isLiveStatus } from '../core/types';
import type { Store } from '../store/store';
import { cleanConsoleLine } from './panels/consoleTail';
import type { StoreHost } from './storeHost';

/** Scheme of stored blobs: `labbook-blob:/<sha256>/<file name>`. */
export const BLOB_SCHEME = 'labbook-blob';
/** Scheme of generated run documents: console output. */
export const RUN_DOC_SCHEME = 'labbook-run';

/** Most of a console log an editor is given; longer logs are shown from their end. */
const MAX_CONSOLE_BYTES = 4 * 1024 * 1024;
/** Blobs larger than this are not loaded into an editor (reveal them instead). */
const MAX_BLOB_BYTES = 256 * 1024 * 1024;
const SHA256 = /^[0-9a-f]{64}$/;

function fileNamePart(name: string): string {
  return (
    baseName(name)
      .replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_')
      .slice(0, 120) || 'blob'
  );
}

/** URI of a stored blob, named after the file it came from so editors pick the right language or viewer. */
export function blobUri(sha256: string, fileName: string): vscode.Uri {
  return vscode.Uri.from({ scheme: BLOB_SCHEME, path: `/${sha256}/${fileNamePart(fileName)}` });
}

/** URI of a run's console output document. */
export function consoleUri(runId: string, runName: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_DOC_SCHEME, path: `/${runId}/${fileNamePart(runName)} console.log` });
}

/** Read-only file system over `.labbook/objects`. */
export class BlobFileSystem implements vscode.FileSystemProvider {
  private readonly never = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.never.event;

  constructor(private readonly host: StoreHost) {}

  // The blob a URI names, in the store that is open now; anything else does not exist.
  private blob(uri: vscode.Uri): { store: Store; sha: string; path: string } {
    const sha = uri.path.split('/')[1] ?? '';
    const store = this.host.store;
    if (!store || !SHA256.test(sha) || !store.objects.has(sha)) throw vscode.FileSystemError.FileNotFound(uri);
    return { store, sha, path: store.objects.pathOf(sha) };
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const stats = statSync(this.blob(uri).path);
    return { type: vscode.FileType.File, ctime: stats.ctimeMs, mtime: stats.mtimeMs, size: stats.size, permissions: vscode.FilePermission.Readonly };
  }

  readFile(uri: vscode.Uri): Uint8Array {
    const { store, sha, path } = this.blob(uri);
    if (statSync(path).size > MAX_BLOB_BYTES) {
      throw vscode.FileSystemError.Unavailable(`This artifact is larger than ${MAX_BLOB_BYTES / 1024 / 1024} MB; use Reveal Artifact instead.`);
    }
    return store.objects.read(sha);
  }

  watch(): vscode.Disposable {
    // Blobs are content-addressed: they never change.
    return new vscode.Disposable(() => undefined);
  }

  readDirectory(uri: vscode.Uri): [string, vscode.FileType][] {
    throw vscode.FileSystemError.FileNotADirectory(uri);
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}

/** The end of a file, at most `max` bytes, starting at a line boundary, with a note when the start was left out. */
function readTail(path: string, max: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - max);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    if (start === 0) return buffer.toString('utf8');
    const body = buffer.subarray(buffer.indexOf(0x0a) + 1);
    return `[Labbook: the first ${size - body.length} bytes of this log are not shown]\n${body.toString('utf8')}`;
  } finally {
    closeSync(fd);
  }
}

function consoleText(store: Store, runId: string): string {
  const run = store.findRun(runId);
  if (!run) return 'This run no longer exists.\n';
  const live = isLiveStatus(run.status) ? store.consolePath(runId) : null;
  const path = live ?? (run.consoleSha && store.objects.has(run.consoleSha) ? store.objects.pathOf(run.consoleSha) : null);
  if (!path) return isLiveStatus(run.status) ? 'The run has not written any output yet.\n' : 'No console output was recorded for this run.\n';
  try {
    return readTail(path, MAX_CONSOLE_BYTES).split(/\r?\n/).map(cleanConsoleLine).join('\n');
  } catch (error) {
    // The runner removes the live log once it is stored as a blob; the next refresh reads the blob.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'The run just ended; its console output is being stored.\n';
    throw error;
  }
}

/** Console output as read-only text documents that follow the store. */
export class RunDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly sizes = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[];
  private readonly timer: NodeJS.Timeout;
  readonly onDidChange = this.changed.event;

  constructor(private readonly host: StoreHost) {
    this.subscriptions = [this.changed, host.onDidChange(() => this.openDocuments().forEach((uri) => this.changed.fire(uri)))];
    // Console output often grows without a database write (plain prints), so live logs are watched by size.
    this.timer = setInterval(() => this.checkLiveLogs(), 1000);
  }

  private openDocuments(): vscode.Uri[] {
    return vscode.workspace.textDocuments.filter((doc) => doc.uri.scheme === RUN_DOC_SCHEME && !doc.isClosed).map((doc) => doc.uri);
  }

  private checkLiveLogs(): void {
    const store = this.host.store;
    if (!store) return;
    const open = this.openDocuments();
    for (const key of this.sizes.keys()) if (!open.some((uri) => uri.toString() === key)) this.sizes.delete(key);
    for (const uri of open) {
      const runId = uri.path.split('/')[1];
      const path = store.consolePath(runId);
      if (!path) continue;
      let size = -1;
      try {
        size = statSync(path).size;
      } catch {
        // Gone: the run ended and the data_version change refreshes the document.
      }
      if (this.sizes.get(uri.toString()) === size) continue;
      this.sizes.set(uri.toString(), size);
      this.changed.fire(uri);
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const store = this.host.store;
    if (!store) return 'There is no Labbook store in this workspace.\n';
    const runId = uri.path.split('/')[1] ?? '';
    return consoleText(store, runId);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
