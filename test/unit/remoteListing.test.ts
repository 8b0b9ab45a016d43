// The Remotes view's tree of one remote: the remote's experiments and the workspace's runs with their states,
// and the remote's runs no local run stands for, as "remote only".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { remoteTree } from '../../src/sync/remoteListing';
import type { RemoteExperiment } from '../../src/sync/remoteListing';
import type { SyncState } from '../../src/sync/syncState';

const id = (c: string): string => c.repeat(32);

const listing: RemoteExperiment[] = [
  {
    id: '1',
    name: 'mnist',
    runs: [
      { id: id('p'), name: 'pulled-here', status: 'FINISHED', startTime: 5 },
      { id: id('t'), name: 'pushed-from-here', status: 'FINISHED', startTime: 3, labbookRunId: id('l') },
      { id: id('d'), name: 'pushed-then-deleted-here', status: 'FINISHED', startTime: 3, labbookRunId: id('z') },
      { id: id('n'), name: 'teammate', status: 'RUNNING', startTime: 2 },
    ],
  },
  { id: '2', name: 'empty-on-remote', runs: [] },
];

const locals = [
  { id: id('p'), name: 'pulled-here', experimentName: 'mnist' },
  { id: id('a'), name: 'mine', experimentName: 'mnist' },
  { id: id('l'), name: 'mine-too', experimentName: 'mnist' },
  { id: id('x'), name: 'new-idea', experimentName: 'local-only' },
  { id: id('o'), name: 'from-another-remote', experimentName: 'mnist' },
];
const states = new Map<string, SyncState>([
  [id('p'), 'pulled'],
  [id('a'), 'pushed'],
  [id('l'), 'local'],
  [id('x'), 'local'],
]);

test('remote runs no local run stands for are remote only; local runs keep their state', () => {
  const here = new Set(locals.map((run) => run.id));
  const tree = remoteTree(listing, locals, states, (runId) => here.has(runId));
  assert.deepEqual(tree, [
    {
      name: 'mnist',
      onRemote: true,
      runs: [
        { id: id('p'), name: 'pulled-here', state: 'pulled' },
        { id: id('a'), name: 'mine', state: 'pushed' },
        { id: id('l'), name: 'mine-too', state: 'local' },
        { id: id('d'), name: 'pushed-then-deleted-here', state: 'remote' },
        { id: id('n'), name: 'teammate', state: 'remote' },
      ],
    },
    { name: 'empty-on-remote', onRemote: true, runs: [] },
    { name: 'local-only', onRemote: false, runs: [{ id: id('x'), name: 'new-idea', state: 'local' }] },
  ]);
});

test('before the listing is read, the local runs with a state are shown', () => {
  const tree = remoteTree(undefined, locals, states, () => true);
  assert.deepEqual(
    tree.map((e) => [e.name, e.onRemote, e.runs.map((r) => r.state)]),
    [
      ['mnist', true, ['pulled', 'pushed', 'local']],
      ['local-only', false, ['local']],
    ],
  );
});
