import { simpleGit } from 'simple-git';
import type { GitFacts } from '../core/types';
import type { ObjectStore } from '../store/objects';

/** Git facts when there is no repository (the run is recorded all the same). */
export const NO_GIT: GitFacts = { commit: null, branch: null, remote: null, dirty: false, patchSha: null };

/**
 * Reads commit, branch, remote, dirty flag and the uncommitted patch of tracked files; the patch is stored as a
 * blob. Outside a repository, or when git is missing, answers NO_GIT instead of failing the run.
 */
export async function captureGitFacts(cwd: string, objects: ObjectStore): Promise<GitFacts> {
  const git = simpleGit({ baseDir: cwd, maxConcurrentProcesses: 4 });
  try {
    if (!(await git.checkIsRepo())) return NO_GIT;
  } catch {
    return NO_GIT;
  }
  const [commit, branch, remote, patch] = await Promise.all([
    git.revparse(['HEAD']).catch(() => null),
    git.revparse(['--abbrev-ref', 'HEAD']).catch(() => null),
    git.remote(['get-url', 'origin']).catch(() => null),
    // --binary so that a patch of a binary tracked file still applies; HEAD so staged changes count too.
    git.diff(['--binary', 'HEAD']).catch(() => ''),
  ]);
  const patchText = typeof patch === 'string' ? patch : '';
  return {
    commit: commit?.trim() || null,
    branch: branch?.trim() && branch.trim() !== 'HEAD' ? branch.trim() : null,
    remote: typeof remote === 'string' && remote.trim() ? remote.trim() : null,
    dirty: patchText.length > 0,
    patchSha: patchText.length > 0 ? objects.putBuffer(patchText) : null,
  };
}
