// The tracking server's pure parts: typed fields, lenient JSON, the registry/experiment filter, paging, routing
// and artifact paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkArtifactPath, childrenOf, parseLocation } from '../../src/server/artifactRoutes';
import type { Route } from '../../src/server/context';
import { ApiError, Fields, recordOf } from '../../src/server/fields';
import { parseJsonBody } from '../../src/server/http';
import { offsetOf, pageOf, pagedJson, pageToken } from '../../src/server/paging';
import { Router } from '../../src/server/router';
import { fieldSet, filterSchemaOf, parseOrderBy, searchPage, sortBy } from '../../src/server/searchFilter';
import type { Searchable } from '../../src/server/searchFilter';
import { allowedHosts, isJsonContentType, isLoopback } from '../../src/server/crossSite';
import { metricHistoryJson, metricJson } from '../../src/server/wire';

function rejects400(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => error instanceof ApiError && error.status === 400 && pattern.test(error.message));
}

test('Fields reads typed values and names the bad field', () => {
  const f = Fields.fromJson({
    run_uuid: 'r1',
    key: 'loss',
    value: 'NaN',
    step: '3',
    ts: 12,
    ok: 'true',
    list: ['a'],
    tags: [{ key: 'k', value: 'v' }],
  });
  assert.equal(f.runId(), 'r1');
  assert.ok(Number.isNaN(f.metricValue()));
  assert.equal(f.int('step'), 3);
  assert.equal(f.int('ts'), 12);
  assert.equal(f.int('missing', 7), 7);
  assert.equal(f.optBool('ok'), true);
  assert.deepEqual(f.strings('list'), ['a']);
  assert.deepEqual(f.keyValueMap('tags'), { k: 'v' });
  rejects400(() => f.int('key'), /^Invalid value loss for parameter 'key' supplied\. Hint: Value was of type 'str'\. See the API docs/);
  rejects400(
    () => Fields.fromJson({ m: [{ k: 'a', v: 1.5, n: null, b: true }] }).string('m'),
    /Invalid value \[\{'k': 'a', 'v': 1\.5, 'n': None, 'b': True\}\] for parameter 'm' supplied\. Hint: Value was of type 'list'/,
  );
  rejects400(
    () => f.string('nope'),
    /^Missing value for required parameter 'nope'\. See the API docs for more information about request parameters\.$/,
  );
  rejects400(() => Fields.fromJson({ name: '' }).nonEmpty('name'), /^Missing value for required parameter 'name'\./);
  rejects400(() => Fields.fromJson({ tags: [{ key: 'k', value: 3 }] }).keyValues('tags'), /tags\[0\]\.value/);
  rejects400(() => Fields.fromJson({ m: [1, 2, 3] }).objects('m', 2), /at most 2 m/);
  rejects400(() => Fields.fromJson({ key: 'x'.repeat(251) }).key(), /longer than 250/);
  rejects400(() => Fields.fromJson({ key: 'a\u0000b' }).key(), /NUL/);
  rejects400(
    () => Fields.fromJson({ value: true }).metricValue(),
    /Invalid value True for parameter 'value' supplied\. Hint: Value was of type 'bool'/,
  );
  rejects400(
    () => Fields.fromJson({ value: 'abc' }).metricValue(),
    /Invalid value abc for parameter 'value' supplied\. Hint: Value was of type 'str'/,
  );
  rejects400(() => Fields.fromJson({ step: 1.5 }).int('step'), /Invalid value 1.5 for parameter 'step' supplied\. Hint: Value was of type 'float'/);
  assert.throws(
    () => Fields.fromJson([1]),
    (e: unknown) => e instanceof ApiError && e.code === 'BAD_REQUEST',
  );
});

test('metric values: numbers, protobuf strings, decimal strings', () => {
  const value = (v: unknown): number => Fields.fromJson({ value: v }).metricValue();
  assert.equal(value(0.5), 0.5);
  assert.equal(value('Infinity'), Number.POSITIVE_INFINITY);
  assert.equal(value('-Infinity'), Number.NEGATIVE_INFINITY);
  assert.equal(value('1e-3'), 0.001);
});

test('query fields turn repeated keys into lists', () => {
  const f = Fields.fromQuery(new URLSearchParams('stages=Production&stages=Staging&name=m'));
  assert.deepEqual(f.strings('stages'), ['Production', 'Staging']);
  assert.deepEqual(f.strings('name'), ['m']);
});

test('recordOf refuses one key with two values, accepts repeats', () => {
  assert.deepEqual(
    recordOf(
      [
        { key: 'a', value: '1' },
        { key: 'a', value: '1' },
      ],
      'param',
    ),
    { a: '1' },
  );
  rejects400(
    () =>
      recordOf(
        [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
        'param',
      ),
    /Duplicate param key 'a'/,
  );
});

test('JSON bodies: bare NaN/Infinity become strings outside string literals only; garbage is a BAD_REQUEST', () => {
  assert.deepEqual(parseJsonBody('{"value": NaN, "b": -Infinity, "s": "NaN Infinity"}'), { value: 'NaN', b: '-Infinity', s: 'NaN Infinity' });
  assert.throws(
    () => parseJsonBody('{"a": '),
    (e: unknown) => e instanceof ApiError && e.code === 'BAD_REQUEST' && e.status === 400,
  );
});

test('search filter: AND clauses, quoting, LIKE/ILIKE, IN, numbers, tags, through the core grammar', () => {
  type Item = { name: string; v: number; tags: Record<string, string> };
  const spec: Searchable<Item> = {
    attributes: { name: 'string', version_number: 'number' },
    valuesOf: (i) => ({ name: i.name, version_number: i.v }),
    keyed: { tags: (i) => i.tags },
  };
  const names = (filter: string, items: Item[]): string[] =>
    searchPage(items, spec, Fields.fromJson({ filter }), { fallback: 10, cap: 10 }).items.map((i) => i.name);
  const items: Item[] = [
    { name: 'seed-model', v: 2, tags: { 'my key': "it's" } },
    { name: 'Seed-model', v: 2, tags: { 'my key': "it's" } },
    { name: 'seed-old', v: 1, tags: { 'my key': "it's" } },
    { name: 'seed-bare', v: 2, tags: {} },
  ];
  assert.deepEqual(
    names("name LIKE 'seed%' AND tags.`my key` = 'it''s' AND version_number >= 2", items),
    ['seed-model'],
    'LIKE is case-sensitive; a missing tag matches nothing',
  );
  assert.deepEqual(names("name ILIKE 'SEED-M%'", items), ['seed-model', 'Seed-model']);
  assert.deepEqual(names("attributes.name IN ('seed-old', 'x')", items), ['seed-old']);
  assert.deepEqual(names("tags.`my key` != 'x'", items), ['seed-model', 'Seed-model', 'seed-old'], '!= never matches a missing tag');
  assert.deepEqual(names('  ', items).length, 4);
  assert.deepEqual(filterSchemaOf(spec).keyed, ['tag']);
  rejects400(() => names("name = 'a' OR name = 'b'", items), /OR is not supported/);
  rejects400(() => names("nope = 'a'", items), /Unknown attribute 'nope'/);
  rejects400(() => names("params.x = 'a'", items), /Unknown entity 'params'/);
  rejects400(() => names('name =', items), /Expected a quoted string/);
  rejects400(() => names("name = 'a", items), /Unterminated string/);
});

test('order-by sorts stably, missing values last', () => {
  const isField = fieldSet(['name', 'n']);
  const items = [{ name: 'b', n: 1 }, { name: 'a', n: 2 }, { name: 'c' }];
  const lookup = (item: { name: string; n?: number }, field: string) => (field === 'name' ? item.name : item.n);
  assert.deepEqual(
    sortBy(items, parseOrderBy(['n DESC'], isField), lookup).map((i) => i.name),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    sortBy(items, parseOrderBy(['name'], isField), lookup).map((i) => i.name),
    ['a', 'b', 'c'],
  );
  rejects400(() => parseOrderBy(['name sideways'], isField), /Invalid order_by/);
});

test('page tokens round-trip; a foreign token is a 400', () => {
  assert.equal(offsetOf(pageToken(25_000)), 25_000);
  assert.equal(offsetOf(undefined), 0);
  rejects400(() => offsetOf('not-a-token'), /Invalid page_token/);
  const page = pageOf([1, 2, 3, 4, 5], 2, pageToken(2));
  assert.deepEqual(page.items, [3, 4]);
  assert.equal(offsetOf(page.nextPageToken), 4);
  assert.equal(pageOf([1, 2], 2, undefined).nextPageToken, undefined);
});

test('a metric-history page written as text is byte for byte what JSON.stringify makes of its Metric objects', () => {
  const values = [0, -0, 1, -1.5, 0.1, 1 / 3, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 123456789.123];
  const points = values.map((value, i) => ({ value, step: i * 7 - 3, timestamp: 1_733_000_000_000 + i }));
  const columns = {
    steps: Float64Array.from(points, (p) => p.step),
    timestamps: Float64Array.from(points, (p) => p.timestamp),
    values: Float64Array.from(values),
  };
  for (const key of ['loss', 'a "quoted" \\ key', 'ünïcode/κλειδί', 'tab\tnew\nline']) {
    for (const token of [undefined, pageToken(25_000)]) {
      const expected = JSON.stringify(
        pagedJson(
          'metrics',
          points.map((p) => metricJson(key, p.value, p.timestamp, p.step)),
          token,
        ),
      );
      assert.equal(metricHistoryJson(key, columns, token).text, expected);
    }
  }
  // A page longer than one encoded piece (512 points) joins its pieces without losing or doubling a point.
  const long = Float64Array.from({ length: 1300 }, (_, i) => values[i % values.length]);
  const longColumns = { steps: long.map((_, i) => i), timestamps: long.map((_, i) => 2 * i), values: long };
  const longExpected = JSON.stringify({ metrics: Array.from(long, (v, i) => metricJson('ключ', v, 2 * i, i)) });
  assert.equal(metricHistoryJson('ключ', longColumns, undefined).text, longExpected);
  const empty = { steps: new Float64Array(0), timestamps: new Float64Array(0), values: new Float64Array(0) };
  assert.equal(metricHistoryJson('k', empty, undefined).text, '{"metrics":[]}');
});

test('router: exact paths first, then :param and *rest patterns, percent-decoded with + kept', () => {
  const json = () => ({});
  const routes: Route[] = [
    { method: 'POST', path: 'mlflow/logged-models/search', json },
    { method: 'GET', path: 'mlflow/logged-models/:id', json },
    { method: 'DELETE', path: 'mlflow/logged-models/:id/tags/*key', json },
  ];
  const router = new Router(routes);
  assert.equal(router.match('POST', 'mlflow/logged-models/search')?.route, routes[0]);
  assert.deepEqual(router.match('GET', 'mlflow/logged-models/m-1')?.params, { id: 'm-1' });
  assert.deepEqual(router.match('DELETE', 'mlflow/logged-models/m-1/tags/a%20b/c+d')?.params, { id: 'm-1', key: 'a b/c+d' });
  assert.equal(router.match('GET', 'mlflow/logged-models/m-1/extra'), undefined);
  assert.equal(router.match('PUT', 'mlflow/logged-models/m-1'), undefined);
  rejects400(() => router.match('GET', 'mlflow/logged-models/%E0%A4%A'), /Malformed percent-encoding/);
});

test('artifact paths: traversal, absolute, backslash, NUL and empty parts are refused', () => {
  assert.equal(checkArtifactPath('./a'), 'a', 'MLflow reads ./dir as dir');
  assert.equal(checkArtifactPath('.'), '', 'and . as the root');
  for (const bad of ['../x', 'a/../../b', '/etc/passwd', 'C:/x', 'a\\b', 'a\u0000b', 'a//b']) rejects400(() => checkArtifactPath(bad), /./);
  checkArtifactPath('sub dir/notes v1+final.txt');
  assert.deepEqual(parseLocation('1/abc/artifacts/model/MLmodel'), { kind: 'run', ownerId: 'abc', path: 'model/MLmodel' });
  assert.deepEqual(parseLocation('1/abc/artifacts'), { kind: 'run', ownerId: 'abc', path: '' });
  assert.deepEqual(parseLocation('2/models/m-1/artifacts/model.pkl'), { kind: 'model', ownerId: 'm-1', path: 'model.pkl' });
  assert.equal(parseLocation('x/abc/artifacts'), undefined);
  assert.equal(parseLocation('1/abc/other'), undefined);
});

test('listing children: files with sizes, folders once, in byte order', () => {
  const files = [
    { path: 'model/conda.yaml', sha256: '', size: 3 },
    { path: 'model/MLmodel', sha256: '', size: 5 },
    { path: 'model/metadata/MLmodel', sha256: '', size: 5 },
    { path: 'model/metadata/x', sha256: '', size: 1 },
  ];
  assert.deepEqual(childrenOf(files, 'model'), [
    { path: 'MLmodel', is_dir: false, file_size: 5 },
    { path: 'conda.yaml', is_dir: false, file_size: 3 },
    { path: 'metadata', is_dir: true },
  ]);
});

test('loopback hosts', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.ok(isLoopback(host), host);
  for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com']) assert.ok(!isLoopback(host), host);
});

test('a server answers to its own names: loopback aliases on loopback, the bound host otherwise, any on a wildcard', () => {
  assert.deepEqual([...(allowedHosts('127.0.0.1', 5000) ?? [])].sort(), ['127.0.0.1:5000', '[::1]:5000', 'localhost:5000']);
  assert.ok(allowedHosts('localhost', 80)?.has('localhost'), 'the default port may be left out');
  assert.deepEqual([...(allowedHosts('10.0.0.7', 5000) ?? [])], ['10.0.0.7:5000']);
  assert.deepEqual([...(allowedHosts('Box.Lan', 5000) ?? [])], ['box.lan:5000']);
  assert.deepEqual([...(allowedHosts('fe80::1', 5000) ?? [])], ['[fe80::1]:5000']);
  assert.equal(allowedHosts('0.0.0.0', 5000), undefined);
  assert.ok(isJsonContentType('Application/JSON; charset=utf-8'));
  assert.ok(!isJsonContentType('text/plain') && !isJsonContentType(undefined) && !isJsonContentType('application/jsonp'));
});
