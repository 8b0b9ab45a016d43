// The CI template, validated as CI would run it: parse the workflow YAML, then run its shell steps (all but
// Install, which needs the network) with bash and a `labbook` on PATH that is this build, against a real store.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { githubWorkflow, gitlabCi } from '../../src/core/ciTemplate';
import { startTrackingServer } from '../../src/server/trackingServer';
import { auditTrail } from '../../src/store/modelAudit';
import { CLI, PYTHON, makeWorkspace, openStore, startServerProcess } from './helpers';

const TRAIN = `import os, pickle
acc = float(os.environ["ACC"])
for step, value in enumerate([acc / 2, acc]):
    print(f"step={step} acc={value}")
with open("model.pkl", "wb") as f:
    pickle.dump({"acc": acc}, f)
`;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
}

/** A folder holding a `labbook` that runs this build, to put first on PATH. */
function labbookShim(dir: string): string {
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'labbook'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'labbook'), 0o755);
  return bin;
}

const options = { trainCommand: `${PYTHON} train.py`, model: 'iris', metric: 'acc', direction: 'higher' as const, minDelta: 0.01 };

describe('CI workflow template', () => {
  const { dir, cleanup } = makeWorkspace({ git: true, files: { 'train.py': TRAIN } });
  after(cleanup);
  const bin = labbookShim(dir);
  const summary = join(dir, 'summary.md');
  const steps = (parse(githubWorkflow(options)) as { jobs: Record<string, { steps: Step[] }> }).jobs['train-and-gate'].steps;

  const outputs = new Map<string, string>();

  /** Runs the workflow's shell steps as a job would: a failing step skips the rest except `if: always()` ones. */
  function runJob(acc: number, extraEnv: Record<string, string> = {}): { failedStep: string | undefined; gateCode: number | null } {
    let failedStep: string | undefined;
    let gateCode: number | null = null;
    for (const step of steps.filter((s) => s.run !== undefined && s.name !== 'Install')) {
      if (failedStep && !step.if?.includes('always()')) continue;
      const result = spawnSync('bash', ['-e', '-c', step.run!], {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          LABBOOK_DIR: '',
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          GITHUB_REF: 'refs/heads/main',
          GITHUB_SHA: '0123456789abcdef',
          GITHUB_STEP_SUMMARY: summary,
          ACC: String(acc),
          ...extraEnv,
        },
      });
      outputs.set(step.name ?? '', `${result.stdout}${result.stderr}`);
      if (step.name === 'Gate') gateCode = result.status;
      if (result.status !== 0) failedStep ??= step.name;
    }
    return { failedStep, gateCode };
  }

  test('is valid YAML with checkout, Node, Python, install, train, gate, summary and store upload', () => {
    const uses = steps.map((s) => s.uses ?? s.name);
    for (const part of [
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'actions/setup-python@v5',
      'Install',
      'Train',
      'Gate',
      'actions/upload-artifact@v4',
    ]) {
      assert.ok(uses.includes(part), `missing ${part}`);
    }
    assert.match(steps.find((s) => s.name === 'Train')!.run!, /labbook run .* -- .*train\.py/);
    assert.match(steps.find((s) => s.name === 'Publish the gate report')!.run!, /GITHUB_STEP_SUMMARY/);
    const gitlab = parse(gitlabCi(options)) as { labbook: { script: string[] } };
    assert.ok(gitlab.labbook.script.some((line) => line.startsWith('labbook gate --model iris --metric acc --higher-is-better --min-delta 0.01')));
  });

  test('first deployment passes and promotes; a worse model fails the job; a better one is promoted', async () => {
    assert.deepEqual(runJob(0.9), { failedStep: undefined, gateCode: 0 });
    assert.match(readFileSync(summary, 'utf8'), /PASS: first deployment/);

    assert.deepEqual(runJob(0.8), { failedStep: 'Gate', gateCode: 1 });
    assert.match(readFileSync(summary, 'utf8'), /FAIL:/, 'the report is published even when the gate fails');

    assert.deepEqual(runJob(0.95), { failedStep: undefined, gateCode: 0 });
    assert.ok(existsSync(join(dir, '.labbook', 'labbook.db')));

    const store = openStore(dir);
    const server = await startTrackingServer({ store, port: 0, log: () => {} });
    try {
      const response = await fetch(`${server.url}/api/2.0/mlflow/registered-models/get-latest-versions?name=iris&stages=Production`);
      const body = (await response.json()) as { model_versions: { version: string; run_id: string; current_stage: string }[] };
      assert.equal(body.model_versions.length, 1);
      assert.equal(body.model_versions[0].version, '2');
      assert.equal(store.getRun(body.model_versions[0].run_id).name, 'ci-01234567');
      const trail = auditTrail(store, 'iris');
      assert.ok(trail.length >= 4 && trail.every((e) => e.source === 'ci'), JSON.stringify(trail));
      assert.ok(trail.some((e) => e.version === 1 && e.action === 'stage' && e.to === 'Archived'));
    } finally {
      await server.close();
      store.close();
    }
  });

  test('the push step sends the runs to the team server when the secrets are set, and passes without them', async () => {
    assert.deepEqual(runJob(0.5), { failedStep: 'Gate', gateCode: 1 }, 'a failed gate still pushes (the step runs always)');
    assert.match(outputs.get('Push to the team server')!, /No LABBOOK_REMOTE_URL secret: runs are not pushed/);
    // In its own process: the job's steps run synchronously here, so an in-process server could not answer.
    const team = makeWorkspace({});
    openStore(team.dir).close();
    const server = await startServerProcess(join(team.dir, '.labbook'), 'ci-secret');
    try {
      const secrets = { LABBOOK_REMOTE_URL: server.url, LABBOOK_REMOTE_TOKEN: 'ci-secret' };
      assert.deepEqual(runJob(0.5, secrets), { failedStep: 'Gate', gateCode: 1 });
      assert.match(outputs.get('Push to the team server')!, /Pushed 5 runs to team \(5 created/);
      const teamStore = openStore(team.dir);
      const names = teamStore.listRuns().map((run) => run.name);
      teamStore.close();
      assert.deepEqual(names, Array<string>(5).fill('ci-01234567'));
      runJob(0.5, secrets);
      assert.match(outputs.get('Push to the team server')!, /Pushed 1 run to team \(1 created, 5 already up to date/, 'only the new run is sent');
      runJob(0.5, { ...secrets, LABBOOK_REMOTE_TOKEN: 'wrong' });
      assert.match(outputs.get('Push to the team server')!, /refused this token|needs a valid token/);
    } finally {
      await server.stop();
      team.cleanup();
    }
  });
});

test('docs/models.md shows the GitLab job the template writes', () => {
  const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'models.md'), 'utf8');
  const example = gitlabCi({ trainCommand: 'python train.py', model: 'iris', metric: 'val_acc', direction: 'higher', minDelta: 0 });
  assert.ok(docs.includes(`\`\`\`yaml\n${example}\`\`\``), example);
});

test('the GitLab job runs too: its script trains, gates and promotes on main', () => {
  const { dir, cleanup } = makeWorkspace({ git: true, files: { 'train.py': TRAIN } });
  try {
    const bin = labbookShim(dir);
    const job = (parse(gitlabCi(options)) as { labbook: { script: string[] } }).labbook;
    const script = job.script.filter((line) => !/npm install|pip install/.test(line)).join('\n');
    const result = spawnSync('bash', ['-e', '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        LABBOOK_DIR: '',
        GITLAB_CI: 'true',
        CI_COMMIT_BRANCH: 'main',
        CI_COMMIT_SHORT_SHA: 'abc12345',
        ACC: '0.9',
      },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /PASS \(first deployment/);
    const store = openStore(dir);
    try {
      assert.deepEqual(
        auditTrail(store, 'iris').map((e) => [e.action, e.to, e.source]),
        [
          ['register', `runs:/${store.listRuns()[0].id}/model.pkl`, 'ci'],
          ['stage', 'Production', 'ci'],
        ],
      );
    } finally {
      store.close();
    }
  } finally {
    cleanup();
  }
});
