// Remotes live in labbook.yaml under `remotes:` (URL and the name of the environment variable holding the token,
// never the token). Edits go through yaml's Document so the user's comments and layout survive.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { CONFIG_FILE_NAMES, loadConfig } from '../capture/config';
import type { RemoteConfig } from '../capture/config';

/** A remote as a command uses it: its name, URL and token (read from the environment when it names a variable). */
export interface Remote extends RemoteConfig {
  name: string;
}

/** A remote that cannot be added, found or used; the message says what to do. */
export class RemoteError extends Error {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The remotes of a workspace, by name, as labbook.yaml lists them. */
export function listRemotes(workspaceDir: string): Remote[] {
  const { config } = loadConfig(workspaceDir);
  return Object.entries(config.remotes).map(([name, remote]) => ({ name, ...remote }));
}

/** The remote called `name`, or the only one when `name` is undefined (or the one named `origin`). */
export function findRemote(workspaceDir: string, name: string | undefined): Remote {
  const remotes = listRemotes(workspaceDir);
  if (remotes.length === 0) throw new RemoteError('No remote is set up. Add one: labbook remote add origin http://mlflow.example:5000');
  if (name !== undefined) {
    const remote = remotes.find((r) => r.name === name);
    if (!remote) throw new RemoteError(`No remote named '${name}' (known: ${remotes.map((r) => r.name).join(', ')}).`);
    return remote;
  }
  if (remotes.length === 1) return remotes[0];
  const origin = remotes.find((r) => r.name === 'origin');
  if (origin) return origin;
  throw new RemoteError(`Several remotes are set up (${remotes.map((r) => r.name).join(', ')}): name one with --remote.`);
}

/** The token of a remote from its environment variable; an error when the variable is named but empty. */
export function remoteToken(remote: Remote, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!remote.tokenEnv) return undefined;
  const token = env[remote.tokenEnv];
  if (!token) throw new RemoteError(`Remote '${remote.name}' takes its token from $${remote.tokenEnv}, which is not set.`);
  return token;
}

/** Adds (or replaces) a remote in labbook.yaml, creating the file when the workspace has none. */
export function addRemote(workspaceDir: string, name: string, url: string, tokenEnv?: string): void {
  if (!NAME.test(name)) throw new RemoteError(`'${name}' is not a remote name: use letters, digits, '.', '_' and '-'.`);
  if (!/^https?:\/\/[^/]/.test(url)) throw new RemoteError(`'${url}' is not an http:// or https:// URL.`);
  if (tokenEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv))
    throw new RemoteError(`'${tokenEnv}' is not an environment variable name (--token-env takes the variable's name, never the token).`);
  editConfig(workspaceDir, (doc) => {
    const entry: RemoteConfig = tokenEnv ? { url: url.replace(/\/+$/, ''), tokenEnv } : { url: url.replace(/\/+$/, '') };
    if (!isMap(doc.get('remotes'))) doc.set('remotes', doc.createNode({}));
    doc.setIn(['remotes', name], doc.createNode(entry));
  });
}

/** Removes a remote from labbook.yaml; an error when there is no such remote. */
export function removeRemote(workspaceDir: string, name: string): void {
  if (!listRemotes(workspaceDir).some((r) => r.name === name)) throw new RemoteError(`No remote named '${name}'.`);
  editConfig(workspaceDir, (doc) => {
    doc.deleteIn(['remotes', name]);
    const remotes = doc.get('remotes');
    if (isMap(remotes) && remotes.items.length === 0) doc.delete('remotes');
  });
}

function editConfig(workspaceDir: string, edit: (doc: Document) => void): void {
  const path = CONFIG_FILE_NAMES.map((name) => join(workspaceDir, name)).find((p) => existsSync(p)) ?? join(workspaceDir, CONFIG_FILE_NAMES[0]);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0)
    throw new RemoteError(`${path} cannot be parsed (${doc.errors[0].message.split('\n')[0]}); fix it first, nothing was changed.`);
  if (doc.contents === null) doc.contents = doc.createNode({});
  edit(doc);
  // Written beside and renamed over: a crash never leaves half a config.
  writeFileSync(`${path}.tmp`, doc.toString());
  renameSync(`${path}.tmp`, path);
}
