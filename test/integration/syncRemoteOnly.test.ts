// The remote's experiments and runs for the Remotes view, read from `labbook serve`: runs never pulled are
// "remote only", and `labbook pull --run ID` brings just that run, after which it is "pulled".
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTrackingServer, type TrackingServer } from '../../src/server/trackingServer';
import { ModelRegistry } from '../../src/store/registry';
import { Store } from '../../src/store/store';
import { MlflowClient } from '../../src/sync/client';
import { Ledger } from '../../src/sync/ledger';
import { listRemote, remoteTree } from '../../src/sync/remoteListing';
import { syncStates } from '../../src/sync/syncState';
import { makeWorkspace, runCli } from './helpers';

describe('remote-only runs', () => {
  const remoteWs = makeWorkspace();
  const localWs = makeWorkspace();
  let remoteStore: Store;
  let server: TrackingServer;
  const ids: Record<string, string> = {};

  before(async () => {
    remoteStore = Store.open(join(remoteWs.dir, '.labbook'));
    for (const [experimentName, name, start] of [
      ['mnist', 'teammate-a', 1],
      ['mnist', 'teammate-b', 2],
      ['cifar', 'ci-run', 3],
    ] as const) {
      const run = remoteStore.createRun({ experimentName, name, startTime: 1_700_000_000_000 + start });
      remoteStore.logMetrics(run.id, [{ key: 'acc', value: start / 10, step: 0, timestamp: 1 }]);
      remoteStore.finishRun(run.id, 'FINISHED', { endTime: 1_700_000_100_000, exitCode: 0 });
      ids[name] = run.id;
    }
    server = await startTrackingServer({ store: remoteStore, log: () => undefined });
    mkdirSync(join(localWs.dir, '.labbook'));
    const result = await runCli(['remote', 'add', 'team', server.url], { cwd: localWs.dir });
    assert.equal(result.code, 0, result.stderr);
  });

  after(async () => {
    await server.close();
    remoteStore.close();
    remoteWs.cleanup();
    localWs.cleanup();
  });

  function tree(): Record<string, Record<string, string>> {
    const local = Store.open(join(localWs.dir, '.labbook'));
    try {
      const ledger = new Ledger(local.dir, server.url);
      const runs = local.listRuns({});
      const states = syncStates(
        local,
        ledger,
        runs.map((run) => run.id),
      );
      return Object.fromEntries(
        remoteTree(listing, runs, states, (runId) => local.findRun(runId) !== undefined).map((e) => [
          e.name,
          Object.fromEntries(e.runs.map((r) => [r.name, r.state])),
        ]),
      );
    } finally {
      local.close();
    }
  }
  let listing: Awaited<ReturnType<typeof listRemote>>;

  test("the remote's experiments list its runs, newest first; none is here yet", async () => {
    listing = await listRemote(new MlflowClient(server.url));
    const byName = Object.fromEntries(listing.map((e) => [e.name, e.runs.map((r) => r.name)]));
    assert.deepEqual(byName.mnist, ['teammate-b', 'teammate-a']);
    assert.deepEqual(byName.cifar, ['ci-run']);
    assert.deepEqual(tree().mnist, { 'teammate-b': 'remote', 'teammate-a': 'remote' });
  });

  test('pull --run brings only that run, which is then pulled', async () => {
    const result = await runCli(['pull', '--run', ids['teammate-a'], '--json'], { cwd: localWs.dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { created: number }).created, 1);
    const t = tree();
    assert.deepEqual(t.mnist, { 'teammate-a': 'pulled', 'teammate-b': 'remote' });
    assert.deepEqual(t.cifar, { 'ci-run': 'remote' });
  });

  test("pull brings the model versions of pulled runs with the remote's stage and aliases, once", async () => {
    const remoteRegistry = new ModelRegistry(remoteStore);
    remoteRegistry.createModel('digits');
    remoteRegistry.createVersion('digits', { source: `runs:/${ids['teammate-b']}/model`, runId: ids['teammate-b'] }); // not pulled here
    remoteRegistry.createVersion('digits', { source: `runs:/${ids['teammate-a']}/model`, runId: ids['teammate-a'] });
    remoteRegistry.transitionStage('digits', 2, 'Staging');
    remoteRegistry.setAlias('digits', 'candidate', 2);
    const pull = async (): Promise<unknown> => {
      const result = await runCli(['pull', '--run', ids['teammate-a'], '--json'], { cwd: localWs.dir });
      assert.equal(result.code, 0, result.stderr);
      return (JSON.parse(result.stdout) as { models: unknown }).models;
    };
    const localVersions = () => {
      const local = Store.open(join(localWs.dir, '.labbook'));
      try {
        return new ModelRegistry(local)
          .listVersions('digits')
          .map((v) => ({ version: v.version, runId: v.runId, stage: v.stage, aliases: v.aliases }));
      } finally {
        local.close();
      }
    };
    assert.deepEqual(await pull(), { versions: 1, stages: 1, aliases: 1 });
    assert.deepEqual(localVersions(), [{ version: 1, runId: ids['teammate-a'], stage: 'Staging', aliases: ['candidate'] }]);
    assert.deepEqual(await pull(), { versions: 0, stages: 0, aliases: 0 });
    remoteRegistry.transitionStage('digits', 2, 'Production');
    remoteRegistry.setAlias('digits', 'champion', 2);
    assert.deepEqual(await pull(), { versions: 0, stages: 1, aliases: 1 });
    assert.deepEqual(localVersions(), [{ version: 1, runId: ids['teammate-a'], stage: 'Production', aliases: ['candidate', 'champion'] }]);
    remoteRegistry.deleteAlias('digits', 'candidate');
    assert.deepEqual(await pull(), { versions: 0, stages: 0, aliases: 1 });
    assert.deepEqual(localVersions()[0].aliases, ['champion']);
  });

  test('pull --run of a run the remote does not have says so and changes nothing', async () => {
    const result = await runCli(['pull', '--run', 'f'.repeat(32)], { cwd: localWs.dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Run with id=f{32} not found/);
  });
});
