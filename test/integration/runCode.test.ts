// RunCodeTrees against real git repositories: a run's code is its commit plus its stored patch, and the
// user's repository (refs, index, work tree, objects) is left exactly as it was.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RunCodeTrees } from '../../src/capture/runCode';

let repo: string;
let trees: RunCodeTrees | undefined;

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  });
}

function commitAll(message: string): string {
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD').trim();
}

function objectCount(): number {
  return git('count-objects', '-v')
    .split('\n')
    .filter((line) => /^(count|in-pack):/.test(line))
    .reduce((sum, line) => sum + Number(line.split(': ')[1]), 0);
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'labbook-runcode-'));
  git('init', '-q', '-b', 'main');
});

afterEach(() => {
  trees?.dispose();
  trees = undefined;
  rmSync(repo, { recursive: true, force: true });
});

// npm and many shells set EDITOR, which simple-git refuses unless the code keeps it out of git's environment.
process.env.EDITOR = 'vi';

describe('RunCodeTrees', () => {
  it('rebuilds each run’s files from commit + patch and lists what differs, leaving the repository untouched', async () => {
    writeFileSync(join(repo, 'train.py'), 'lr = 0.1\nepochs = 3\n');
    writeFileSync(join(repo, 'README.md'), 'hello\n');
    writeFileSync(join(repo, 'old name.txt'), 'same content\nover several lines\nso rename is found\n');
    const first = commitAll('one');
    // Run A: uncommitted edit of train.py and a new binary file.
    writeFileSync(join(repo, 'train.py'), 'lr = 0.01\nepochs = 3\n');
    writeFileSync(join(repo, 'weights.bin'), Buffer.from([0, 1, 2, 255, 0, 9]));
    git('add', '-N', 'weights.bin');
    const patchA = git('diff', '--binary', 'HEAD');
    git('reset', '-q', '--hard');
    rmSync(join(repo, 'weights.bin'), { force: true });
    // Run B: a later commit that renames a file, clean tree.
    git('mv', 'old name.txt', 'new name.txt');
    writeFileSync(join(repo, 'README.md'), 'hello again\n');
    const second = commitAll('two');
    const before = { head: git('rev-parse', 'HEAD'), status: git('status', '--porcelain'), objects: objectCount() };

    trees = await RunCodeTrees.open(join(repo));
    const a = await trees.treeOf({ commit: first, patch: patchA });
    const b = await trees.treeOf({ commit: second, patch: null });
    assert.equal(await trees.treeOf({ commit: first, patch: patchA }), a, 'computed once');
    assert.deepEqual(await trees.changedFiles(a, b), [
      { change: 'modified', path: 'README.md' },
      { change: 'renamed', oldPath: 'old name.txt', path: 'new name.txt' },
      { change: 'modified', path: 'train.py' },
      { change: 'deleted', path: 'weights.bin' },
    ]);
    assert.equal((await trees.fileAt(a, 'train.py'))?.toString(), 'lr = 0.01\nepochs = 3\n');
    assert.equal((await trees.fileAt(b, 'train.py'))?.toString(), 'lr = 0.1\nepochs = 3\n');
    assert.deepEqual(await trees.fileAt(a, 'weights.bin'), Buffer.from([0, 1, 2, 255, 0, 9]));
    assert.equal(await trees.fileAt(b, 'weights.bin'), null);
    assert.deepEqual(before, { head: git('rev-parse', 'HEAD'), status: git('status', '--porcelain'), objects: objectCount() });
  });

  it('says clearly when a commit is unknown, a patch does not apply or the folder is no repository', async () => {
    writeFileSync(join(repo, 'a.txt'), 'x\n');
    const commit = commitAll('one');
    trees = await RunCodeTrees.open(repo);
    await assert.rejects(trees.treeOf({ commit: 'f'.repeat(40), patch: null }), /commit ffffffffff is not in this repository/);
    await assert.rejects(trees.treeOf({ commit: 'HEAD; rm -rf /', patch: null }), /is not a commit id/);
    const bad = 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-nope\n+y\n';
    await assert.rejects(trees.treeOf({ commit, patch: bad }), /do not apply/);
    const outside = mkdtempSync(join(tmpdir(), 'labbook-norepo-'));
    try {
      await assert.rejects(RunCodeTrees.open(outside), /not inside a git repository/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('removes its scratch objects on dispose', async () => {
    writeFileSync(join(repo, 'a.txt'), 'x\n');
    const commit = commitAll('one');
    const own = await RunCodeTrees.open(repo);
    await own.treeOf({ commit, patch: 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-x\n+y\n' });
    const scratch = readdirSync(tmpdir()).filter((name) => name.startsWith('labbook-code-'));
    own.dispose();
    const after = readdirSync(tmpdir()).filter((name) => name.startsWith('labbook-code-'));
    assert.equal(after.length, scratch.length - 1);
  });
});
