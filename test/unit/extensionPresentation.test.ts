import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escapeMarkdown,
  formatBytes,
  formatTimestamp,
  liveRunText,
  metricSummaryText,
  minuteAge,
  primaryMetric,
  runDescription,
  runTooltip,
  statusIcon,
  truncate,
} from '../../src/core/runPresentation';
import { describeSort, orderByFor, parseSort, quoteKey, sortFromSetting } from '../../src/core/runSort';
import { parseOrderBy } from '../../src/core/filter';
import { RUN_STATUSES, type MetricSummary, type RunListing } from '../../src/core/types';

process.env.TZ = 'UTC';

function summary(key: string, last: number, extra: Partial<MetricSummary> = {}): MetricSummary {
  return { key, last, lastStep: 0, lastTimestamp: 0, min: last, max: last, count: 1, ...extra };
}

const NOW = Date.UTC(2025, 0, 10, 12, 0, 0);

function listing(overrides: Partial<RunListing> = {}): RunListing {
  return {
    id: 'a'.repeat(32),
    experimentId: 0,
    experimentName: 'Default',
    name: 'train-1',
    status: 'FINISHED',
    startTime: NOW - 5 * 60_000,
    endTime: NOW - 60_000,
    updatedAt: NOW,
    exitCode: 0,
    argv: ['python', 'train.py'],
    cwd: '/ws',
    sourceFile: 'train.py',
    user: 'u',
    host: 'h',
    git: { commit: null, branch: null, remote: null, dirty: false, patchSha: null },
    starred: false,
    consoleSha: null,
    params: {},
    tags: {},
    metrics: {},
    ...overrides,
  };
}

describe('numbers, times and sizes', () => {
  it('gives an age that only changes once a minute', () => {
    assert.equal(minuteAge(NOW - 10_000, NOW), 'just now');
    assert.equal(minuteAge(NOW + 60_000, NOW), 'just now');
    assert.equal(minuteAge(NOW - 5 * 60_000, NOW), '5m ago');
    assert.equal(minuteAge(NOW - 3 * 3_600_000, NOW), '3h ago');
  });

  it('formats timestamps and sizes', () => {
    assert.equal(formatTimestamp(Date.UTC(2024, 11, 1, 9, 5)), '2024-12-01 09:05');
    assert.equal(formatTimestamp(Number.NaN), 'unknown time');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(Number.NaN), '? B');
  });

  it('truncates with an ellipsis', () => {
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('abc', 4), 'abc');
  });
});

describe('run descriptions', () => {
  it('uses the preferred metric when the run has it, else the one choosePrimaryMetric picks', () => {
    const metrics = { loss: summary('loss', 0.5), acc: summary('acc', 0.9), 'system/cpu': summary('system/cpu', 3) };
    assert.equal(primaryMetric(metrics, 'acc')?.key, 'acc');
    assert.equal(primaryMetric(metrics, 'f1')?.key, 'loss');
    assert.equal(primaryMetric({ 'system/cpu': summary('system/cpu', 3) }), undefined);
    assert.equal(primaryMetric({}, 'f1'), undefined);
  });

  it('shows star, metric and age', () => {
    const run = listing({ starred: true, metrics: { acc: summary('acc', 0.93) } });
    assert.equal(runDescription(run, { paramKeys: [], metric: undefined }, NOW), '★ acc 0.93 · 5m ago');
    assert.equal(runDescription(listing(), { paramKeys: [], metric: 'acc' }, NOW), '5m ago');
  });

  it('shows the params that tell the run apart before the metric', () => {
    const run = listing({ params: { lr: '0.1', bs: '64', seed: '1' }, metrics: { loss: summary('loss', 0.5), val_loss: summary('val_loss', 0.25) } });
    assert.equal(runDescription(run, { paramKeys: ['bs', 'lr'], metric: undefined }, NOW), 'bs=64 lr=0.1 · val_loss 0.25 · 5m ago');
    assert.equal(runDescription(run, { paramKeys: ['lr'], metric: 'loss' }, NOW), 'lr=0.1 · loss 0.5 · 5m ago');
  });

  it('has an icon for every status, spinning while running', () => {
    for (const status of RUN_STATUSES) assert.ok(statusIcon(status).id);
    assert.equal(statusIcon('RUNNING').id, 'loading~spin');
    assert.equal(statusIcon('FINISHED').id, 'pass');
    assert.equal(statusIcon('FAILED').id, 'error');
  });

  it('summarises a metric', () => {
    assert.equal(metricSummaryText(summary('acc', 0.9, { min: 0.1, max: Number.NaN, count: 3 })), 'last 0.9 · min 0.1 · max NaN · 3 points');
  });

  it('shows the live run with elapsed time and how many others are live', () => {
    const run = listing({ metrics: { acc: summary('acc', 0.5) } });
    assert.equal(liveRunText(run, undefined, NOW, 0), 'train-1 · acc 0.5 · 5m 00s');
    assert.equal(liveRunText(run, undefined, NOW, 2), 'train-1 · acc 0.5 · 5m 00s +2');
  });
});

// Markdown metacharacters in `text` not preceded by a backslash.
function unescaped(text: string): string {
  let found = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if ('<>[]()`*_|$#!'.includes(text[i])) found += text[i];
  }
  return found;
}

describe('markdown escaping', () => {
  const hostile = '<img src=x onerror=alert(1)> [click](command:workbench.action.quit) **b** `c` $(bug) | x\n# h';

  it('escapes every markdown and HTML metacharacter and folds newlines', () => {
    const escaped = escapeMarkdown(hostile);
    assert.ok(!escaped.includes('\n'));
    assert.equal(unescaped(escaped), '');
    assert.equal(escaped.replace(/\\(.)/g, '$1'), hostile.replace('\n', ' '));
  });

  it('builds a tooltip that contains run strings only escaped, capped in length', () => {
    const params = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${String(i).padStart(2, '0')}`, 'v'.repeat(500)]));
    const run = listing({ name: hostile, params: { ...params, '[k](command:x)': hostile }, metrics: { '<m>': summary('<m>', 1) } });
    const tooltip = runTooltip(run, NOW);
    for (const raw of ['<img', '[click]', '[k]', '<m>', '$(bug)'])
      assert.ok(!new RegExp(`[^\\\\]${raw.replace(/[[\]$()]/g, '\\$&')}`).test(tooltip), raw);
    assert.match(tooltip, /… 9 more/);
    assert.ok(tooltip.length < 5000);
    assert.match(tooltip, /took 4m 00s/);
    assert.match(tooltip, /exit code 0/);
  });
});

describe('sorting', () => {
  it('maps sorts to ORDER BY terms the filter grammar parses', () => {
    const sorts = [
      { by: 'newest' },
      { by: 'oldest' },
      { by: 'name' },
      { by: 'metric', metric: 'val loss`x', descending: true },
      { by: 'metric', metric: 'acc', descending: false },
    ] as const;
    for (const sort of sorts) for (const term of orderByFor(sort)) parseOrderBy(term);
    assert.deepEqual(parseOrderBy(orderByFor(sorts[3])[0]), { entity: 'metric', key: 'val loss`x', descending: true });
    assert.equal(quoteKey('train.acc'), 'train.acc');
    assert.equal(describeSort(sorts[4]), 'acc ↑');
  });

  it('reads the setting and stored state defensively', () => {
    assert.deepEqual(sortFromSetting('primaryMetricAsc', 'loss'), { by: 'metric', metric: 'loss', descending: false });
    assert.deepEqual(sortFromSetting('primaryMetricDesc', ''), { by: 'newest' });
    assert.deepEqual(sortFromSetting('bogus', 'x'), { by: 'newest' });
    assert.deepEqual(sortFromSetting('name', undefined), { by: 'name' });
    // 'primaryMetric': best first, by the metric's direction (the name's, else the one the user chose).
    assert.deepEqual(sortFromSetting('primaryMetric', 'val_loss'), { by: 'metric', metric: 'val_loss', descending: false });
    assert.deepEqual(sortFromSetting('primaryMetric', 'acc'), { by: 'metric', metric: 'acc', descending: true });
    assert.deepEqual(
      sortFromSetting('primaryMetric', 'score', () => 'lower'),
      { by: 'metric', metric: 'score', descending: false },
    );
    assert.deepEqual(
      sortFromSetting('primaryMetric', 'score', () => undefined),
      { by: 'metric', metric: 'score', descending: true },
    );
    assert.deepEqual(parseSort({ by: 'metric', metric: 'acc', descending: true }), { by: 'metric', metric: 'acc', descending: true });
    assert.equal(parseSort({ by: 'metric', metric: '' }), undefined);
    assert.equal(parseSort('newest'), undefined);
  });
});
