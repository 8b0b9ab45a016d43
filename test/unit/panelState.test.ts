import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runIdOfPanelState } from '../../src/extension/panels/panelState';

const ID = '0123456789abcdef0123456789abcdef';

test('a saved Run panel state gives back its run id', () => {
  assert.equal(runIdOfPanelState({ runId: ID, smoothing: 0.6, axis: 'step' }), ID);
});

test("a state that is not the page's, or names no well-formed run id, gives nothing", () => {
  for (const state of [
    undefined,
    null,
    'x',
    42,
    [ID],
    {},
    { runId: 7 },
    { runId: ID.toUpperCase() },
    { runId: `${ID}0` },
    { runId: '../../etc/passwd' },
    { runId: `${ID}\n` },
  ]) {
    assert.equal(runIdOfPanelState(state), undefined, JSON.stringify(state));
  }
  assert.equal(runIdOfPanelState(JSON.parse(`{"__proto__": {"runId": "${ID}"}}`)), undefined);
});
