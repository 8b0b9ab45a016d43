import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeWorkspace, openStore, PYTHON, runCli, SCRIPTS } from './helpers';

// numpy's .npy of [1, 2, 3] as float64, written by numpy.save (format 1.0 header, padded to 64 bytes).
function npyOf(values: number[]): Buffer {
  const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${values.length},), }`;
  const padded = header.padEnd(64 - 10 - 1, ' ') + '\n';
  const prefix = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, padded.length, 0]);
  const body = Buffer.alloc(8 * values.length);
  values.forEach((value, index) => body.writeDoubleLE(value, index * 8));
  return Buffer.concat([prefix, Buffer.from(padded), body]);
}

describe('inputs are the files a run opened for reading', () => {
  let workspace: { dir: string; cleanup: () => void };
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(join(workspace.dir, path, '..'), { recursive: true });
    writeFileSync(join(workspace.dir, path), content);
  };
  beforeEach(() => {
    workspace = makeWorkspace();
    write('data/a.csv', 'x,y\n1,2\n3,4\n');
    write('data/b.csv', 'x,y\n5,6\n');
    write('data/c.npy', npyOf([1, 2, 3]));
  });
  afterEach(() => workspace.cleanup());

  async function inputsOf(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ runId: string; inputs: string[]; outputs: string[] }> {
    const result = await runCli(['run', '--', ...args], { cwd: workspace.dir, env });
    assert.equal(result.code, 0, result.stderr);
    const store = openStore(workspace.dir);
    try {
      const runId = store.listRuns()[0].id;
      const artifacts = store.artifacts(runId);
      const paths = (direction: string) =>
        artifacts.filter((artifact) => artifact.direction === direction && artifact.role !== 'log').map((artifact) => artifact.path);
      return { runId, inputs: paths('input'), outputs: paths('output') };
    } finally {
      store.close();
    }
  }

  for (const [how, file] of [
    ['open', 'data/a.csv'],
    ['os.open', 'data/a.csv'],
    ['pandas', 'data/b.csv'],
    ['numpy', 'data/c.npy'],
  ]) {
    it(`records exactly the file read through ${how}`, async () => {
      const { inputs } = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), how]);
      assert.deepEqual(inputs, [file]);
    });
  }

  it('records no input for a Python run that reads nothing, so lineage links it to no data', async () => {
    const { inputs } = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'none']);
    assert.deepEqual(inputs, []);
  });

  it('falls back to the unchanged files under data/ for a program whose reads are not recorded', async () => {
    const { inputs } = await inputsOf([process.execPath, '-e', "require('fs').writeFileSync('data/new.csv', 'x')"]);
    assert.deepEqual(inputs, ['data/a.csv', 'data/b.csv', 'data/c.npy']);
  });

  it('adds the configured artifacts.inputs globs to what a Python run reads', async () => {
    write('labbook.yaml', 'artifacts:\n  inputs: ["data/*.npy"]\n');
    const { inputs } = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'open']);
    assert.deepEqual(inputs, ['data/a.csv', 'data/c.npy']);
  });

  it('hashes a file once per path, size and mtime, and records a file over maxFileBytes without copying it', async () => {
    write('labbook.yaml', 'artifacts:\n  maxFileBytes: 10\n');
    const path = join(workspace.dir, 'data/a.csv');
    utimesSync(path, 1700000000, 1700000000); // whole seconds, so the same mtime can be set again exactly
    const first = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'open']);
    writeFileSync(path, readFileSync(path, 'utf8').replace('1,2', '9,9')); // same size
    utimesSync(path, 1700000000, 1700000000);
    const second = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'open']);
    const store = openStore(workspace.dir);
    try {
      const sha = (runId: string) => store.artifacts(runId).find((artifact) => artifact.path === 'data/a.csv')!.sha256;
      assert.equal(sha(second.runId), sha(first.runId), 'the second run took the hash remembered for that size and mtime');
      assert.equal(store.objects.has(sha(first.runId)), false, 'a file over maxFileBytes is not copied');
    } finally {
      store.close();
    }
  });

  it("records DVC-tracked data by DVC's md5, path and remote instead of copying it", async () => {
    write('.dvc/config', '[core]\n    remote = storage\n[\'remote "storage"\']\n    url = s3://team-bucket/dvcstore\n');
    write('data/a.csv.dvc', 'outs:\n- md5: 0b2e7cb5b8e6bd0f1ff7b1a6a3c8e2d1\n  size: 12\n  hash: md5\n  path: a.csv\n');
    write(
      'dvc.lock',
      "schema: '2.0'\nstages:\n  prepare:\n    cmd: python prepare.py\n    outs:\n    - path: data/b.csv\n      hash: md5\n      md5: 5d41402abc4b2a76b9719d911017c592\n      size: 8\n",
    );
    const open = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'open']);
    const pandas = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'pandas']);
    const store = openStore(workspace.dir);
    try {
      const dvcOf = (runId: string) => JSON.parse(store.tags(runId)['labbook.dvc_inputs']) as Record<string, unknown>;
      assert.deepEqual(dvcOf(open.runId), {
        'data/a.csv': {
          dvcFile: 'data/a.csv.dvc',
          path: 'data/a.csv',
          md5: '0b2e7cb5b8e6bd0f1ff7b1a6a3c8e2d1',
          remote: { name: 'storage', url: 's3://team-bucket/dvcstore' },
        },
      });
      assert.deepEqual((dvcOf(pandas.runId)['data/b.csv'] as { dvcFile: string; md5: string }).dvcFile, 'dvc.lock');
      const input = store.artifacts(open.runId).find((artifact) => artifact.path === 'data/a.csv')!;
      assert.equal(store.objects.has(input.sha256), false, 'DVC keeps the bytes');
    } finally {
      store.close();
    }
  });

  it('records the environment: interpreter, installed packages, machine and allow-listed variables', async () => {
    const { runId } = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'numpy'], { OMP_NUM_THREADS: '3', SECRET_TOKEN: 'x' });
    const store = openStore(workspace.dir);
    try {
      const sha = store.tags(runId)['labbook.environment'];
      const env = JSON.parse(store.objects.read(sha).toString('utf8'));
      assert.match(env.python.version, /^3\.\d+\.\d+$/);
      assert.equal(env.python.executable, PYTHON);
      assert.ok(env.python.packages.numpy, 'numpy is installed and listed');
      assert.ok(env.cpu.cores >= 1);
      assert.ok(env.memoryMb > 0);
      assert.deepEqual(env.variables, { OMP_NUM_THREADS: '3' });
    } finally {
      store.close();
    }
  });

  it("labbook compare names what differs between two runs' environments", async () => {
    const first = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'none'], { OMP_NUM_THREADS: '1' });
    const second = await inputsOf([PYTHON, join(SCRIPTS, 'read_inputs.py'), 'none'], { OMP_NUM_THREADS: '8' });
    const result = await runCli(['compare', first.runId, second.runId], { cwd: workspace.dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Environment of ${second.runId.slice(0, 8)} vs .*:\\n  variable OMP_NUM_THREADS: 1 -> 8\\n`));
    const same = await runCli(['compare', first.runId, first.runId], { cwd: workspace.dir });
    assert.match(same.stdout, /Same environment/);
  });
});
