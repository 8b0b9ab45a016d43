import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FILTER_ATTRIBUTES, parseFilter } from '../../src/core/filter';
import { completeFilter, MAX_COMPLETION_ITEMS } from '../../src/core/filterCompletion';
import type { ColumnCatalog } from '../../src/core/runsTable';
import { RUN_STATUSES } from '../../src/core/types';

const CATALOG: ColumnCatalog = {
  params: ['lr', 'Layers', 'optimizer', 'data path'],
  metrics: ['acc', 'accuracy/val', 'loss'],
  tags: ['team', 'it`s'],
};

/** Completion at the `|` in `text`. */
function at(textWithCursor: string, catalog = CATALOG): { from: number; to: number; labels: string[]; inserts: string[] } {
  const cursor = textWithCursor.indexOf('|');
  assert.ok(cursor >= 0, 'the text marks the cursor with |');
  const text = textWithCursor.replace('|', '');
  const { from, to, items } = completeFilter(text, cursor, catalog);
  return { from, to, labels: items.map((item) => item.label), inserts: items.map((item) => item.insert) };
}

/** The text after accepting the first suggestion at `|`. */
function accept(textWithCursor: string): string {
  const cursor = textWithCursor.indexOf('|');
  const text = textWithCursor.replace('|', '');
  const { from, to, items } = completeFilter(text, cursor, CATALOG);
  assert.ok(items.length > 0, `something to accept in ${textWithCursor}`);
  return text.slice(0, from) + items[0].insert + text.slice(to);
}

describe('filter completion', () => {
  test('offers the entity prefixes where a clause starts', () => {
    assert.deepEqual(at('|'), {
      from: 0,
      to: 0,
      labels: ['metrics.', 'params.', 'tags.', 'attributes.'],
      inserts: ['metrics.', 'params.', 'tags.', 'attributes.'],
    });
    assert.deepEqual(at('  |').from, 2);
    assert.deepEqual(at('metrics.acc > 0.5 AND |').labels, ['metrics.', 'params.', 'tags.', 'attributes.']);
  });

  test('matches the typed prefix case-insensitively and replaces the whole word under the cursor', () => {
    assert.deepEqual(at('PA|'), { from: 0, to: 2, labels: ['params.'], inserts: ['params.'] });
    assert.deepEqual(at('ta|gs').to, 4);
    // A typed attribute name is offered in its canonical spelling.
    assert.deepEqual(at('stat|'), { from: 0, to: 4, labels: ['status'], inserts: ['attributes.status '] });
    assert.deepEqual(at('xyz|').labels, []);
  });

  test('offers the catalog keys of the entity, quoting keys that need it', () => {
    assert.deepEqual(at('metrics.|'), { from: 8, to: 8, labels: ['acc', 'accuracy/val', 'loss'], inserts: ['acc ', '`accuracy/val` ', 'loss '] });
    assert.deepEqual(at('metrics.AC|').labels, ['acc', 'accuracy/val']);
    assert.deepEqual(at('params.l|').labels, ['lr', 'Layers']);
    assert.deepEqual(at('param.d|').inserts, ['`data path` '], 'entity aliases work too');
    assert.deepEqual(at('tags.i|').inserts, ['`it``s` '], 'backticks inside a key are doubled');
    assert.deepEqual(at('attributes.|').labels, [...FILTER_ATTRIBUTES]);
    assert.deepEqual(at('metrics.l|oss > 1'), { from: 8, to: 12, labels: ['loss'], inserts: ['loss '] });
  });

  test('completes inside a quoted key and takes its closing quote along', () => {
    assert.deepEqual(at('params.`da|'), { from: 7, to: 10, labels: ['data path'], inserts: ['`data path` '] });
    assert.deepEqual(at('metrics.`acc|uracy/val` > 1').to, 22);
  });

  test('offers the operators each entity accepts after a key', () => {
    assert.deepEqual(at('metrics.acc |').labels, ['=', '!=', '<', '<=', '>', '>=']);
    assert.deepEqual(at('params.lr |').labels, ['=', '!=', 'LIKE', 'ILIKE']);
    assert.deepEqual(at('tags.`it``s` |').labels, ['=', '!=', 'LIKE', 'ILIKE']);
    assert.deepEqual(at('attributes.status |').labels, ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);
    assert.deepEqual(at('attributes.start_time |').labels, ['=', '!=', '<', '<=', '>', '>=']);
    assert.deepEqual(at('run_name |').labels, ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'], 'bare attributes');
    assert.deepEqual(at('attributes.status i|'), { from: 18, to: 19, labels: ['ILIKE', 'IN'], inserts: ['ILIKE ', 'IN ('] });
    assert.deepEqual(at('attributes.status not |').labels, ['NOT IN']);
    assert.deepEqual(at('metrics.acc|').labels, ['acc', 'accuracy/val'], 'no space yet: still the key');
    assert.deepEqual(at('attributes.nope |').labels, [], 'an unknown attribute has no operators');
  });

  test('offers status values after attributes.status = and inside IN lists', () => {
    const quoted = RUN_STATUSES.map((status) => `'${status}'`);
    assert.deepEqual(at('attributes.status = |').inserts, quoted);
    assert.deepEqual(at("attributes.status = 'f|"), { from: 20, to: 22, labels: ['FINISHED', 'FAILED'], inserts: ["'FINISHED'", "'FAILED'"] });
    assert.deepEqual(at("status IN ('RUNNING', |").inserts, quoted);
    assert.deepEqual(at('attributes.starred = |').labels, ['true', 'false']);
    assert.deepEqual(at('metrics.acc > |').labels, [], 'no values to suggest for a metric');
  });

  test('offers AND after a complete clause, and nothing where the grammar has no place', () => {
    assert.deepEqual(at("params.lr = '0.1' |"), { from: 18, to: 18, labels: ['AND'], inserts: ['AND '] });
    assert.deepEqual(at('metrics.acc > 0.5 a|').labels, ['AND']);
    assert.deepEqual(at("status IN ('RUNNING') |").labels, ['AND']);
    assert.deepEqual(at('metrics.acc > 0.5|').labels, [], 'still typing the number');
    assert.deepEqual(at('metrics.acc > 0.5 OR |').labels, []);
    assert.deepEqual(at('nope.x |').labels, []);
    assert.deepEqual(at("params.lr = 'open |").labels, [], 'inside a string value of a param');
  });

  test('accepting suggestions one after the other builds a filter that parses', () => {
    let text = '|';
    for (const typed of ['me', 'lo', '>', ' 0.5 ', 'attributes.st', 'in', 'FIN']) {
      const cursor = text.indexOf('|');
      text = `${text.slice(0, cursor)}${typed}|`;
      if (typed === '>') continue;
      text = `${accept(text)}|`;
    }
    const filter = text.replace('|', '');
    assert.equal(filter, "metrics.loss > 0.5 AND attributes.status IN ('FINISHED'");
    assert.equal(parseFilter(`${filter})`).length, 2);
  });

  test('caps the list and clamps the cursor', () => {
    const many: ColumnCatalog = { params: Array.from({ length: 1000 }, (_, i) => `p${i}`), metrics: [], tags: [] };
    assert.equal(completeFilter('params.', 7, many).items.length, MAX_COMPLETION_ITEMS);
    assert.deepEqual(
      completeFilter('ta', 99, CATALOG).items.map((item) => item.label),
      ['tags.'],
    );
    assert.deepEqual(completeFilter('ta', -5, CATALOG).from, 0);
  });
});
