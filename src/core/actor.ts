// Who changed the model registry and from where, as the audit trail records it.

/** Where a registry change came from. */
export type ChangeSource = 'cli' | 'extension' | 'api' | 'ci';

/** The person (or job) behind a registry change and the face they used. */
export interface Actor {
  who: string;
  source: ChangeSource;
}

/** True when the environment is a CI job (GitHub Actions, GitLab CI, or any runner that sets CI). */
export function isCi(env: Record<string, string | undefined>): boolean {
  return [env.CI, env.GITHUB_ACTIONS, env.GITLAB_CI].some((value) => value !== undefined && value !== '' && value.toLowerCase() !== 'false');
}

/**
 * The source to record: a CLI or API change made inside a CI job counts as `ci` (that job is what the trail must
 * name); the extension is always a person at an editor.
 */
export function changeSource(face: ChangeSource, env: Record<string, string | undefined>): ChangeSource {
  return face !== 'extension' && isCi(env) ? 'ci' : face;
}

/** How a person is named: git's identity (`Name <email>`) when set, else the OS user, else `unknown`. */
export function actorName(facts: { gitName?: string; gitEmail?: string; osUser?: string }): string {
  const name = facts.gitName?.trim();
  const email = facts.gitEmail?.trim();
  if (name && email) return `${name} <${email}>`;
  return name || email || facts.osUser?.trim() || 'unknown';
}
