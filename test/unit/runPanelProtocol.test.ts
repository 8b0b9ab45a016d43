import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SMOOTHING, decodeNumber, encodeNumber, isRunPanelToWebview, parseRunPanelMessage } from '../../src/protocol/runPanel';
import type { WireNumber } from '../../src/protocol/runPanel';

const SHA = 'a'.repeat(64);

function rejects(value: unknown, reason: RegExp): void {
  const result = parseRunPanelMessage(value);
  assert.equal(result.ok, false, `accepted ${JSON.stringify(value)}`);
  if (!result.ok) assert.match(result.error, reason);
}

describe('WireNumber', () => {
  it('keeps NaN and ±Infinity through JSON', () => {
    const values = [0, -1.5, 1e308, Number.MIN_VALUE, Number.NaN, Infinity, -Infinity];
    const wire = JSON.parse(JSON.stringify(values.map(encodeNumber))) as WireNumber[];
    assert.deepEqual(wire.map(decodeNumber), values);
    assert.deepEqual(wire.slice(4), ['NaN', 'Infinity', '-Infinity']);
  });

  it('reads anything else as NaN, never as a wrong number', () => {
    assert.ok(Number.isNaN(decodeNumber('nope' as WireNumber)));
  });
});

describe('parseRunPanelMessage', () => {
  it('accepts each message the webview sends', () => {
    const messages = [
      { type: 'runPanel/ready', smoothing: 0.6 },
      { type: 'runPanel/setSmoothing', smoothing: 0 },
      { type: 'runPanel/setSmoothing', smoothing: MAX_SMOOTHING },
      { type: 'runPanel/requestRange', key: 'val/loss', axis: 'relative', xMin: 0, xMax: 0 },
      { type: 'runPanel/openArtifact', sha256: SHA, path: 'outputs/<model>.pt', direction: 'output' },
      { type: 'runPanel/revealArtifact', sha256: SHA, path: '../outside', direction: 'input' },
      { type: 'runPanel/runCommand', command: 'renameRun' },
      { type: 'runPanel/runCommand', command: 'editNote' },
    ];
    for (const message of messages) assert.deepEqual(parseRunPanelMessage(message), { ok: true, message });
  });

  it('rejects what is not a message object', () => {
    for (const value of [null, undefined, 42, 'runPanel/ready', [], [{ type: 'runPanel/ready', smoothing: 0 }]]) rejects(value, /must be an object/);
  });

  it('rejects unknown or missing types', () => {
    rejects({}, /Unknown message type "undefined"/);
    rejects({ type: 'runPanel/deleteEverything' }, /Unknown message type/);
    rejects({ type: 42 }, /Unknown message type "42"/);
    rejects({ type: 'x'.repeat(10_000) }, /Unknown message type/);
    const long = parseRunPanelMessage({ type: 'x'.repeat(10_000) });
    assert.ok(!long.ok && long.error.length < 200, 'a huge type is not echoed whole');
  });

  it('rejects a smoothing weight that is missing, not a number or out of range', () => {
    for (const smoothing of [undefined, '0.5', Number.NaN, Infinity, -0.1, 1, MAX_SMOOTHING + 1e-9]) {
      rejects({ type: 'runPanel/ready', smoothing }, /smoothing/);
      rejects({ type: 'runPanel/setSmoothing', smoothing }, /smoothing/);
    }
  });

  it('rejects malformed range requests', () => {
    const good = { type: 'runPanel/requestRange', key: 'loss', axis: 'step', xMin: 1, xMax: 2 };
    rejects({ ...good, xMin: 3 }, /xMin/);
    rejects({ ...good, xMax: Infinity }, /xMax/);
    rejects({ ...good, xMin: '1' }, /xMin/);
    rejects({ ...good, axis: 'timestamp' }, /axis/);
    rejects({ ...good, key: '' }, /key/);
    rejects({ ...good, key: 'k'.repeat(1001) }, /key.*longer/);
    rejects({ ...good, key: ['loss'] }, /key/);
  });

  it('runs only the header commands, never an arbitrary command id', () => {
    rejects({ type: 'runPanel/runCommand', command: 'deleteRun' }, /command/);
    rejects({ type: 'runPanel/runCommand', command: 'labbook.renameRun' }, /command/);
    rejects({ type: 'runPanel/runCommand' }, /command/);
  });

  it('rejects artifact references that could not name a recorded artifact', () => {
    const good = { type: 'runPanel/openArtifact', sha256: SHA, path: 'model.pt', direction: 'output' };
    rejects({ ...good, sha256: SHA.toUpperCase() }, /sha256/);
    rejects({ ...good, sha256: 'abc' }, /sha256/);
    rejects({ ...good, sha256: `${SHA}0` }, /sha256/);
    rejects({ ...good, sha256: 7 }, /sha256/);
    rejects({ ...good, path: '' }, /path/);
    rejects({ ...good, path: 'p'.repeat(4097) }, /path.*longer/);
    rejects({ ...good, path: { toString: () => 'model.pt' } }, /path/);
    rejects({ ...good, direction: 'sideways' }, /direction/);
    rejects({ ...good, type: 'runPanel/revealArtifact', direction: undefined }, /direction/);
  });

  it('builds a fresh message: extra fields and prototype tricks do not ride along', () => {
    const hostile = JSON.parse('{"type":"runPanel/ready","smoothing":0.5,"extra":"x","__proto__":{"polluted":true}}') as unknown;
    const result = parseRunPanelMessage(hostile);
    assert.deepEqual(result, { ok: true, message: { type: 'runPanel/ready', smoothing: 0.5 } });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    if (result.ok) assert.equal(Object.getPrototypeOf(result.message), Object.prototype);
  });
});

describe('isRunPanelToWebview', () => {
  it('recognises host messages by their type only', () => {
    assert.equal(isRunPanelToWebview({ type: 'runPanel/snapshot' }), true);
    assert.equal(isRunPanelToWebview({ type: 'runPanel/ready' }), false, 'a webview message is not a host message');
    assert.equal(isRunPanelToWebview({ type: 'vscode:someInternal' }), false);
    assert.equal(isRunPanelToWebview(null), false);
    assert.equal(isRunPanelToWebview('runPanel/snapshot'), false);
  });
});
