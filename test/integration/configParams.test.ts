// The parsed configuration of a script becomes params without changes to the script: argparse namespaces
// (defaults marked as such) and Hydra's resolved config, through python/sitecustomize.py under `labbook run`.
// Real /usr/bin/python3 scripts; Hydra is emulated by a minimal `hydra.core.utils.run_job` with real OmegaConf.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PARAM_SOURCES_TAG } from '../../src/capture/ingest';
import { PYTHON, makeWorkspace, openStore, runCli } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const TRAIN = `
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("-b", "--batch-size", type=int, default=32)
parser.add_argument("--epochs", type=int, default="10")
parser.add_argument("--amp", action="store_true")
parser.add_argument("--layers", type=int, nargs="+", default=[64, 64])
parser.add_argument("--resume", default=None)
parser.set_defaults(handler=print)
args = parser.parse_args()
print("batch", args.batch_size)
`;

const KNOWN_TWICE = `
import argparse
first = argparse.ArgumentParser()
first.add_argument("--seed", type=int, default=0)
first.add_argument("--model", default="mlp")
known, rest = first.parse_known_args()
second = argparse.ArgumentParser()
second.add_argument("--dropout", type=float, default=0.1)
second.add_argument("--model", default="cnn")
second.parse_known_args(rest)
second.parse_args(["--dropout", "0.3"])
`;

const HYDRA_UTILS = `
def run_job(task_function, config, job_dir_key=None, job_subdir_key=None, hydra_context=None, configure_logging=True):
    return task_function(config)
`;

const HYDRA_APP = `
from omegaconf import OmegaConf
from hydra.core.utils import run_job
config = OmegaConf.create({
    "model": {"name": "resnet", "depth": 18, "widths": [1, 2]},
    "train": {"lr": 0.1, "tag": "\${model.name}-\${model.depth}", "extra": {}},
    "seed": None,
})
def task(cfg):
    print("depth", cfg.model.depth)
run_job(task, config, "hydra.run.dir", None, None)
`;

function workspace(files: Record<string, string>): string {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(ws.dir, name)), { recursive: true });
    writeFileSync(join(ws.dir, name), content);
  }
  return ws.dir;
}

async function runParams(
  dir: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ params: Record<string, string>; sources: Record<string, string>; tags: Record<string, string>; stdout: string; stderr: string }> {
  const result = await runCli(['run', '--', PYTHON, ...args], { cwd: dir, env });
  assert.equal(result.code, 0, result.stderr);
  const store = openStore(dir);
  try {
    const run = store.getRunDetail(store.listRuns()[0].id);
    const sources = JSON.parse(run.tags[PARAM_SOURCES_TAG] ?? '{}') as Record<string, string>;
    return { params: run.params, sources, tags: run.tags, stdout: result.stdout, stderr: result.stderr };
  } finally {
    store.close();
  }
}

const hasOmegaConf = spawnSync(PYTHON, ['-c', 'import omegaconf']).status === 0;

describe('parsed configuration as params', () => {
  test('argparse defaults are recorded and marked; values given on argv keep their spelling without a conflict', async () => {
    const dir = workspace({ 'train.py': TRAIN });
    const run = await runParams(dir, ['train.py', '--lr', '5e-2', '-b', '64']);
    assert.match(run.stdout, /batch 64/);
    assert.deepEqual(run.params, {
      amp: 'false',
      b: '64',
      batch_size: '64',
      epochs: '10',
      layers: '[64, 64]',
      lr: '5e-2',
      resume: 'null',
    });
    assert.deepEqual(run.sources, {
      amp: 'argparse default',
      batch_size: 'argparse',
      epochs: 'argparse default',
      layers: 'argparse default',
      resume: 'argparse default',
    });
    assert.ok(!Object.keys(run.tags).some((key) => key.startsWith('labbook.param_conflict.')), 'no conflict for 5e-2 against 0.05');
    assert.doesNotMatch(run.stderr, /labbook: warning/);
  });

  test('parse_known_args, and a script that parses twice: the first value of a key stays', async () => {
    const dir = workspace({ 'two.py': KNOWN_TWICE });
    const run = await runParams(dir, ['two.py', '--seed', '7', '--dropout', '0.2']);
    assert.deepEqual(run.params, { dropout: '0.2', model: 'mlp', seed: '7' });
    // --seed and --dropout were recorded from argv by the runner; only the default is new.
    assert.deepEqual(run.sources, { model: 'argparse default' });
    assert.doesNotMatch(run.stderr, /labbook: warning/);
  });

  test("chains to the sitecustomize it shadows (the user's, on PYTHONPATH)", async () => {
    const dir = workspace({ 'train.py': TRAIN, 'site/sitecustomize.py': 'print("user sitecustomize ran")\n' });
    const run = await runParams(dir, ['train.py'], { ...process.env, PYTHONPATH: join(dir, 'site') });
    assert.match(run.stdout, /user sitecustomize ran/);
    assert.equal(run.params.batch_size, '32');
  });

  test(
    'Hydra: the resolved config the task receives, flattened to dotted keys',
    { skip: !hasOmegaConf && 'python3-omegaconf is not installed' },
    async () => {
      const dir = workspace({ 'app.py': HYDRA_APP, 'hydra/__init__.py': '', 'hydra/core/__init__.py': '', 'hydra/core/utils.py': HYDRA_UTILS });
      const run = await runParams(dir, ['app.py', 'train.lr=0.5']);
      assert.match(run.stdout, /depth 18/);
      assert.deepEqual(run.params, {
        'model.depth': '18',
        'model.name': 'resnet',
        'model.widths': '[1, 2]',
        seed: 'null',
        'train.extra': '{}',
        'train.lr': '0.5',
        'train.tag': 'resnet-18',
      });
      assert.equal(run.sources['model.depth'], 'hydra');
      assert.equal(run.sources['train.lr'], undefined, 'the override on argv was recorded first and wins');
    },
  );

  test('outside labbook run the hook does nothing', () => {
    const dir = workspace({ 'train.py': TRAIN });
    const result = spawnSync(PYTHON, ['train.py'], {
      cwd: dir,
      env: { ...process.env, PYTHONPATH: join(__dirname, '..', '..', 'python'), LABBOOK_JOURNAL: '' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});
