import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { actorName, changeSource, isCi } from '../../src/core/actor';
import { gateReport, metricChartSvg } from '../../src/core/gateReport';
import { decideGate } from '../../src/core/gate';
import { modelCard } from '../../src/models/card';
import { evaluateGate, parseAgainst } from '../../src/models/gate';
import { ModelsError } from '../../src/models/models';
import { auditTrail, AuditedRegistry, localActor } from '../../src/store/modelAudit';
import { startTrackingServer } from '../../src/server/trackingServer';
import type { Store } from '../../src/store/store';
import { seedRun, tempStore, testService } from './modelFixtures';

describe('who and where a registry change comes from', () => {
  test('git identity first, then the OS user', () => {
    assert.equal(actorName({ gitName: 'Ann', gitEmail: 'ann@x.org', osUser: 'ann' }), 'Ann <ann@x.org>');
    assert.equal(actorName({ gitName: ' ', osUser: 'ann' }), 'ann');
    assert.equal(actorName({ gitEmail: 'ann@x.org' }), 'ann@x.org');
    assert.equal(actorName({}), 'unknown');
  });

  test('CI is detected from CI, GITHUB_ACTIONS or GITLAB_CI; the extension stays the extension', () => {
    assert.equal(isCi({}), false);
    assert.equal(isCi({ CI: 'false' }), false);
    assert.equal(isCi({ GITHUB_ACTIONS: 'true' }), true);
    assert.equal(isCi({ GITLAB_CI: 'true' }), true);
    assert.equal(changeSource('cli', { CI: 'true' }), 'ci');
    assert.equal(changeSource('api', { CI: '1' }), 'ci');
    assert.equal(changeSource('extension', { CI: 'true' }), 'extension');
    assert.equal(changeSource('cli', {}), 'cli');
    assert.equal(localActor('cli', { env: { CI: 'true' } }).source, 'ci');
    assert.ok(localActor('api', { env: {} }).who.length > 0);
  });
});

describe('models service and audit trail', () => {
  let fixture: ReturnType<typeof tempStore>;
  let store: Store;
  before(() => {
    fixture = tempStore();
    store = fixture.store;
  });
  after(() => fixture.cleanup());

  test('registers a run’s model file, lists it with its run, metric and hash, and records every change', () => {
    const service = testService(store);
    const first = seedRun(store, { name: 'train-1', metrics: { val_acc: [0.5, 0.8] }, model: 'm1', data: 'a,b\n1,2\n3,4\n' });
    const second = seedRun(store, { name: 'train-2', metrics: { val_acc: [0.6, 0.9] }, model: 'm2' });
    const v1 = service.register(first, { name: 'iris' });
    const v2 = service.register(second);
    assert.deepEqual([v1.version, v2.version, v2.name], [1, 2, 'iris']);
    assert.equal(v1.source, `runs:/${first}/model.pkl`);

    service.promote('iris', 1, 'Production');
    service.promote('iris', 2, 'Production', true);
    service.setAlias('iris', 'champion', 1);
    service.setAlias('iris', 'champion', 2);
    service.removeAlias('iris', 'champion');
    service.archive('iris', 2);

    const [model] = service.list('iris');
    assert.deepEqual(
      model.versions.map((v) => [v.version, v.stage, v.runName, v.keyMetric?.key, v.keyMetric?.value]),
      [
        [2, 'Archived', 'train-2', 'val_acc', 0.9],
        [1, 'Archived', 'train-1', 'val_acc', 0.8],
      ],
    );
    assert.match(model.versions[1].modelSha256 ?? '', /^[0-9a-f]{64}$/);

    const trail = service.history('iris');
    assert.deepEqual(
      trail.map((e) => [e.version, e.action, e.from, e.to]),
      [
        [1, 'register', null, `runs:/${first}/model.pkl`],
        [2, 'register', null, `runs:/${second}/model.pkl`],
        [1, 'stage', 'None', 'Production'],
        [2, 'stage', 'None', 'Production'],
        [1, 'stage', 'Production', 'Archived'],
        [1, 'alias', null, 'champion'],
        [1, 'unalias', 'champion', null],
        [2, 'alias', '1', 'champion'],
        [2, 'unalias', 'champion', null],
        [2, 'stage', 'Production', 'Archived'],
      ],
    );
    assert.ok(trail.every((e) => e.who === 'Ann <ann@example.com>' && e.source === 'extension' && e.at > 0));
    assert.deepEqual(
      service.history('iris', 1).map((e) => e.version),
      [1, 1, 1, 1, 1],
    );
  });

  test('bad requests are clear errors and change nothing', () => {
    const service = testService(store);
    const bare = seedRun(store, { name: 'no-model', metrics: { val_acc: [0.1] } });
    const before = auditTrail(store, 'iris').length;
    assert.throws(
      () => service.register(bare, { name: 'iris' }),
      (e) => e instanceof ModelsError && /wrote no model file/.test(e.message),
    );
    assert.throws(() => service.register('train-1', { name: 'iris', path: 'nope.pkl' }), /has no artifact 'nope.pkl'/);
    assert.throws(() => service.promote('iris', 99, 'Production'), /no version 99|version=99/);
    assert.throws(() => service.setAlias('iris', 'latest', 1), /reserved/);
    assert.throws(() => service.history('ghost'), /No registered model named 'ghost'|name=ghost not found/);
    assert.equal(auditTrail(store, 'iris').length, before);
  });

  test('a deleted version keeps its trail; the API registry records as api', () => {
    const api = new AuditedRegistry(store, { who: 'bob', source: 'api' });
    const run = seedRun(store, { name: 'train-3', model: 'm3' });
    const version = api.createVersion('iris', { source: `runs:/${run}/model.pkl`, runId: run });
    api.transitionStage('iris', version.version, 'Staging');
    api.deleteVersion('iris', version.version);
    const trail = auditTrail(store, 'iris', version.version);
    assert.deepEqual(
      trail.map((e) => [e.action, e.from, e.who, e.source]),
      [
        ['register', null, 'bob', 'api'],
        ['stage', 'None', 'bob', 'api'],
        ['delete', 'Staging', 'bob', 'api'],
      ],
    );
  });
});

describe('audit trail through the MLflow API', () => {
  test('stage and alias changes made by MLflow clients are recorded as api (ci inside a CI job)', async () => {
    const { store, cleanup } = tempStore();
    const server = await startTrackingServer({ store, port: 0, log: () => {} });
    try {
      const run = seedRun(store, { name: 'api-run', model: 'm' });
      const call = async (method: string, path: string, body: object): Promise<void> => {
        const response = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 200, await response.text());
      };
      await call('POST', 'registered-models/create', { name: 'api-model' });
      await call('POST', 'model-versions/create', { name: 'api-model', source: `runs:/${run}/model.pkl`, run_id: run });
      await call('POST', 'model-versions/transition-stage', { name: 'api-model', version: '1', stage: 'Staging', archive_existing_versions: false });
      await call('POST', 'registered-models/alias', { name: 'api-model', alias: 'champion', version: '1' });
      await call('DELETE', 'registered-models/alias', { name: 'api-model', alias: 'champion' });
      const expected = changeSource('api', process.env);
      assert.deepEqual(
        auditTrail(store, 'api-model').map((e) => [e.action, e.from, e.to, e.source]),
        [
          ['register', null, `runs:/${run}/model.pkl`, expected],
          ['stage', 'None', 'Staging', expected],
          ['alias', null, 'champion', expected],
          ['unalias', 'champion', null, expected],
        ],
      );
      assert.equal(auditTrail(store, 'api-model')[0].who, localActor('api').who);
    } finally {
      await server.close();
      cleanup();
    }
  });
});

describe('gate over a store', () => {
  let fixture: ReturnType<typeof tempStore>;
  before(() => (fixture = tempStore()));
  after(() => fixture.cleanup());

  test('--against reads stages, aliases and run references', () => {
    assert.deepEqual(parseAgainst('production'), { kind: 'stage', stage: 'Production' });
    assert.deepEqual(parseAgainst('@champion'), { kind: 'alias', alias: 'champion' });
    assert.deepEqual(parseAgainst('@last'), { kind: 'run', ref: '@last' });
    assert.deepEqual(parseAgainst('@best:acc'), { kind: 'run', ref: '@best:acc' });
    assert.deepEqual(parseAgainst('train-3'), { kind: 'run', ref: 'train-3' });
  });

  test('first deployment, then a worse and a better candidate, promoting and archiving', () => {
    const { store } = fixture;
    const service = testService(store, { who: 'ci-bot', source: 'ci' });
    const request = { model: 'iris', metrics: [{ metric: 'acc' }], promote: true };
    seedRun(store, { name: 'a', metrics: { acc: [0.5, 0.9] }, model: 'ma', commit: 'a'.repeat(40), params: { lr: '0.1' } });
    const first = evaluateGate(store, service, request);
    assert.equal(first.exitCode, 0);
    assert.equal(first.summary.firstDeployment, true);
    assert.match(first.report, /first deployment/);
    assert.deepEqual(first.summary.promoted, { version: 1, stage: 'Production', alias: null });

    seedRun(store, { name: 'b', metrics: { acc: [0.85] }, model: 'mb', commit: 'b'.repeat(40), params: { lr: '0.2' } });
    const worse = evaluateGate(store, service, request);
    assert.equal(worse.exitCode, 1);
    assert.equal(worse.summary.promoted, null);
    assert.equal(service.list('iris')[0].versions.length, 1, 'a failing candidate is not registered');

    seedRun(store, { name: 'c', metrics: { acc: [0.7, 0.95] }, model: 'mc', commit: 'c'.repeat(40), params: { lr: '0.05' }, data: 'x\n1\n' });
    const better = evaluateGate(store, service, request);
    assert.equal(better.exitCode, 0);
    assert.deepEqual(
      service.list('iris')[0].versions.map((v) => [v.version, v.stage, v.runName]),
      [
        [2, 'Production', 'c'],
        [1, 'Archived', 'a'],
      ],
    );
    assert.match(better.report, /\| lr \| 0\.1 \| 0\.05 \|/);
    assert.match(better.report, /git log aaaaaaaaaaaa\.\.cccccccccccc/);
    assert.match(better.report, /train\.csv/);
    assert.match(better.report, /<svg [^>]*>.*<polyline/s);
    assert.match(better.report, /v1 Production → Archived/);

    const again = evaluateGate(store, service, request);
    assert.equal(again.exitCode, 1, 'the current version does not beat itself');
    assert.equal(again.summary.sameAsCurrent, true);
    assert.match(again.report, /already the Production version/);
  });

  test('gating against an alias moves the alias', () => {
    const { store } = fixture;
    const service = testService(store);
    const outcome = evaluateGate(store, service, {
      model: 'iris',
      metrics: [{ metric: 'acc' }],
      against: '@champion',
      candidate: 'c',
      promote: true,
    });
    assert.equal(outcome.summary.firstDeployment, true);
    assert.deepEqual(service.registry.versionByAlias('iris', 'champion').version, 2);
  });

  test('a model card has the stored text and the generated parts', () => {
    const { store } = fixture;
    const service = testService(store);
    service.setCardText('iris', 2, { intendedUse: 'Classify <b>iris</b> flowers.', notes: 'Trained on the\nclassic set.' });
    const card = modelCard(store, service, 'iris', 2);
    for (const part of [
      '# Model card: iris v2',
      '- stage: Production; aliases: @champion',
      'Classify &lt;b&gt;iris&lt;/b&gt; flowers.',
      'Trained on the\nclassic set.',
      '| lr | 0.05 |',
      '| acc | 0.95 | 0.7 | 0.95 |',
      'Last gate against @champion',
      '| train.csv |',
      '| 1 | x |',
      `- commit \`${'c'.repeat(40)}\` on main`,
      '- no uncommitted changes',
      '## Lineage',
      'v2 None → Production by ci-bot (ci)',
      'v2 alias @champion by Ann &lt;ann@example.com&gt; (extension)',
    ]) {
      assert.ok(card.includes(part), `card lacks ${JSON.stringify(part)}:\n${card}`);
    }
    assert.match(modelCard(store, service, 'iris', 1), /_Not written yet: labbook models card iris 1 --intended-use/);
  });

  test('the report escapes what came from runs', () => {
    const decision = decideGate([{ metric: 'a|<x>', direction: 'higher', minDelta: 0 }], { 'a|<x>': 1 }, null);
    const side = {
      label: '<script>',
      runId: 'r',
      commit: null,
      dirty: false,
      params: {},
      data: [],
      series: { 'a|<x>': [[0, 1]] as [number, number][] },
    };
    const report = gateReport({ model: 'm', against: 'Production', decision, candidate: side, current: null, sameAsCurrent: false, actions: [] });
    assert.ok(!report.includes('<script>') && !report.includes('<x>'));
    assert.match(report, /a\\\|&lt;x&gt;/);
    assert.equal(metricChartSvg('m', [{ label: 'c', color: '#000', points: [] }]), '');
    const noGit = gateReport({ model: 'm', against: 'Production', decision, candidate: side, current: side, sameAsCurrent: true, actions: [] });
    assert.match(noGit, /Neither run recorded a git commit\./);
  });
});
