// Push and pull against `labbook serve` as the remote (real sockets, the built CLI): the round trip of a large run
// compared exactly, a re-push that sends nothing, pull's read-only runs and adopt, and a push SIGKILLed halfway.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTrackingServer, type TrackingServer } from '../../src/server/trackingServer';
import { ModelRegistry } from '../../src/store/registry';
import { ReadOnlyRunError, Store } from '../../src/store/store';
import { makeWorkspace, runCli, startCli, waitFor } from './helpers';
import { histories, POINTS, recordBigRun } from './syncFixture';

interface Remote {
  store: Store;
  server: TrackingServer;
  cleanup: () => void;
}

async function startRemote(): Promise<Remote> {
  const ws = makeWorkspace();
  const store = Store.open(join(ws.dir, '.labbook'));
  const server = await startTrackingServer({ store, log: () => undefined });
  return {
    store,
    server,
    cleanup: () => {
      void server.close().then(() => {
        store.close();
        ws.cleanup();
      });
    },
  };
}

function copyExperimentId(store: Store, runId: string): number {
  return store.getRun(runId).experimentId;
}

function remoteRunOf(store: Store, localRunId: string): string {
  const ids = store.runIds({ filter: `tags.\`labbook.run_id\` = '${localRunId}'` });
  assert.equal(ids.length, 1, `one remote run for ${localRunId}, found ${ids.length}`);
  return ids[0];
}

async function cli(cwd: string, ...args: string[]): Promise<Record<string, unknown>> {
  const result = await runCli(args, { cwd });
  assert.equal(result.code, 0, `labbook ${args.join(' ')}: ${result.stderr}`);
  return args.includes('--json') ? (JSON.parse(result.stdout) as Record<string, unknown>) : {};
}

describe('push and pull with labbook serve as the remote', () => {
  let remote: Remote;
  const local = makeWorkspace();
  const third = makeWorkspace();
  let big: { runId: string; artifact: Buffer };

  before(async () => {
    remote = await startRemote();
    const store = Store.open(join(local.dir, '.labbook'));
    big = recordBigRun(store);
    const registry = new ModelRegistry(store);
    registry.createModel('churn');
    registry.createVersion('churn', { source: `runs:/${big.runId}/models/model.bin`, runId: big.runId });
    registry.transitionStage('churn', 1, 'Production');
    registry.setAlias('churn', 'champion', 1);
    store.close();
    await cli(local.dir, 'remote', 'add', 'origin', remote.server.url);
    mkdirSync(join(third.dir, '.labbook'));
    await cli(third.dir, 'remote', 'add', 'team', remote.server.url);
  });

  after(() => {
    remote.cleanup();
    local.cleanup();
    third.cleanup();
  });

  test('push copies the run exactly, and a second push sends nothing', async () => {
    const first = await cli(local.dir, 'push', '--json');
    assert.equal(first.points, POINTS);
    assert.equal(first.params, 50);
    assert.equal(first.created, 1);
    assert.equal(first.artifacts, 1);
    const remoteId = remoteRunOf(remote.store, big.runId);
    assert.equal((first.remoteIds as Record<string, string>)[big.runId], remoteId);

    const store = Store.open(join(local.dir, '.labbook'));
    try {
      const source = store.getRunDetail(big.runId);
      const copy = remote.store.getRunDetail(remoteId);
      assert.deepEqual(copy.params, source.params);
      for (const [key, value] of Object.entries(source.tags)) assert.equal(copy.tags[key], value, key);
      assert.equal(copy.tags['labbook.git.commit'], 'a'.repeat(40));
      assert.equal(copy.status, 'FINISHED');
      assert.equal(copy.startTime, source.startTime);
      assert.equal(copy.endTime, source.endTime);
      assert.equal(copy.experimentName, 'sync-test');
      assert.deepEqual(histories(remote.store, remoteId), histories(store, big.runId));
      const file = copy.artifacts.find((a) => a.path === 'models/model.bin');
      assert.equal(file?.sha256, source.artifacts[0].sha256);
    } finally {
      store.close();
    }

    const remoteRegistry = new ModelRegistry(remote.store);
    const version = remoteRegistry.getVersion('churn', 1);
    assert.equal(version.runId, remoteId);
    assert.equal(version.stage, 'Production');
    assert.equal(version.source, `mlflow-artifacts:/${copyExperimentId(remote.store, remoteId)}/${remoteId}/artifacts/models/model.bin`);
    assert.equal(remoteRegistry.aliasVersion('churn', 'champion'), 1);
    assert.deepEqual(first.models, { versions: 1, stages: 1, aliases: 1 });

    const again = await cli(local.dir, 'push', '--json');
    assert.equal(again.points, 0);
    assert.equal(again.runs, 0);
    assert.equal(again.upToDate, 1);
    assert.equal(again.requests, 0, 'a push with nothing new asks the server nothing');
  });

  test('a run that grew sends only its new points', async () => {
    const store = Store.open(join(local.dir, '.labbook'));
    store.logMetrics(big.runId, [{ key: 'loss', value: 0.5, step: POINTS, timestamp: 1_700_000_300_000 }]);
    store.setTags(big.runId, { t0: 'changed' });
    const registry = new ModelRegistry(store);
    registry.transitionStage('churn', 1, 'Staging');
    registry.deleteAlias('churn', 'champion');
    registry.setAlias('churn', 'candidate', 1);
    store.close();
    const grown = await cli(local.dir, 'push', '--json');
    assert.equal(grown.points, 1);
    assert.equal(grown.tags, 1);
    assert.deepEqual(grown.models, { versions: 0, stages: 1, aliases: 2 });
    const remoteRegistry = new ModelRegistry(remote.store);
    assert.equal(remoteRegistry.getVersion('churn', 1).stage, 'Staging');
    assert.deepEqual(remoteRegistry.getVersion('churn', 1).aliases, ['candidate']);
    const remoteId = remoteRunOf(remote.store, big.runId);
    assert.equal(remote.store.tags(remoteId).t0, 'changed');
    assert.equal(remote.store.metricSummaries(remoteId).find((m) => m.key === 'loss')?.last, 0.5);
  });

  test('pull brings the run into a third store exactly, read-only until adopted', async () => {
    const pulled = await cli(third.dir, 'pull', '--json');
    assert.equal(pulled.created, 1);
    const remoteId = remoteRunOf(remote.store, big.runId);
    const source = Store.open(join(local.dir, '.labbook'));
    const copy = Store.open(join(third.dir, '.labbook'));
    try {
      const run = copy.getRunDetail(remoteId);
      assert.equal(run.tags['labbook.origin'], remote.server.url);
      assert.deepEqual(run.params, source.params(big.runId));
      assert.equal(run.status, 'FINISHED');
      assert.equal(run.endTime, source.getRun(big.runId).endTime);
      assert.equal(run.git.commit, 'a'.repeat(40));
      assert.deepEqual(histories(copy, remoteId), histories(source, big.runId));
      const file = run.artifacts.find((a) => a.path === 'models/model.bin');
      assert.equal(file?.sha256, source.artifacts(big.runId)[0].sha256);
      assert.deepEqual(copy.objects.read(file!.sha256), big.artifact);
      assert.throws(() => copy.logMetrics(remoteId, [{ key: 'loss', value: 1, step: 1, timestamp: 1 }]), ReadOnlyRunError);
      assert.throws(() => copy.setTags(remoteId, { x: 'y' }), ReadOnlyRunError);
      const server = await startTrackingServer({ store: copy, log: () => undefined });
      try {
        const answer = await fetch(`${server.url}/api/2.0/mlflow/runs/log-metric`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ run_id: remoteId, key: 'loss', value: 1, timestamp: 1, step: 1 }),
        });
        assert.equal(answer.status, 400);
        assert.equal(((await answer.json()) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
      } finally {
        await server.close();
      }
    } finally {
      source.close();
      copy.close();
    }
    const again = await cli(third.dir, 'pull', '--json');
    assert.equal(again.points, 0);
    assert.equal(again.created, 0);

    await cli(third.dir, 'adopt', remoteId.slice(0, 8));
    const adopted = Store.open(join(third.dir, '.labbook'));
    try {
      adopted.setTags(remoteId, { note: 'mine now' });
      assert.equal(adopted.originOf(remoteId), undefined);
    } finally {
      adopted.close();
    }
    // The adopted run continues its remote run: only what changed here goes.
    const pushed = await cli(third.dir, 'push', '--json');
    assert.equal(pushed.created, 0);
    assert.equal(pushed.points, 0);
    assert.equal(remote.store.tags(remoteId).note, 'mine now');
    assert.equal(remote.store.tags(remoteId)['labbook.run_id'], big.runId, 'the run keeps its first identity');
  });

  test('pull leaves this store its own pushed runs', async () => {
    const result = await cli(local.dir, 'pull', '--json');
    assert.equal(result.created, 0);
    assert.equal(result.own, 1);
  });
});

describe('a push killed halfway', () => {
  for (const signal of ['SIGKILL', 'SIGINT'] as const)
    test(`${signal}: the next push resumes with no duplicates and without resending what was acknowledged`, async () => {
      const remote = await startRemote();
      const local = makeWorkspace();
      try {
        const store = Store.open(join(local.dir, '.labbook'));
        const { runId } = recordBigRun(store);
        store.close();
        await cli(local.dir, 'remote', 'add', 'origin', remote.server.url);
        const pushing = startCli(['push', '--json'], { cwd: local.dir });
        const remoteId = await waitFor('the remote run', () => remote.store.runIds({ filter: `tags.\`labbook.run_id\` = '${runId}'` })[0]);
        const sentBefore = await waitFor(
          '30,000 points on the remote',
          () => {
            const n = remote.store.metricSummaries(remoteId).reduce((sum, m) => sum + m.count, 0);
            return n >= 30_000 && n;
          },
          60_000,
        );
        pushing.child.kill(signal);
        const killed = await pushing.done;
        if (signal === 'SIGKILL') assert.equal(killed.signal, 'SIGKILL');
        else {
          assert.equal(killed.code, 130);
          assert.match(killed.stderr, /push interrupted; .*run the same command again to resume/);
        }
        assert.ok(sentBefore < POINTS, 'killed before the end');

        const resumed = await cli(local.dir, 'push', '--json');
        assert.equal(resumed.created, 0, 'the same remote run continues');
        assert.ok(
          (resumed.points as number) <= POINTS - sentBefore + 1000,
          `resent at most the batch in flight (sent ${String(resumed.points)} after ${sentBefore})`,
        );
        const source = Store.open(join(local.dir, '.labbook'));
        try {
          assert.equal(remoteRunOf(remote.store, runId), remoteId);
          assert.deepEqual(histories(remote.store, remoteId), histories(source, runId));
        } finally {
          source.close();
        }
      } finally {
        remote.cleanup();
        local.cleanup();
      }
    });
});
