import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { launchOf, type PendingLaunch } from '../../src/core/launches';
import { runEndText } from '../../src/core/runPresentation';
import type { MetricSummary } from '../../src/core/types';

const summary = (key: string, last: number): MetricSummary => ({ key, last, lastStep: 0, lastTimestamp: 0, min: last, max: last, count: 1 });

describe('launchOf', () => {
  const pending: PendingLaunch[] = [
    { argv: ['python', 'a.py'], cwd: '/ws', at: 1000 },
    { argv: ['python', 'b.py', '--lr', '0.1'], cwd: '/ws', at: 2000 },
  ];

  it('finds the launch a run came from: same command and directory, started after it', () => {
    assert.equal(launchOf(pending, { argv: ['python', 'b.py', '--lr', '0.1'], cwd: '/ws', startTime: 2500 }), 1);
    assert.equal(launchOf(pending, { argv: ['python', 'a.py'], cwd: '/ws', startTime: 1000 }), 0);
  });

  it('does not claim runs started elsewhere or earlier', () => {
    assert.equal(launchOf(pending, { argv: ['python', 'a.py'], cwd: '/other', startTime: 1500 }), -1);
    assert.equal(launchOf(pending, { argv: ['python', 'a.py', '--x'], cwd: '/ws', startTime: 1500 }), -1);
    assert.equal(launchOf(pending, { argv: ['python', 'a.py'], cwd: '/ws', startTime: 0 }), -1);
  });
});

describe('runEndText', () => {
  it('says a finished run finished, with its primary metric', () => {
    assert.equal(
      runEndText(
        { name: 'train-3', status: 'FINISHED', exitCode: 0, metrics: { loss: summary('loss', 0.5), val_loss: summary('val_loss', 0.25) } },
        undefined,
      ),
      'train-3 finished · val_loss 0.25',
    );
    assert.equal(runEndText({ name: 'train-3', status: 'FINISHED', exitCode: 0, metrics: {} }, 'acc'), 'train-3 finished');
  });

  it('says how a run that did not finish ended, with its exit code', () => {
    assert.equal(runEndText({ name: 'train-4', status: 'FAILED', exitCode: 1, metrics: {} }, undefined), 'train-4 failed (exit 1)');
    assert.equal(runEndText({ name: 'train-5', status: 'KILLED', exitCode: 130, metrics: {} }, undefined), 'train-5 stopped (exit 130)');
    assert.equal(runEndText({ name: 'train-6', status: 'CRASHED', exitCode: null, metrics: {} }, undefined), 'train-6 crashed');
  });
});
