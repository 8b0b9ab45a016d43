// The Runs table's column model, its messages, and what the host feed sends for the shared fixture runs.
process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { columnId, columnLabel, compareCells, compareRows, defaultColumns, parseColumnId } from '../../src/core/runsTable';
import type { ColumnSpec } from '../../src/core/runsTable';
import { queryFilter, RunsTableFeed } from '../../src/extension/panels/runsTableFeed';
import { DEFAULT_RUNS_TABLE_QUERY, MAX_ROWS_PER_REQUEST, parseRunsTableMessage, readRunsTableQuery } from '../../src/protocol/runsTable';
import type { RunsTableQuery, RunsTableSnapshotMessage } from '../../src/protocol/runsTable';
import { tableCatalog } from '../../src/store/runsTable';
import { Store } from '../../src/store/store';
import { nextSort } from '../../webview/runsTable/sortTerms';
import { FORMULA_NAME, HOSTILE_NAME, START, seedTableRuns, TABLE_RUNS } from '../fixtures/runsTable/runs';

const ID = 'a'.repeat(32);
/** An hour after the last fixture run started: the live run has run 60 minutes. */
const NOW = START + 60 * 60_000 + 60 * 60_000;

describe('runs table columns', () => {
  it('round-trips column ids, keys with colons included', () => {
    const columns: ColumnSpec[] = [
      { kind: 'attribute', key: 'duration' },
      { kind: 'param', key: 'model:depth' },
      { kind: 'tag', key: 'mlflow.note' },
      { kind: 'metric', key: 'val:acc', aggregate: 'min' },
    ];
    for (const column of columns) assert.deepEqual(parseColumnId(columnId(column)), column);
    assert.equal(columnId(columns[3]), 'metric:min:val:acc');
    assert.deepEqual(columns.map(columnLabel), ['Duration', 'model:depth', 'mlflow.note', 'val:acc (min)']);
  });

  it('refuses ids that are not well-formed', () => {
    for (const id of [
      '',
      'status',
      'attribute:nope',
      'param:',
      'metric:last',
      'metric:mean:acc',
      'metric::acc',
      'other:x',
      `param:${'k'.repeat(1001)}`,
    ]) {
      assert.equal(parseColumnId(id), undefined, id);
    }
  });

  it('sorts text that reads as a number as a number, NaN lowest, numbers before text', () => {
    const values = ['10', '9', 'adam', '0.5', '-1e3', 'Adam2', 'adam10'];
    assert.deepEqual([...values].sort(compareCells), ['-1e3', '0.5', '9', '10', 'adam', 'Adam2', 'adam10']);
    assert.deepEqual([3, Number.NaN, -Infinity, 1].sort(compareCells), [Number.NaN, -Infinity, 1, 3]);
  });

  it('keeps missing values last in both directions and breaks ties with the next term', () => {
    const rows = [
      [null, 1],
      [2, 1],
      [2, 3],
      [1, null],
    ];
    const ascending = [...rows].sort((a, b) =>
      compareRows(a, b, [
        { columnId: 'param:a', descending: false },
        { columnId: 'param:b', descending: true },
      ]),
    );
    assert.deepEqual(ascending, [
      [1, null],
      [2, 3],
      [2, 1],
      [null, 1],
    ]);
    const descending = [...rows].sort((a, b) => compareRows(a, b, [{ columnId: 'param:a', descending: true }]));
    assert.deepEqual(descending, [
      [2, 1],
      [2, 3],
      [1, null],
      [null, 1],
    ]);
  });

  it('starts with status and name, then metrics (primary first, no system metrics), params, then the other facts', () => {
    const columns = defaultColumns({ params: ['a', 'b'], metrics: ['acc', 'system/cpu_percent', 'val_loss'], tags: ['t'] }).map(columnId);
    assert.deepEqual(columns, [
      'attribute:status',
      'attribute:name',
      'metric:last:val_loss',
      'metric:last:acc',
      'param:a',
      'param:b',
      'attribute:start',
      'attribute:duration',
      'attribute:commit',
    ]);
    const chosen = defaultColumns({ params: [], metrics: ['acc', 'val_loss'], tags: [] }, 'acc').map(columnId);
    assert.deepEqual(chosen.slice(2, 4), ['metric:last:acc', 'metric:last:val_loss'], 'labbook.runs.primaryMetric leads');
    const many = defaultColumns(
      { params: Array.from({ length: 30 }, (_, i) => `p${i}`), metrics: Array.from({ length: 30 }, (_, i) => `m${i}`), tags: [] },
      undefined,
      11,
    );
    assert.equal(many.length, 11);
    assert.equal(many.filter((c) => c.kind === 'metric').length, 3);
  });
});

describe('runs table header clicks', () => {
  it('sorts a column ascending, then descending, then not; a metric whose best is highest starts descending', () => {
    assert.deepEqual(nextSort([], 'param:lr', false), [{ columnId: 'param:lr', descending: false }]);
    assert.deepEqual(nextSort([{ columnId: 'param:lr', descending: false }], 'param:lr', false), [{ columnId: 'param:lr', descending: true }]);
    assert.deepEqual(nextSort([{ columnId: 'param:lr', descending: true }], 'param:lr', false), []);
    const acc = 'metric:last:acc';
    assert.deepEqual(nextSort([], acc, false, true), [{ columnId: acc, descending: true }]);
    assert.deepEqual(nextSort([{ columnId: acc, descending: true }], acc, false, true), [{ columnId: acc, descending: false }]);
    assert.deepEqual(nextSort([{ columnId: acc, descending: false }], acc, false, true), []);
    assert.deepEqual(nextSort([{ columnId: 'param:lr', descending: false }], acc, true, true), [
      { columnId: 'param:lr', descending: false },
      { columnId: acc, descending: true },
    ]);
    assert.deepEqual(
      nextSort(
        [
          { columnId: 'param:lr', descending: false },
          { columnId: acc, descending: false },
        ],
        acc,
        true,
        true,
      ),
      [{ columnId: 'param:lr', descending: false }],
    );
  });
});

describe('runs table messages', () => {
  const query: RunsTableQuery = {
    experimentId: 3,
    filter: 'metrics.acc > 0.5',
    statuses: ['FINISHED'],
    starredOnly: true,
    sort: [{ columnId: 'metric:max:acc', descending: true }],
  };

  it('accepts every well-formed message and copies only known fields', () => {
    assert.deepEqual(parseRunsTableMessage({ type: 'runsTable/setQuery', query: { ...query, extra: 1 } }), {
      ok: true,
      message: { type: 'runsTable/setQuery', query },
    });
    assert.deepEqual(parseRunsTableMessage({ type: 'runsTable/requestRows', generation: 4, runIds: [ID] }), {
      ok: true,
      message: { type: 'runsTable/requestRows', generation: 4, runIds: [ID] },
    });
    assert.deepEqual(parseRunsTableMessage({ type: 'runsTable/exportCsv', runIds: null }), {
      ok: true,
      message: { type: 'runsTable/exportCsv', runIds: null },
    });
    assert.deepEqual(parseRunsTableMessage({ type: 'runsTable/setColumns', columns: ['attribute:name', 'metric:last:a:b'] }), {
      ok: true,
      message: { type: 'runsTable/setColumns', columns: ['attribute:name', 'metric:last:a:b'] },
    });
    assert.deepEqual(parseRunsTableMessage({ type: 'runsTable/askMetricDirection', key: 'val:bleu', extra: 1 }), {
      ok: true,
      message: { type: 'runsTable/askMetricDirection', key: 'val:bleu' },
    });
    for (const type of ['runsTable/openRun', 'runsTable/toggleStar'])
      assert.deepEqual(parseRunsTableMessage({ type, runId: ID }), { ok: true, message: { type, runId: ID } });
  });

  it('refuses malformed messages with a reason', () => {
    const bad: [unknown, RegExp][] = [
      [null, /must be an object/],
      [{ type: 'runsTable/nope' }, /Unknown message type/],
      [{ type: 'runsTable/openRun', runId: '../../etc/passwd' }, /32 lowercase hex/],
      [{ type: 'runsTable/requestRows', generation: -1, runIds: [] }, /generation/],
      [{ type: 'runsTable/requestRows', generation: 1, runIds: Array.from({ length: MAX_ROWS_PER_REQUEST + 1 }, () => ID) }, /at most 500/],
      [{ type: 'runsTable/setColumns', columns: ['attribute:<img>'] }, /unknown column/],
      [{ type: 'runsTable/askMetricDirection', key: '' }, /metric key/],
      [{ type: 'runsTable/askMetricDirection', key: 7 }, /metric key/],
      [{ type: 'runsTable/setQuery', query: { ...query, statuses: ['DONE'] } }, /statuses/],
      [{ type: 'runsTable/setQuery', query: { ...query, experimentId: 1.5 } }, /experimentId/],
      [{ type: 'runsTable/setQuery', query: { ...query, filter: 'x'.repeat(100_001) } }, /filter/],
      [{ type: 'runsTable/setQuery', query: { ...query, sort: [{ columnId: 'param:lr' }] } }, /descending/],
      [{ type: 'runsTable/compare', runIds: 'all' }, /must be an array/],
    ];
    for (const [message, reason] of bad) {
      const parsed = parseRunsTableMessage(message);
      assert.equal(parsed.ok, false, JSON.stringify(message)?.slice(0, 80));
      if (!parsed.ok) assert.match(parsed.error, reason);
    }
  });

  it('reads a stored query back, or nothing when it is not one', () => {
    assert.deepEqual(readRunsTableQuery(query), query);
    assert.equal(readRunsTableQuery({ filter: 1 }), undefined);
    assert.equal(readRunsTableQuery(undefined), undefined);
  });

  it('writes the quick filters in the MLflow grammar after the user filter', () => {
    assert.equal(queryFilter(query), "metrics.acc > 0.5 AND attributes.status IN ('FINISHED') AND attributes.starred = true");
    assert.equal(queryFilter(DEFAULT_RUNS_TABLE_QUERY), '');
  });
});

describe('runs table feed', () => {
  let dir: string;
  let store: Store;
  let ids: string[];
  let feed: RunsTableFeed;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'labbook-table-'));
    store = Store.open(join(dir, '.labbook'));
    ids = seedTableRuns(store);
    feed = new RunsTableFeed();
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const snapshot = (query: Partial<RunsTableQuery> = {}, columns?: string[]): RunsTableSnapshotMessage => {
    const message = feed.snapshot(store, { ...DEFAULT_RUNS_TABLE_QUERY, ...query }, columns, NOW);
    assert.equal(message.type, 'runsTable/snapshot', JSON.stringify(message));
    return message as RunsTableSnapshotMessage;
  };
  const order = (message: RunsTableSnapshotMessage): number[] => message.runIds.map((id) => ids.indexOf(id));

  it('sends every run newest first with default columns and display text', () => {
    const message = snapshot();
    assert.deepEqual(order(message), [6, 5, 4, 3, 2, 1, 0]);
    assert.equal(message.totalRuns, TABLE_RUNS.length);
    assert.deepEqual(message.catalog, { params: ['epochs', 'lr', 'optimizer'], metrics: ['acc', 'loss'], tags: ['note', 'team'] });
    assert.deepEqual(message.metricDirections, { acc: 'higher', loss: 'lower' });
    const answered = new RunsTableFeed({ direction: (key) => (key === 'acc' ? 'lower' : undefined) }).snapshot(
      store,
      DEFAULT_RUNS_TABLE_QUERY,
      undefined,
      NOW,
    );
    assert.deepEqual(
      answered.type === 'runsTable/snapshot' && answered.metricDirections,
      { acc: 'lower' },
      'the remembered answers replace the name rules',
    );
    assert.deepEqual(
      message.columns.map((c) => [c.id, c.label, c.numeric]),
      [
        ['attribute:status', 'Status', false],
        ['attribute:name', 'Name', false],
        ['metric:last:loss', 'loss', true],
        ['metric:last:acc', 'acc', true],
        ['param:epochs', 'epochs', false],
        ['param:lr', 'lr', false],
        ['param:optimizer', 'optimizer', false],
        ['attribute:start', 'Started', true],
        ['attribute:duration', 'Duration', true],
        ['attribute:commit', 'Commit', false],
      ],
    );
    const row = (index: number) => message.rows.find((r) => r.id === ids[index]);
    assert.deepEqual(row(2), {
      id: ids[2],
      status: 'FAILED',
      starred: false,
      cells: ['FAILED', 'diverged', 'Infinity', 'NaN', '10', '10', 'adam', '2025-03-01 09:20', '1m 00s', '2abcdef'],
    });
    assert.deepEqual(row(6)?.cells.slice(-3, -1), ['2025-03-01 10:00', '1h 00m']);
    assert.deepEqual(row(6)?.cells.slice(0, 2), ['RUNNING', 'live']);
    assert.deepEqual(row(5)?.cells, ['CRASHED', 'no-metrics', null, null, null, '0.2', null, '2025-03-01 09:50', '0.0s', '5abcdef']);
    assert.equal(row(3)?.cells[1], HOSTILE_NAME);
    assert.equal(row(3)?.starred, true);
    assert.deepEqual(
      message.experiments.map((e) => e.name),
      ['Default', 'default', 'sweep'],
    );
  });

  it('sorts params that read as numbers as numbers, and metrics by the chosen aggregate', () => {
    assert.deepEqual(order(snapshot({ sort: [{ columnId: 'param:lr', descending: false }] })), [3, 1, 6, 4, 0, 5, 2]);
    // Max acc: NaN never wins the max, so 'diverged' keeps 0.1; the run without metrics goes last.
    assert.deepEqual(order(snapshot({ sort: [{ columnId: 'metric:max:acc', descending: true }] })), [3, 0, 1, 6, 4, 2, 5]);
    assert.deepEqual(order(snapshot({ sort: [{ columnId: 'metric:last:acc', descending: false }] })), [2, 4, 6, 1, 0, 3, 5]);
  });

  it('sorts by several columns, ties broken by the next term, missing values last', () => {
    const message = snapshot({
      sort: [
        { columnId: 'param:epochs', descending: false },
        { columnId: 'metric:last:acc', descending: true },
      ],
    });
    assert.deepEqual(order(message), [4, 1, 0, 2, 3, 6, 5]);
    assert.deepEqual(order(snapshot({ sort: [{ columnId: 'attribute:duration', descending: true }] })), [6, 3, 1, 0, 4, 2, 5]);
  });

  it('filters with the MLflow grammar, the quick filters and the experiment', () => {
    assert.deepEqual(order(snapshot({ filter: "params.optimizer = 'adam'" })), [6, 2]);
    assert.deepEqual(order(snapshot({ statuses: ['FINISHED'] })), [3, 1, 0]);
    assert.deepEqual(order(snapshot({ statuses: ['FAILED', 'CRASHED'], filter: 'metrics.loss > 1' })), [2]);
    assert.deepEqual(order(snapshot({ starredOnly: true })), [3, 0]);
    const sweep = store.experimentByName('sweep', false)!.id;
    const scoped = snapshot({ experimentId: sweep });
    assert.deepEqual(order(scoped), [6, 5, 4, 3]);
    assert.equal(scoped.totalRuns, 4);
    assert.deepEqual(scoped.catalog.tags, ['team']);
    assert.deepEqual(tableCatalog(store, 999_999), { params: [], metrics: [], tags: [] });
    const forgotten = snapshot({ experimentId: 999_999 });
    assert.equal(forgotten.query.experimentId, null, 'an experiment that is gone falls back to all');
    assert.equal(forgotten.runIds.length, 7);
    const extra = store.createRun({ name: 'layers' });
    store.logParams(extra.id, { layer_10: '1', layer_2: '1', Layer_3: '1' });
    assert.deepEqual(
      tableCatalog(store, null).params.filter((key) => /layer/i.test(key)),
      ['layer_2', 'Layer_3', 'layer_10'],
      'keys in natural order',
    );
  });

  it('answers a filter that does not parse with its position, and a later good query still works', () => {
    const bad = feed.snapshot(store, { ...DEFAULT_RUNS_TABLE_QUERY, filter: 'metrics.acc > ', statuses: ['FINISHED'] }, undefined, NOW);
    assert.equal(bad.type, 'runsTable/filterError');
    if (bad.type === 'runsTable/filterError') {
      assert.match(bad.message, /Expected a number/);
      assert.ok(bad.position <= 'metrics.acc > '.length);
    }
    const unknown = feed.snapshot(store, { ...DEFAULT_RUNS_TABLE_QUERY, filter: '  attributes.nope = 1' }, undefined, NOW);
    assert.equal(unknown.type, 'runsTable/filterError');
    if (unknown.type === 'runsTable/filterError')
      assert.equal(unknown.filter.slice(unknown.position, unknown.position + 10), 'attributes', 'the offset points into the text as typed');
    assert.equal(snapshot().runIds.length, 7);
  });

  it('counts generations up and answers row requests for chosen columns, leaving unknown ids out', () => {
    const first = snapshot();
    const second = snapshot({}, ['metric:min:acc', 'tag:team', 'attribute:experiment', 'attribute:id']);
    assert.ok(second.generation > first.generation);
    assert.deepEqual(
      second.columns.map((c) => c.label),
      ['acc (min)', 'team', 'Experiment', 'Run id'],
    );
    const rows = feed.rows(
      store,
      second.generation,
      [ids[3], 'f'.repeat(32), ids[0]],
      second.columns.map((c) => c.id),
      NOW,
    );
    assert.deepEqual(rows, {
      type: 'runsTable/rows',
      generation: second.generation,
      rows: [
        { id: ids[3], status: 'FINISHED', starred: true, cells: ['0.6', '<b>bold</b>', 'sweep', ids[3]] },
        { id: ids[0], status: 'FINISHED', starred: true, cells: ['0.5', 'vision', 'default', ids[0]] },
      ],
    });
  });

  it('sends only the first rows of a large table with every id', () => {
    for (let i = 0; i < 150; i++) store.createRun({ name: `extra-${i}`, startTime: START - (i + 1) * 1000 });
    const message = snapshot();
    assert.equal(message.runIds.length, 157);
    assert.equal(message.rows.length, 100);
    assert.deepEqual(
      message.rows.map((r) => r.id),
      message.runIds.slice(0, 100),
    );
  });

  it('exports CSV with full precision, ISO times, formula cells defused and missing values empty', () => {
    const columns = ['attribute:name', 'attribute:start', 'attribute:duration', 'param:optimizer', 'metric:last:loss', 'metric:min:acc', 'tag:team'];
    const csv = feed.csv(store, [ids[4], ids[2], ids[5], ids[3]], columns, NOW);
    assert.equal(
      csv,
      [
        'run_id,name,start_time,duration_s,param.optimizer,metric.loss,metric.acc.min,tag.team',
        `${ids[4]},"'${FORMULA_NAME.replace(/"/g, '""')}",2025-03-01T09:40:00.000Z,120,'=1+1,-0.5,0.3,`,
        `${ids[2]},diverged,2025-03-01T09:20:00.000Z,60,adam,Infinity,0.1,`,
        `${ids[5]},no-metrics,2025-03-01T09:50:00.000Z,0,,,,`,
        `${ids[3]},"${HOSTILE_NAME.replace(/"/g, '""')}",2025-03-01T09:30:00.000Z,720,<script>alert(1)</script>,0.35,0.6,<b>bold</b>`,
        '',
      ].join('\n'),
    );
  });
});
