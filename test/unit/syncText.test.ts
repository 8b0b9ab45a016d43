// What the editor shows of a push or pull run by the CLI: progress lines, the summary, the failure message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureText, parseProgressLine, progressPercent, progressText, summaryText } from '../../src/core/syncText';

test('progress lines are read from stderr and other lines are left alone', () => {
  const p = parseProgressLine('{"progress":{"runsDone":1,"runsTotal":3,"points":1500,"pointsTotal":3000,"bytes":10}}');
  assert.deepEqual(p, { runsDone: 1, runsTotal: 3, points: 1500, pointsTotal: 3000, bytes: 10 });
  assert.equal(progressText(p!), '1/3 runs · 1,500/3,000 points');
  assert.equal(progressPercent(p!), 50);
  assert.equal(progressText({ runsDone: 4 }), '4 runs');
  assert.equal(progressPercent({ runsDone: 4 }), undefined);
  assert.equal(parseProgressLine('labbook: warning: not sent: x'), undefined);
  assert.equal(parseProgressLine('{"progress":'), undefined);
});

test('a summary reads as one sentence', () => {
  assert.equal(
    summaryText('push', 'team', { runs: 2, created: 1, upToDate: 1, pulled: 1, points: 1200, params: 3, tags: 9 }),
    'Pushed 2 runs to team (1 created, 1 up to date, 1 pulled left out): 1,200 points, 3 params, 9 tags.',
  );
  assert.equal(summaryText('pull', 'team', { runs: 1, created: 1, points: 5 }), 'Pulled 1 run from team (1 new): 5 new points.');
});

test("a failure is the CLI's own message, else the exit code", () => {
  const stderr =
    '{"progress":{"runsDone":0}}\nlabbook: warning: not sent: x\nlabbook: push stopped: http://team needs a valid token (401).\nNothing local was lost.\n';
  assert.equal(failureText('push', stderr, 1), 'push stopped: http://team needs a valid token (401). Nothing local was lost.');
  assert.equal(failureText('pull', '', 1), 'labbook pull failed (exit code 1) without a message.');
});
