import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { defaultRemote, dvcStageOf, dvcTrackingOf } from '../../src/capture/dvc';
import { parseJournalLine } from '../../src/capture/journal';
import { buildLineage } from '../../src/core/lineage';
import { environmentDifferences } from '../../src/core/environment';

describe('DVC-tracked data, laid out as DVC writes it', () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'labbook-dvc-'));
    write(
      '.dvc/config',
      '[core]\n    remote = origin\n[\'remote "origin"\']\n    url = s3://bucket/store\n[\'remote "backup"\']\n    url = /mnt/backup\n',
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("finds a file's own .dvc file", () => {
    write('data/raw.csv', 'a\n');
    write('data/raw.csv.dvc', 'outs:\n- md5: 22a1a2931c8370d3aeedd7183606fd7f\n  size: 2\n  hash: md5\n  path: raw.csv\n');
    assert.deepEqual(dvcTrackingOf(join(root, 'data/raw.csv'), root), {
      dvcFile: 'data/raw.csv.dvc',
      path: 'data/raw.csv',
      md5: '22a1a2931c8370d3aeedd7183606fd7f',
      remote: { name: 'origin', url: 's3://bucket/store' },
    });
  });

  it("finds a folder's .dvc file for a file inside it, with the folder's .dir md5", () => {
    write('images/cats/1.png', 'x');
    write('images.dvc', 'outs:\n- md5: 153aad06d376b6595932470e459ef42a.dir\n  size: 1\n  nfiles: 1\n  hash: md5\n  path: images\n');
    const tracking = dvcTrackingOf(join(root, 'images/cats/1.png'), root);
    assert.equal(tracking?.path, 'images');
    assert.equal(tracking?.md5, '153aad06d376b6595932470e459ef42a.dir');
  });

  it("finds a stage's out in dvc.lock, and not its deps", () => {
    write(
      'dvc.lock',
      "schema: '2.0'\nstages:\n  prepare:\n    cmd: python src/prepare.py data/data.xml\n    deps:\n    - path: data/data.xml\n      hash: md5\n      md5: aaa\n      size: 1\n    outs:\n    - path: data/prepared\n      hash: md5\n      md5: 153aad06d376b6595932470e459ef42a.dir\n      size: 8\n      nfiles: 2\n",
    );
    write('data/prepared/train.tsv', 't');
    write('data/data.xml', '<x/>');
    assert.equal(dvcTrackingOf(join(root, 'data/prepared/train.tsv'), root)?.dvcFile, 'dvc.lock');
    assert.equal(dvcTrackingOf(join(root, 'data/data.xml'), root), undefined);
  });

  it('leaves alone a file DVC does not track, and a damaged .dvc file', () => {
    write('data/plain.csv', 'a');
    write('data/bad.csv', 'a');
    write('data/bad.csv.dvc', 'outs: [unclosed');
    assert.equal(dvcTrackingOf(join(root, 'data/plain.csv'), root), undefined);
    assert.equal(dvcTrackingOf(join(root, 'data/bad.csv'), root), undefined);
  });

  it('reads the default remote, with config.local winning', () => {
    assert.deepEqual(defaultRemote(root), { name: 'origin', url: 's3://bucket/store' });
    write('.dvc/config.local', '[core]\n    remote = backup\n');
    assert.deepEqual(defaultRemote(root), { name: 'backup', url: '/mnt/backup' });
  });

  it("names the dvc.yaml stage whose cmd is the run's command", () => {
    write('dvc.yaml', 'stages:\n  train:\n    cmd: python  train.py --epochs 3\n    deps: [train.py]\n  eval:\n    cmd:\n    - python eval.py\n');
    assert.equal(dvcStageOf(root, 'python train.py --epochs 3'), 'train');
    assert.equal(dvcStageOf(root, 'python eval.py'), 'eval');
    assert.equal(dvcStageOf(root, 'python other.py'), undefined);
  });
});

describe('journal records of reads and environment', () => {
  it('parses reads, the hook marker and the environment, and refuses malformed ones', () => {
    assert.deepEqual(parseJournalLine('{"t":"read","path":"/w/data/a.csv","ts":5}'), { t: 'read', path: '/w/data/a.csv', ts: 5 });
    assert.deepEqual(parseJournalLine('{"t":"reads-tracked","ts":5}'), { t: 'reads-tracked', ts: 5 });
    assert.deepEqual(parseJournalLine('{"t":"read","path":""}'), { error: 'read needs a path' });
    const environment = parseJournalLine(
      JSON.stringify({
        t: 'environment',
        ts: 1,
        python: {
          version: '3.11.2',
          implementation: 'cpython',
          executable: '/usr/bin/python3',
          prefix: '/usr',
          virtualenv: false,
          packages: { numpy: '1.24.2', bad: 3 },
        },
      }),
    );
    assert.deepEqual(environment, {
      t: 'environment',
      ts: 1,
      python: {
        version: '3.11.2',
        implementation: 'cpython',
        executable: '/usr/bin/python3',
        prefix: '/usr',
        virtualenv: false,
        packages: { numpy: '1.24.2' },
      },
    });
    assert.deepEqual(parseJournalLine('{"t":"environment","python":{"packages":{}}}'), {
      error: 'environment needs a python object with version and packages',
    });
  });
});

describe('environment differences and DVC data in lineage', () => {
  it('lists changed facts first, then packages and variables by name', () => {
    const python = { version: '3.11.2', implementation: 'cpython', executable: '/usr/bin/python3', prefix: '/usr', virtualenv: false };
    const left = { python: { ...python, packages: { numpy: '1.24.2', torch: '2.0.0' } }, variables: { SEED: '1' } };
    const right = { python: { ...python, version: '3.12.1', packages: { numpy: '1.26.0', scipy: '1.11' } }, variables: { SEED: '1' } };
    assert.deepEqual(environmentDifferences(left, right), [
      { field: 'python.version', left: '3.11.2', right: '3.12.1' },
      { field: 'package numpy', left: '1.24.2', right: '1.26.0' },
      { field: 'package scipy', left: undefined, right: '1.11' },
      { field: 'package torch', left: '2.0.0', right: undefined },
    ]);
    assert.deepEqual(environmentDifferences(left, left), []);
  });

  it('draws DVC-tracked input data with its DVC md5', () => {
    const graph = buildLineage({
      runs: [{ id: 'r1', name: 'train', status: 'FINISHED', commit: null, branch: null }],
      artifacts: [{ runId: 'r1', path: 'data/raw.csv', sha256: 'a'.repeat(64), role: 'data', direction: 'input', dvcMd5: '22a1a2931c8370d3' }],
      versions: [],
    });
    assert.equal(graph.nodes.find((node) => node.kind === 'data')?.detail, 'DVC · md5 22a1a293');
  });
});
