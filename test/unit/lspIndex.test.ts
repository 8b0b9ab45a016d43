// Which runs belong to a file, kept current as other connections write; and what the runs say about a key.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { MetricPoint } from '../../src/core/types';
import { Insights } from '../../src/lsp/insights';
import { RunIndex } from '../../src/lsp/runIndex';
import { StoreWatcher } from '../../src/lsp/storeWatcher';
import { Store, type NewRun } from '../../src/store/store';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function workspace(): { root: string; writer: Store; reader: Store } {
  const root = mkdtempSync(join(tmpdir(), 'labbook-lsp-index-'));
  dirs.push(root);
  const writer = Store.open(join(root, '.labbook'));
  return { root, writer, reader: Store.open(join(root, '.labbook'), { readonly: true }) };
}

let clock = Date.now() - 3_600_000;
function run(store: Store, spec: NewRun): string {
  clock += 1_000;
  return store.createRun({ startTime: clock, ...spec }).id;
}

function names(runs: { name: string }[]): string[] {
  return runs.map((r) => r.name);
}

describe('RunIndex', () => {
  test('matches a file by the path its runs named, relative to their folder, newest first', () => {
    const { root, writer, reader } = workspace();
    mkdirSync(join(root, 'src', 'pkg'), { recursive: true });
    run(writer, { name: 'relative', cwd: root, sourceFile: 'train.py', argv: ['python', 'train.py'] });
    run(writer, { name: 'absolute', cwd: '/elsewhere', sourceFile: join(root, 'train.py') });
    run(writer, { name: 'from-src', cwd: join(root, 'src'), sourceFile: '../train.py' });
    run(writer, { name: 'argv-only', cwd: root, argv: ['accelerate', 'launch', 'train.py', '--lr=0.1'] });
    run(writer, { name: 'module', cwd: join(root, 'src'), argv: ['python', '-m', 'pkg.train'] });
    run(writer, { name: 'sub-train', cwd: root, sourceFile: 'src/pkg/train.py' });
    run(writer, { name: 'other-folder', cwd: join(root, 'src'), sourceFile: 'train.py' });
    run(writer, { name: 'no-source' });
    const index = new RunIndex(reader);
    assert.deepEqual(names(index.runsForFile(join(root, 'train.py'), 20)), ['argv-only', 'from-src', 'absolute', 'relative']);
    assert.deepEqual(names(index.runsForFile(join(root, 'src', 'pkg', 'train.py'), 20)), ['sub-train', 'module']);
    assert.deepEqual(names(index.runsForFile(join(root, 'train.py'), 2)), ['argv-only', 'from-src']);
    assert.deepEqual(index.runsForFile(join(root, 'missing.py'), 20), []);
    writer.close();
    reader.close();
  });

  test('when a run folder no longer exists (a moved clone), trailing path segments decide', () => {
    const { root, writer, reader } = workspace();
    run(writer, { name: 'moved', cwd: '/old/checkout', sourceFile: 'src/train.py' });
    run(writer, { name: 'no-cwd', sourceFile: 'train.py' });
    const index = new RunIndex(reader);
    assert.deepEqual(names(index.runsForFile(join(root, 'src', 'train.py'), 20)), ['no-cwd', 'moved']);
    assert.deepEqual(names(index.runsForFile(join(root, 'lib', 'train.py'), 20)), ['no-cwd']);
    writer.close();
    reader.close();
  });

  test('params files belong to the runs started in their folder', () => {
    const { root, writer, reader } = workspace();
    mkdirSync(join(root, 'sub'));
    run(writer, { name: 'here', cwd: root, sourceFile: 'train.py' });
    run(writer, { name: 'there', cwd: join(root, 'sub'), sourceFile: 'train.py' });
    const index = new RunIndex(reader);
    assert.deepEqual(names(index.runsBesideFile(join(root, 'params.yaml'), 20)), ['here']);
    writer.close();
    reader.close();
  });

  test('refresh reports added and updated runs and notices deletions', () => {
    const { root, writer, reader } = workspace();
    const first = run(writer, { name: 'first', cwd: root, sourceFile: 'train.py' });
    const index = new RunIndex(reader);
    assert.deepEqual(index.refresh(), new Set());
    const second = run(writer, { name: 'second', cwd: root, sourceFile: 'train.py' });
    writer.rename(first, 'renamed');
    assert.deepEqual(index.refresh(), new Set([first, second]));
    assert.deepEqual(names(index.runsForFile(join(root, 'train.py'), 20)), ['second', 'renamed']);
    // Runs written in the last seconds count as changed whenever the store changed: two commits in the same
    // millisecond would leave updated_at as it was.
    const third = run(writer, { name: 'third', cwd: root, sourceFile: 'other.py' });
    assert.deepEqual(index.refresh(), new Set([first, third]), 'first was renamed just now; second is stamped an hour ago');
    writer.logMetrics(second, [{ key: 'acc', value: 1, step: 0, timestamp: 0 }]);
    const revision = index.runsForFile(join(root, 'train.py'), 20)[0].revision;
    assert.deepEqual(index.refresh(), new Set([first, second]));
    assert.ok(index.runsForFile(join(root, 'train.py'), 20)[0].revision > revision);
    writer.deleteRuns([second]);
    assert.equal(index.refresh(), null, 'a deletion rebuilds the index');
    assert.deepEqual(names(index.runsForFile(join(root, 'train.py'), 20)), ['renamed']);
    // An imported run stamped long ago is still found: new rows are found by rowid, not by time.
    writer.createRun({ name: 'imported', cwd: root, sourceFile: 'train.py', startTime: 1_000 });
    index.refresh();
    assert.deepEqual(names(index.runsForFile(join(root, 'train.py'), 20)), ['renamed', 'imported']);
    writer.close();
    reader.close();
  });
});

function points(key: string, values: number[], from = 0): MetricPoint[] {
  return values.map((value, i) => ({ key, value, step: from + i, timestamp: from + i }));
}

describe('Insights', () => {
  test('summarises a metric: latest run, best final value by the metric goal, history extended as it grows', () => {
    const { root, writer, reader } = workspace();
    const a = run(writer, { name: 'a', cwd: root, sourceFile: 'train.py' });
    const b = run(writer, { name: 'b', cwd: root, sourceFile: 'train.py' });
    const c = run(writer, { name: 'c', cwd: root, sourceFile: 'train.py' });
    writer.logMetrics(a, [...points('loss', [3, 1]), ...points('acc', [0.9])]);
    writer.logMetrics(b, points('loss', [2, Number.NaN]));
    writer.logMetrics(c, points('loss', [4, 2]));
    const index = new RunIndex(reader);
    const insights = new Insights(reader);
    const runs = index.runsForFile(join(root, 'train.py'), 20);
    const loss = insights.metric(runs, ['val_loss', 'loss']);
    assert.ok(loss);
    assert.equal(loss.key, 'loss');
    assert.equal(loss.latest.run.name, 'c');
    assert.equal(loss.best?.run.name, 'a', 'lowest final loss; NaN never wins');
    assert.deepEqual(
      loss.history.map((p) => p.value),
      [4, 2],
    );
    assert.equal(insights.metric(runs, ['acc'])?.best?.run.name, 'a');
    assert.equal(insights.metric(runs, ['missing']), undefined);

    writer.logMetrics(
      c,
      points(
        'loss',
        Array.from({ length: 500 }, (_, i) => 1 / (i + 1)),
        2,
      ),
    );
    index.refresh();
    const grown = insights.metric(index.runsForFile(join(root, 'train.py'), 20), ['loss']);
    assert.ok(grown && grown.history.length <= 124 && grown.history.length > 60, `downsampled to ${grown?.history.length} points`);
    assert.equal(grown.history[0].value, 4);
    assert.equal(grown.history.at(-1)?.value, 1 / 500);
    writer.close();
    reader.close();
  });

  test('ranks param values by the primary metric, or by the metric most runs logged (held-out preferred)', () => {
    const { root, writer, reader } = workspace();
    const specs: [string, string, MetricPoint[]][] = [
      ['r1', '0.1', [...points('train_acc', [0.99]), ...points('val_acc', [0.7]), ...points('system/cpu_percent', [1])]],
      ['r2', '0.01', [...points('train_acc', [0.9]), ...points('val_acc', [0.8])]],
      ['r3', '0.01', [...points('train_acc', [0.8]), ...points('val_acc', [0.85])]],
      ['r4', '1', []],
    ];
    for (const [name, lr, metrics] of specs) {
      const id = run(writer, { name, cwd: root, sourceFile: 'train.py' });
      writer.logParams(id, { lr });
      writer.logMetrics(id, metrics);
    }
    const runs = new RunIndex(reader).runsForFile(join(root, 'train.py'), 20);
    const insights = new Insights(reader);
    const auto = insights.param(runs, ['lr']);
    assert.equal(auto?.metric, 'val_acc');
    assert.deepEqual(
      auto?.values.map((v) => [v.value, v.runCount, v.best?.run.name]),
      [
        ['0.01', 2, 'r3'],
        ['0.1', 1, 'r1'],
        ['1', 1, undefined],
      ],
    );
    const chosen = insights.param(runs, ['lr'], 'train_acc');
    assert.deepEqual(
      chosen?.values.map((v) => v.value),
      ['0.1', '0.01', '1'],
    );
    assert.equal(insights.param(runs, ['lr'], 'not_logged')?.metric, 'val_acc');
    assert.equal(insights.param(runs, ['nope']), undefined);
    writer.close();
    reader.close();
  });
});

describe('StoreWatcher', () => {
  test('waits for a store to appear, then reports each commit, and survives the store being replaced', () => {
    const root = mkdtempSync(join(tmpdir(), 'labbook-lsp-watch-'));
    dirs.push(root);
    const dir = join(root, '.labbook');
    const changes: (Set<string> | null)[] = [];
    const watcher = new StoreWatcher(
      dir,
      (changed) => changes.push(changed),
      () => undefined,
    );
    watcher.poll();
    assert.equal(watcher.current, undefined);
    assert.deepEqual(changes, []);

    const writer = Store.open(dir);
    watcher.poll();
    assert.deepEqual(changes, [null]);
    watcher.poll();
    assert.equal(changes.length, 1, 'no commit, no change');
    const id = run(writer, { name: 'x', cwd: root, sourceFile: 'train.py' });
    watcher.poll();
    assert.deepEqual(changes.at(-1), new Set([id]));
    writer.close();

    rmSync(dir, { recursive: true, force: true });
    watcher.poll();
    assert.equal(changes.at(-1), null);
    assert.equal(watcher.current, undefined);
    const again = Store.open(dir);
    run(again, { name: 'y', cwd: root, sourceFile: 'train.py' });
    watcher.poll();
    assert.deepEqual(names(watcher.current!.index.runsForFile(join(root, 'train.py'), 20)), ['y']);
    again.close();
    watcher.dispose();
  });
});
