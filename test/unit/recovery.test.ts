import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { isSameProcess, processRef, processStartTime } from '../../src/capture/recovery';

describe('process identity', () => {
  test(
    'a pid with its start time names this process; another start time (a reused pid) or an ended process does not',
    { skip: process.platform !== 'linux' && 'Linux only' },
    () => {
      const self = processRef(process.pid);
      assert.equal(typeof self.startTime, 'number');
      assert.equal(isSameProcess(self), true);
      assert.equal(isSameProcess({ pid: process.pid, startTime: self.startTime! + 1 }), false);
      const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      assert.equal(processStartTime(Number(ended.stdout)), null);
      assert.equal(isSameProcess({ pid: Number(ended.stdout), startTime: null }), false);
    },
  );
});
