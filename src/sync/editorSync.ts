// The editor's sync rules that need no editor: which token a remote uses (its variable, else the one Add Remote
// kept in SecretStorage) and when a run that ends is pushed (`labbook.sync.pushOnRunEnd`). The extension supplies
// SecretStorage, the setting and the run-end event; unit tests supply fakes.
import type { Remote } from './remotes';

/** The token a remote uses: its variable's value when set, else `stored()` (SecretStorage); none without `tokenEnv`. */
export async function resolveToken(
  remote: Remote,
  env: NodeJS.ProcessEnv,
  stored: () => PromiseLike<string | undefined>,
): Promise<string | undefined> {
  if (!remote.tokenEnv) return undefined;
  return env[remote.tokenEnv] || (await stored()) || undefined;
}

/** The variables the CLI gets for a remote: its token under the variable labbook.yaml names, when there is one. */
export function tokenEnvironment(remote: Remote, token: string | undefined): Record<string, string> {
  return remote.tokenEnv && token ? { [remote.tokenEnv]: token } : {};
}

/** A subscription that can be ended. */
export interface Subscription {
  dispose(): void;
}

/** Pushes each run that ends while `enabled()` (the setting, read at the end, so a change applies at once) says so. */
export function pushOnRunEnd(
  onDidEnd: (listener: (run: { id: string }) => void) => Subscription,
  enabled: () => boolean,
  push: (runId: string) => void,
): Subscription {
  return onDidEnd((run) => {
    if (enabled()) push(run.id);
  });
}
