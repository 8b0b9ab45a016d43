// `labbook checkout` and reruns that reproduce: the run's code (commit + uncommitted patch) and inputs back on
// disk byte for byte, a rerun there tagged with the original, and compare's verdict on the metrics.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { sha256OfBuffer } from '../../src/store/objects';
import { makeWorkspace, openStore, PYTHON, runCli, SCRIPTS } from './helpers';

const TRAIN = readFileSync(join(SCRIPTS, 'reproduce_train.py'), 'utf8');
const DATA = 'x,y\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n';

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=Test', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const shaOf = (path: string): string => sha256OfBuffer(readFileSync(path));

/** A repository whose script and data/ (ignored by git) the runs read. */
function trainingRepo(): { dir: string; cleanup: () => void } {
  return makeWorkspace({ git: true, files: { 'train.py': TRAIN, '.gitignore': 'data/\n', 'data/train.csv': DATA, 'data/unused.csv': 'a\n1\n' } });
}

async function trackRun(dir: string, args: string[] = []): Promise<string> {
  const result = await runCli(['run', ...args, '--', PYTHON, 'train.py'], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const id = /tracking run ([0-9a-f]{8})/.exec(result.stderr)?.[1];
  assert.ok(id, result.stderr);
  const store = openStore(dir);
  try {
    return store.listRuns({}).find((run) => run.id.startsWith(id))!.id;
  } finally {
    store.close();
  }
}

describe('labbook checkout and reruns that reproduce', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
  const repo = (): string => {
    const workspace = trainingRepo();
    cleanups.push(workspace.cleanup);
    return workspace.dir;
  };

  it('restores the code with its uncommitted change and the inputs byte for byte, and a rerun there reproduces the metrics', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'train.py'), TRAIN.replace('LEARNING_RATE = 0.01', 'LEARNING_RATE = 0.02'));
    const atRun = { script: shaOf(join(dir, 'train.py')), data: shaOf(join(dir, 'data', 'train.csv')) };
    const original = await trackRun(dir);
    // What the working tree holds later must not matter: the checkout comes from the commit, the patch and the store.
    writeFileSync(join(dir, 'train.py'), TRAIN.replace('LEARNING_RATE = 0.01', 'LEARNING_RATE = 0.5'));
    writeFileSync(join(dir, 'data', 'train.csv'), 'x,y\n1,100\n');

    const into = join(dir, '..', `${dir.split('/').pop()}-checkout`);
    cleanups.push(() => rmSync(into, { recursive: true, force: true }));
    const checkout = await runCli(['checkout', original.slice(0, 8), '--into', into], { cwd: dir });
    assert.equal(checkout.code, 0, checkout.stderr);
    assert.equal(shaOf(join(into, 'train.py')), atRun.script);
    assert.equal(shaOf(join(into, 'data', 'train.csv')), atRun.data);
    assert.match(checkout.stdout, /input files? restored from the store \(sha256 checked\)/);
    assert.match(checkout.stdout, new RegExp(`labbook run --reproduces ${original} -- ${PYTHON} train.py`));
    assert.equal(git(into, 'status', '--porcelain'), ' M train.py\n', 'only the applied change shows; the marker is excluded');
    assert.equal(git(into, 'rev-parse', 'HEAD').trim(), git(dir, 'rev-parse', 'HEAD').trim());

    // Started inside the checkout without --reproduces: the marker names the original and the store to record in.
    const rerun = await runCli(['run', '--', PYTHON, 'train.py'], { cwd: into });
    assert.equal(rerun.code, 0, rerun.stderr);
    const store = openStore(dir);
    const again = store.listRuns({}).find((run) => run.id !== original)!;
    store.close();
    assert.equal(again.tags['labbook.reproduces'], original);

    const compare = await runCli(['compare', original, again.id], { cwd: dir });
    assert.equal(compare.code, 0, compare.stderr);
    assert.match(compare.stdout, /reproduced: all 2 metrics match/);
    const show = await runCli(['show', again.id], { cwd: dir });
    assert.match(show.stdout, new RegExp(`reproduces +\\S+ \\(${original.slice(0, 8)}\\)`));
  });

  it('says which metric differs when a rerun does not reproduce, and takes a tolerance', async () => {
    const dir = repo();
    const original = await trackRun(dir);
    writeFileSync(join(dir, 'train.py'), TRAIN.replace('LEARNING_RATE = 0.01', 'LEARNING_RATE = 0.0100001'));
    const rerun = await trackRun(dir, ['--reproduces', original.slice(0, 8)]);
    const strict = await runCli(['compare', original, rerun], { cwd: dir });
    assert.match(strict.stdout, /differs: loss [0-9.]+ vs [0-9.]+; weight [0-9.]+ vs [0-9.]+/);
    const loose = await runCli(['compare', original, rerun, '--tolerance', '1e-3', '--json'], { cwd: dir });
    assert.equal(loose.code, 0, loose.stderr);
    assert.equal((JSON.parse(loose.stdout) as { reproduction: { summary: string } }).reproduction.summary, 'reproduced: all 2 metrics match');
    const unknown = await runCli(['run', '--reproduces', 'nosuchrun', '--', PYTHON, 'train.py'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--reproduces: No run matches 'nosuchrun'/);
    const store = openStore(dir);
    assert.equal(store.listRuns({}).length, 2, 'a bad --reproduces starts no run');
    store.close();
    const bad = await runCli(['compare', original, rerun, '--tolerance', 'tight'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--tolerance takes/);
  });

  it('checks out into .labbook/checkouts/<id> by default and refuses a folder that is not empty', async () => {
    const dir = repo();
    const original = await trackRun(dir);
    const first = await runCli(['checkout', original, '--json'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    const target = join(dir, '.labbook', 'checkouts', original.slice(0, 8));
    // Which inputs a run records is the runner's business (globs, or the files it opened): train.csv is among them.
    const { restored, ...rest } = JSON.parse(first.stdout) as { restored: string[] };
    assert.ok(restored.includes('data/train.csv'), String(restored));
    assert.deepEqual(rest, {
      run: original,
      dir: target,
      commit: git(dir, 'rev-parse', 'HEAD').trim(),
      patchApplied: false,
      missing: [],
      cwd: '',
      rerun: `labbook run --reproduces ${original} -- ${PYTHON} train.py`,
    });
    assert.equal(readFileSync(join(target, 'train.py'), 'utf8'), TRAIN);
    assert.equal(git(dir, 'status', '--porcelain'), '', 'the checkout leaves the repository clean');
    const second = await runCli(['checkout', original], { cwd: dir });
    assert.equal(second.code, 2);
    assert.match(second.stderr, /already exists and is not empty; choose another folder with --into DIR/);
    rmSync(target, { recursive: true });
    const again = await runCli(['checkout', original], { cwd: dir });
    assert.equal(again.code, 0, `a checkout folder deleted by hand can be made again: ${again.stderr}`);
  });

  it('lists inputs the store has no bytes for, with DVC instructions for DVC-tracked data', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'big.bin.dvc'), 'outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 9\n  path: big.bin\n');
    git(dir, 'add', 'big.bin.dvc');
    git(dir, 'commit', '-q', '-m', 'dvc');
    const original = await trackRun(dir);
    const store = openStore(dir);
    for (const path of ['big.bin', 'data/huge.bin', '/elsewhere/outside.csv'])
      store.addArtifact({ runId: original, path, sha256: 'f'.repeat(64), size: 9, role: 'data', direction: 'input' });
    store.close();
    const into = join(dir, 'co');
    const checkout = await runCli(['checkout', original, '--into', into], { cwd: dir });
    assert.equal(checkout.code, 0, checkout.stderr);
    assert.match(checkout.stdout, /big\.bin: the store has no copy of its bytes; dvc checkout big\.bin/);
    assert.match(checkout.stdout, /data\/huge\.bin: the store has no copy of its bytes; copy it from .*data\/huge\.bin/);
    assert.match(checkout.stdout, /\/elsewhere\/outside\.csv: outside the repository/);
    assert.ok(!existsSync(join(into, 'big.bin')));
  });

  it('refuses runs it cannot check out, with what to do, and leaves no worktree behind', async () => {
    const plain = makeWorkspace({ files: { 'train.py': TRAIN, 'data/train.csv': DATA } });
    cleanups.push(plain.cleanup);
    const notGit = await trackRun(plain.dir);
    const noCommit = await runCli(['checkout', notGit], { cwd: plain.dir });
    assert.equal(noCommit.code, 2);
    assert.match(noCommit.stderr, /was not made in a git repository/);

    const dir = repo();
    writeFileSync(join(dir, 'train.py'), TRAIN.replace('EPOCHS = 4', 'EPOCHS = 3'));
    const original = await trackRun(dir);
    const unknown = await runCli(['checkout', 'nosuchrun'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No run matches 'nosuchrun'/);
    const store = openStore(dir);
    const run = store.getRun(original);
    const conflicting = git(dir, 'diff', '--binary', 'HEAD').replace('-EPOCHS = 4', '-EPOCHS = 40');
    store.setGitFacts(original, { ...run.git, patchSha: store.objects.putBuffer(conflicting) });
    const patchPath = store.objects.pathOf(store.getRun(original).git.patchSha!);
    store.close();
    const into = join(dir, 'co');
    const conflict = await runCli(['checkout', original, '--into', into], { cwd: dir });
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /uncommitted changes do not apply[^]*train\.py/);
    assert.ok(!existsSync(into), 'the half-made worktree is removed');
    assert.equal(git(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);

    rmSync(patchPath);
    const missing = await runCli(['checkout', original, '--into', into], { cwd: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /uncommitted changes \(blob [0-9a-f]{12}\) are missing from the store/);
  });

  it('names git fetch --unshallow when the run commit is not in a shallow clone', async () => {
    const dir = repo();
    const original = await trackRun(dir);
    writeFileSync(join(dir, 'later.txt'), 'later\n');
    git(dir, 'add', 'later.txt');
    git(dir, 'commit', '-q', '-m', 'later');
    const clone = `${dir}-shallow`;
    cleanups.push(() => rmSync(clone, { recursive: true, force: true }));
    git(dir, 'clone', '-q', '--depth', '1', `file://${dir}`, clone);
    const result = await runCli(['checkout', original], { cwd: clone, env: { LABBOOK_DIR: join(dir, '.labbook') } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /commit [0-9a-f]{12} is not in this repository\. This clone is shallow: run `git fetch --unshallow`/);
  });
});
