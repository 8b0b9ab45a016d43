import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FILTER_ATTRIBUTES, FilterError, matchesFilter, parseFilter, parseOrderBy } from '../../src/core/filter';
import { compileFilter, compileOrderBy } from '../../src/store/filterSql';
import type { RunListing } from '../../src/core/types';
import { Store } from '../../src/store/store';
import { connectionOf } from '../../src/store/connection';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

let store: Store;
const ids: Record<string, string> = {};
let otherExperimentId = 0;

// Four runs that between them hit every entity, NaN and ±Infinity metrics, missing keys and NULL end times.
before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-filter-'));
  dirs.push(dir);
  store = Store.open(join(dir, '.labbook'));
  const point = (key: string, value: number, step = 0) => ({ key, value, step, timestamp: 1000 + step });

  const alpha = store.createRun({ name: 'alpha-1', startTime: 1000 });
  store.logParams(alpha.id, { lr: '0.1', opt: 'Adam' });
  store.logMetrics(alpha.id, [point('acc', 0.5, 0), point('acc', 0.7, 1), point('acc', 0.9, 2), point('loss', 0.1)]);
  store.setTags(alpha.id, { team: 'Vision', 'mlflow.source.name': 'train.py' });
  store.setStarred(alpha.id, true);
  store.finishRun(alpha.id, 'FINISHED', { endTime: 5000 });

  const beta = store.createRun({ name: 'beta', startTime: 2000 });
  store.logParams(beta.id, { lr: '0.01', opt: 'adam' });
  store.logMetrics(beta.id, [point('acc', 0.6), point('val loss', 0.3), point('system/cpu', 55)]);
  store.setTags(beta.id, { team: 'nlp' });
  store.finishRun(beta.id, 'FAILED', { endTime: 6000 });

  const gamma = store.createRun({ name: 'gamma_x', startTime: 3000 });
  store.logParams(gamma.id, { lr: '1e-3', pattern: 'a*b?[c]' });
  store.logMetrics(gamma.id, [point('acc', 0.8, 0), point('acc', Number.NaN, 1), point('big', Infinity), point('small', -Infinity)]);
  store.setTags(gamma.id, { 'unicode ключ': 'значение', ключ: 'Значение' });

  const other = store.experimentByName('other')!;
  otherExperimentId = other.id;
  const delta = store.createRun({ name: 'Delta', startTime: 4000, experimentId: other.id });
  store.logParams(delta.id, { pattern: 'aXbY[c]' });
  store.setTags(delta.id, { team: 'Vision Extra' });
  store.finishRun(delta.id, 'KILLED', { endTime: 7000 });

  Object.assign(ids, { alpha: alpha.id, beta: beta.id, gamma: gamma.id, delta: delta.id });
});

after(() => store.close());

function sqlNames(filter: string): string[] {
  return store
    .listRuns({ filter })
    .map((run) => run.name)
    .sort();
}

function memoryNames(filter: string, runs: RunListing[]): string[] {
  const clauses = parseFilter(filter);
  return runs
    .filter((run) => matchesFilter(clauses, run))
    .map((run) => run.name)
    .sort();
}

function checkCases(cases: [string, string[]][]): void {
  const runs = store.listRuns();
  for (const [filter, expected] of cases) {
    assert.deepEqual(sqlNames(filter), [...expected].sort(), `SQL: ${filter}`);
    assert.deepEqual(memoryNames(filter, runs), [...expected].sort(), `memory: ${filter}`);
  }
}

function orderedNames(...orderBy: string[]): string[] {
  return store.listRuns({ orderBy }).map((run) => run.name);
}

function assertFilterError(action: () => unknown, position: number, message: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof FilterError, `expected a FilterError, got ${String(error)}`);
    assert.equal(error.position, position, error.message);
    assert.match(error.message, message);
    return true;
  });
}

const A = 'alpha-1';
const B = 'beta';
const G = 'gamma_x';
const D = 'Delta';

// [filter, expected run names]; each is checked through SQL and in memory.
const CASES: [string, string[]][] = [
  ['', [A, B, D, G]],
  ['metrics.acc > 0.65', [A]],
  ['metrics.acc >= 0.6', [A, B]],
  ['metrics.acc != 0.9', [B]],
  ['metric.acc < 1e0', [A, B]],
  ['metrics.acc<=.6', [B]],
  ['metrics.loss < -0.5', []],
  ['metrics.loss > -1E-3', [A]],
  ['metrics.`val loss` <= 0.3', [B]],
  ['metrics."val loss" = 0.3', [B]],
  ['metrics.system/cpu >= +55', [B]],
  ['metrics.big > 1e308', [G]],
  ['metrics.small < -1e308', [G]],
  ['metrics.big != 1', [G]],
  ["params.lr = '0.1'", [A]],
  ['params.lr = "0.1"', [A]],
  ["parameters.lr != '0.1'", [B, G]],
  ["params.opt LIKE 'A%'", [A]],
  ["params.opt ILIKE 'A%'", [A, B]],
  ["param.lr LIKE '%e%'", [G]],
  ["params.lr LIKE '0._'", [A]],
  ["attributes.run_name LIKE 'alpha-%'", [A]],
  ["params.pattern LIKE 'a*b?[c]'", [G]],
  ["params.pattern LIKE 'a_b_[c]'", [D, G]],
  ["params.pattern = 'a*b?[c]'", [G]],
  ["params.lr = 'it''s'", []],
  ["tags.team = 'Vision'", [A]],
  ["tags.team LIKE 'Vision%'", [A, D]],
  ["tags.team LIKE 'vision%'", []],
  ["tags.team ILIKE 'VISION%'", [A, D]],
  ["tag.team != 'nlp'", [A, D]],
  ["tags.`mlflow.source.name` = 'train.py'", [A]],
  ['tags."unicode ключ" = \'значение\'', [G]],
  ["tags.ключ = 'Значение'", [G]],
  // SQLite folds ASCII only; in memory does the same.
  ["tags.ключ ILIKE 'значение'", []],
  ["attributes.status = 'FINISHED'", [A]],
  ["status != 'FINISHED'", [B, D, G]],
  ["status IN ('FINISHED', 'FAILED')", [A, B]],
  ["attribute.status NOT IN ('RUNNING')", [A, B, D]],
  ["run_name = 'beta'", [B]],
  ["attributes.run_name ILIKE 'DELTA'", [D]],
  ["`Run Name` LIKE '%a_x'", [G]],
  ["run.run_name LIKE 'a%'", [A]],
  ['start_time >= 2000 AND start_time < 4000', [B, G]],
  ['created < 1500', [A]],
  ['attributes.end_time <= 5000', [A]],
  ['end_time != 5000', [B, D]],
  ['starred = true', [A]],
  ["starred = 'FALSE'", [B, D, G]],
  ["metrics.acc > 0.5 and params.opt = 'Adam' AND tags.team = 'Vision'", [A]],
  ["metrics.acc > 0.5 AND tags.team = 'nlp'", [B]],
];

describe('filter: SQL and in-memory evaluation agree with the expected runs', () => {
  test('every case of the table', () => {
    assert.equal(store.listRuns().length, 4);
    checkCases(CASES);
  });

  test('run ids and experiment ids, quoted or bare, alone or in lists', () => {
    const cases: [string, string[]][] = [
      [`run_id = '${ids.beta}'`, [B]],
      [`attributes.run_id IN ('${ids.alpha}', "${ids.gamma}")`, [A, G]],
      [`run_id NOT IN ('${ids.alpha}')`, [B, D, G]],
      [`experiment_id = '${otherExperimentId}'`, [D]],
      [`experiment_id = ${otherExperimentId}`, [D]],
      [`experiment_id IN ('${otherExperimentId}', 0)`, [A, B, D, G]],
      [`experiment_id != ${otherExperimentId}`, [A, B, G]],
    ];
    checkCases(cases);
  });

  test('countRuns uses the same filter', () => {
    assert.equal(store.countRuns({ filter: "tags.team LIKE 'Vision%'" }), 2);
  });

  test('parses to a documented AST with canonical attribute names and positions', () => {
    assert.deepEqual(parseFilter("metrics.`val loss` < 0.5 AND `Run Name` IN ('a', 'b')"), [
      { entity: 'metric', key: 'val loss', op: '<', value: 0.5, position: 0, end: 24 },
      { entity: 'attribute', key: 'run_name', op: 'IN', value: ['a', 'b'], position: 29, end: 53 },
    ]);
    assert.deepEqual(parseFilter('  \n '), []);
    assert.deepEqual(parseOrderBy('metrics.acc DESC'), { entity: 'metric', key: 'acc', descending: true });
    assert.ok(FILTER_ATTRIBUTES.includes('run_name') && FILTER_ATTRIBUTES.includes('start_time'));
  });
});

describe('order by', () => {
  test('metrics sort by last value; missing and NaN last in both directions', () => {
    assert.deepEqual(orderedNames('metrics.acc desc'), [A, B, D, G]);
    assert.deepEqual(orderedNames('metrics.acc ASC'), [B, A, D, G]);
    assert.deepEqual(orderedNames('metrics.`val loss` DESC'), [B, D, G, A]);
  });

  test('params sort as strings; attributes by column; NULL end times last', () => {
    assert.deepEqual(orderedNames('params.lr'), [B, A, G, D]);
    assert.deepEqual(orderedNames('attributes.start_time asc'), [A, B, G, D]);
    assert.deepEqual(orderedNames('run_name'), [D, A, B, G]);
    assert.deepEqual(orderedNames('end_time DESC'), [D, B, A, G]);
    assert.deepEqual(orderedNames('end_time ASC'), [A, B, D, G]);
  });

  test('several terms apply in order', () => {
    assert.deepEqual(orderedNames('starred DESC', 'metrics.acc ASC'), [A, B, D, G]);
  });

  test('a bad term is a FilterError', () => {
    assertFilterError(() => compileOrderBy('metrics.acc sideways', 'r'), 12, /ASC, DESC/);
    assertFilterError(() => compileOrderBy('', 'r'), 0, /column to order by/);
    assertFilterError(() => store.listRuns({ orderBy: ['nope'] }), 0, /Unknown attribute 'nope'/);
  });
});

describe('filter errors name the position and what was expected', () => {
  test('syntax errors', () => {
    assertFilterError(() => parseFilter('metrics.acc 0.5'), 12, /Expected a comparison operator after 'metrics\.acc' at column 13/);
    assertFilterError(() => parseFilter("params.x = 'abc"), 11, /Unterminated string starting at column 12/);
    assertFilterError(() => parseFilter('metrics.x > 1 OR metrics.y > 2'), 14, /OR is not supported/);
    assertFilterError(() => parseFilter('metrics.x > 1 AND '), 18, /Expected a clause after AND/);
    assertFilterError(() => parseFilter('metrics.x > 1 AND metrics.y > 2 extra'), 32, /Expected AND or the end/);
    assertFilterError(() => parseFilter('metrics. > 1'), 8, /Expected a key after 'metrics\.'/);
    assertFilterError(() => parseFilter('foo.x = 1'), 0, /Unknown entity 'foo'/);
    assertFilterError(() => parseFilter('acc > 1'), 0, /Unknown attribute 'acc'.*metrics\.acc/);
    assertFilterError(() => parseFilter('> 1'), 0, /Expected a column/);
  });

  test('operators and values that do not fit the entity', () => {
    assertFilterError(() => parseFilter("metrics.x = '1'"), 12, /Expected a number without quotes/);
    assertFilterError(() => parseFilter('metrics.x = abc'), 12, /Expected a number/);
    assertFilterError(() => parseFilter("params.x > '1'"), 9, /Operator '>' cannot be used with params\.x/);
    assertFilterError(() => parseFilter('params.x = 1'), 11, /Expected a quoted string/);
    assertFilterError(() => parseFilter("metrics.x LIKE '1'"), 10, /Operator 'LIKE'/);
    assertFilterError(() => parseFilter('start_time IN (1)'), 11, /Operator 'IN'/);
    assertFilterError(() => parseFilter('status IN ()'), 10, /empty/);
    assertFilterError(() => parseFilter("status IN ('a' 'b')"), 15, /Expected ',' or '\)'/);
    assertFilterError(() => parseFilter("status IN 'a'"), 10, /parenthesized list/);
    assertFilterError(() => parseFilter('starred = maybe'), 10, /true or false/);
    assertFilterError(() => parseFilter("experiment_id = 'x'"), 16, /Expected a number/);
  });

  test('the store surfaces the same FilterError', () => {
    assertFilterError(() => store.listRuns({ filter: 'metrics.acc 0.5' }), 12, /comparison operator/);
  });
});

describe('hostile filters raise FilterError or match nothing, and the store stays intact', () => {
  const hostile = [
    "params.x = 'a' OR 1=1 --",
    "'; DROP TABLE runs; --",
    "params.lr = ''; DROP TABLE runs; --'",
    "params.lr = '0.1' --",
    "params.lr = '0.1'; DROP TABLE runs",
    'metrics.`acc` = 1; DROP TABLE runs',
    'metrics.`acc`` = 1 OR 1=1 --` > 0',
    'metrics.`acc > 1',
    'tags."team" = "x"" OR ""="',
    "status = 'FINISHED') OR (1=1",
    "run_id IN ('a') OR 1=1",
    "run_id IN ('a'); DELETE FROM runs; --",
    "params.lr LIKE '%' ESCAPE '\\'",
    'start_time > 0 AND start_time > (SELECT 1)',
    "params.lr = '0.1' AND",
    `metrics.${'a'.repeat(10_000)} > 0`,
    `params.x = '${"'".repeat(10_001)}`,
    `tags.x = '${'%'.repeat(10_000)}x'`,
    `${'metrics.a > 1 AND '.repeat(700)}metrics.a > 1`,
    'x'.repeat(200_000),
    'metrics.准确率 > 0',
    "tags.`🔥` = '🔥'",
    "params.lr = '0.1\0'",
    'metrics.acc\0 > 0',
    "tags.x = '\uD800'",
    "tags.team = 'Vision' AND tags.team != 'Vision'",
  ];

  test('each one', () => {
    for (const filter of hostile) {
      let names: string[] | undefined;
      try {
        names = sqlNames(filter);
      } catch (error) {
        assert.ok(error instanceof FilterError, `${filter.slice(0, 60)}: ${String(error)}`);
        assert.ok(error.position >= 0 && error.position <= filter.length);
        continue;
      }
      assert.deepEqual(names, [], filter.slice(0, 60));
    }
    assert.equal(store.listRuns().length, 4);
    assert.equal((connectionOf(store).prepare('SELECT COUNT(*) AS n FROM params').get() as { n: number }).n, 7);
    assert.ok(connectionOf(store).prepare("SELECT name FROM sqlite_master WHERE name = 'runs'").get());
  });

  test('keys and values never reach the SQL text', () => {
    const compiled = compileFilter("params.`evil'); DROP TABLE runs; --` = 'evil value' AND tags.evil2 LIKE 'x' AND run_name IN ('evil3')", 'r');
    assert.doesNotMatch(compiled.sql, /evil|DROP/);
    assert.deepEqual(compiled.params, ["evil'); DROP TABLE runs; --", 'evil value', 'evil2', 'x', '["evil3"]']);
    const order = compileOrderBy('tags.`x) DESC; DROP TABLE runs; --` DESC', 'r');
    assert.doesNotMatch(order.sql, /DROP/);
  });

  test('the table alias must be a plain identifier', () => {
    assert.throws(() => compileFilter("status = 'x'", 'r; DROP TABLE runs'), /Invalid table alias/);
    assert.throws(() => compileOrderBy('status', 'kv'), /Invalid table alias/);
  });
});
