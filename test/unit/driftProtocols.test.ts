// The Drift panel's and the Monitoring view's validators: what the pages may send, and a clear refusal otherwise.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { driftFilesOfPanelState, isDriftToWebview, parseDriftMessage } from '../../src/protocol/driftPanel';
import { isMonitoringToWebview, parseMonitoringMessage } from '../../src/protocol/monitoringView';

describe('parseDriftMessage', () => {
  it('takes ready, rerun and openFile of either file, as fresh objects', () => {
    assert.deepEqual(parseDriftMessage({ type: 'driftPanel/ready', extra: 1 }), { ok: true, message: { type: 'driftPanel/ready' } });
    assert.deepEqual(parseDriftMessage({ type: 'driftPanel/rerun' }), { ok: true, message: { type: 'driftPanel/rerun' } });
    assert.deepEqual(parseDriftMessage({ type: 'driftPanel/openFile', which: 'current' }), {
      ok: true,
      message: { type: 'driftPanel/openFile', which: 'current' },
    });
  });

  it('refuses a path, an unknown type and a non-object with a message that says why', () => {
    assert.deepEqual(parseDriftMessage({ type: 'driftPanel/openFile', which: '/etc/passwd' }), {
      ok: false,
      error: "Bad drift panel message: 'which' must be 'reference' or 'current'.",
    });
    assert.deepEqual(parseDriftMessage({ type: 'driftPanel/delete' }), {
      ok: false,
      error: 'Bad drift panel message: Unknown message type "driftPanel/delete".',
    });
    assert.deepEqual(parseDriftMessage('ready'), { ok: false, error: 'Drift panel message must be an object.' });
    assert.equal(isDriftToWebview({ type: 'driftPanel/report' }), true);
    assert.equal(isDriftToWebview({ type: 'monitoringView/update' }), false);
  });
});

describe('driftFilesOfPanelState', () => {
  const saved = { reference: 'file:///w/data/train.csv', current: 'file:///w/data/live.csv' };

  it('takes back the two file URIs and the labels the page saved', () => {
    assert.deepEqual(driftFilesOfPanelState(saved), saved);
    const labelled = { ...saved, referenceLabel: 'training data of churn v3', currentLabel: 'churn@champion (port 5001)', extra: 1 };
    assert.deepEqual(driftFilesOfPanelState(labelled), { ...saved, referenceLabel: labelled.referenceLabel, currentLabel: labelled.currentLabel });
  });

  it('refuses a state that is not the page’s: no object, a missing file, a URI that is not file:, overlong text', () => {
    assert.equal(driftFilesOfPanelState(undefined), undefined);
    assert.equal(driftFilesOfPanelState('file:///w/a.csv'), undefined);
    assert.equal(driftFilesOfPanelState({ reference: saved.reference }), undefined);
    assert.equal(driftFilesOfPanelState({ ...saved, current: 'https://evil.example/live.csv' }), undefined);
    assert.equal(driftFilesOfPanelState({ ...saved, reference: 'command:workbench.action.quit' }), undefined);
    assert.equal(driftFilesOfPanelState({ ...saved, reference: `file:///${'a'.repeat(9000)}` }), undefined);
    assert.deepEqual(driftFilesOfPanelState({ ...saved, referenceLabel: 'x'.repeat(501), currentLabel: 3 }), saved);
  });
});

describe('parseMonitoringMessage', () => {
  it('takes ready and openDrift with a process id', () => {
    assert.deepEqual(parseMonitoringMessage({ type: 'monitoringView/ready' }), { ok: true, message: { type: 'monitoringView/ready' } });
    assert.deepEqual(parseMonitoringMessage({ type: 'monitoringView/openDrift', id: '4242' }), {
      ok: true,
      message: { type: 'monitoringView/openDrift', id: '4242' },
    });
  });

  it('refuses an id that is not a process id', () => {
    for (const id of [4242, 'http://127.0.0.1:5001', '', '12345678901'])
      assert.deepEqual(parseMonitoringMessage({ type: 'monitoringView/openDrift', id }), {
        ok: false,
        error: "Bad monitoring view message: 'id' must be a server's process id.",
      });
    assert.equal(isMonitoringToWebview({ type: 'monitoringView/update', servers: [] }), true);
    assert.equal(isMonitoringToWebview(null), false);
  });
});
