// The code a run ran: its commit with its stored uncommitted patch applied, as a git tree, reconstructed with git
// itself (`git apply --cached` on a scratch index, so text and --binary patches apply exactly as git would).
// Nothing in the user's repository changes: the scratch index and every new object live in a temporary folder
// (GIT_OBJECT_DIRECTORY), with the repository's own objects borrowed read-only as an alternate.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';

/** How a file differs between two runs' code. */
export type CodeChange = 'added' | 'deleted' | 'modified' | 'renamed' | 'typechange';

/** One file that differs between two runs' code. */
export interface ChangedFile {
  /** Path in the second run's tree (the first's for a deleted file), relative to the repository root. */
  path: string;
  /** Path in the first run's tree when it was renamed. */
  oldPath?: string;
  change: CodeChange;
}

/** What a run's code is made of. */
export interface RunCodeSource {
  commit: string;
  /** The stored `git diff --binary HEAD` of the run, or null when its tree was clean. */
  patch: string | null;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const CHANGE: Record<string, CodeChange> = { A: 'added', D: 'deleted', M: 'modified', R: 'renamed', T: 'typechange' };

/** A git repository: its work tree root and its object folder. */
export interface GitRepository {
  root: string;
  objects: string;
}

/** The repository that contains `dir`; fails with a clear message outside one. */
export async function repositoryOf(dir: string): Promise<GitRepository> {
  const git = simpleGit({ baseDir: dir });
  try {
    const root = (await git.revparse(['--show-toplevel'])).trim();
    const common = (await git.raw(['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
    return { root, objects: join(common, 'objects') };
  } catch {
    throw new Error(`${dir} is not inside a git repository, so the runs' code cannot be rebuilt.`);
  }
}

/** Builds and reads run code trees of one repository; call dispose() to remove the scratch folder. */
export class RunCodeTrees {
  private readonly scratch = mkdtempSync(join(tmpdir(), 'labbook-code-'));
  private readonly objectsDir = join(this.scratch, 'objects');
  private readonly trees = new Map<string, Promise<string>>();
  private count = 0;

  private constructor(
    private readonly root: string,
    private readonly repoObjects: string,
  ) {
    mkdirSync(this.objectsDir);
  }

  /** Opens the repository that contains `dir`; fails with a clear message outside one. */
  static async open(dir: string): Promise<RunCodeTrees> {
    return RunCodeTrees.of(await repositoryOf(dir));
  }

  /** Trees of a repository found with repositoryOf. */
  static of(repository: GitRepository): RunCodeTrees {
    return new RunCodeTrees(repository.root, repository.objects);
  }

  /** The repository root paths are relative to. */
  get repositoryRoot(): string {
    return this.root;
  }

  /** The tree id of the commit with the patch applied (computed once per source). */
  treeOf(source: RunCodeSource): Promise<string> {
    if (!SHA.test(source.commit)) return Promise.reject(new Error(`'${source.commit.slice(0, 80)}' is not a commit id.`));
    const key = `${source.commit}:${source.patch ?? ''}`;
    let tree = this.trees.get(key);
    if (!tree) {
      tree = this.build(source);
      this.trees.set(key, tree);
      // A failure is not remembered: the commit may be fetched later.
      tree.catch(() => this.trees.delete(key));
    }
    return tree;
  }

  /** The files that differ between two trees, renames detected, sorted by path. */
  async changedFiles(treeA: string, treeB: string): Promise<ChangedFile[]> {
    const out = await this.git().raw(['diff-tree', '-r', '-z', '--no-commit-id', '--name-status', '-M', treeA, treeB]);
    const fields = out.split('\0').filter((field) => field !== '');
    const files: ChangedFile[] = [];
    for (let i = 0; i < fields.length;) {
      const status = fields[i++];
      const change = CHANGE[status.charAt(0)] ?? 'modified';
      if (change === 'renamed') {
        files.push({ change, oldPath: fields[i], path: fields[i + 1] });
        i += 2;
      } else {
        files.push({ change, path: fields[i++] });
      }
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** A file's bytes in a tree, or null when the tree has no such file. */
  async fileAt(tree: string, path: string): Promise<Buffer | null> {
    if (!SHA.test(tree)) throw new Error(`'${tree.slice(0, 80)}' is not a tree id.`);
    const spec = `${tree}:${path}`;
    const git = this.git();
    const type = await git.raw(['cat-file', '-t', spec]).catch(() => '');
    if (type.trim() !== 'blob') return null;
    return git.binaryCatFile(['blob', spec]);
  }

  /** Removes the scratch folder (the objects made for the runs' trees). */
  dispose(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private git(index?: string): SimpleGit {
    // A minimal environment: simple-git refuses to run with EDITOR, GIT_ASKPASS and the like set (npm and many shells
    // set EDITOR), and none of them matter for reading objects.
    const env: Record<string, string> = {
      ...inheritedGitEnv(),
      GIT_OBJECT_DIRECTORY: this.objectsDir,
      GIT_ALTERNATE_OBJECT_DIRECTORIES: this.repoObjects,
    };
    if (index) env.GIT_INDEX_FILE = index;
    return simpleGit({ baseDir: this.root }).env(env);
  }

  private async build(source: RunCodeSource): Promise<string> {
    const index = join(this.scratch, `index-${this.count++}`);
    const git = this.git(index);
    try {
      await git.raw(['read-tree', source.commit]);
    } catch {
      throw new Error(`commit ${source.commit.slice(0, 10)} is not in this repository (fetch it, or it was rewritten).`);
    }
    if (source.patch) {
      const patchFile = `${index}.patch`;
      writeFileSync(patchFile, source.patch);
      try {
        await git.raw(['apply', '--cached', '--binary', '--whitespace=nowarn', patchFile]);
      } catch (error) {
        throw new Error(
          `the stored uncommitted changes do not apply to ${source.commit.slice(0, 10)}: ${error instanceof Error ? error.message.trim() : String(error)}`,
        );
      }
    }
    return (await git.raw(['write-tree'])).trim();
  }
}

/** The parts of this process's environment git needs to find itself and the user's configuration. */
function inheritedGitEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'SYSTEMROOT', 'XDG_CONFIG_HOME', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'];
  return Object.fromEntries(keep.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]!]])));
}

/** `git show --stat --patch` of a commit, for reading in an editor. */
export async function showCommit(dir: string, commit: string): Promise<string> {
  if (!SHA.test(commit)) throw new Error(`'${commit.slice(0, 80)}' is not a commit id.`);
  const { root } = await repositoryOf(dir);
  try {
    return await simpleGit({ baseDir: root }).show(['--stat', '--patch', '--format=fuller', commit]);
  } catch {
    throw new Error(`commit ${commit.slice(0, 10)} is not in this repository (fetch it, or it was rewritten).`);
  }
}
