// The example alert rules and Grafana dashboard in docs/monitoring are checked: Prometheus' own promtool validates
// and unit-tests the rules, a JSON schema of Grafana's dashboard model validates the dashboard, and both may name
// only series the model server exposes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv';
import { SERIES } from '../../src/server/scoring/metrics';

const ROOT = resolve(__dirname, '..', '..');
const RULES = join(ROOT, 'docs', 'monitoring', 'alerts.yml');
const DASHBOARD = join(ROOT, 'docs', 'monitoring', 'grafana-dashboard.json');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'monitoring');

// Histogram and summary series carry suffixes; PromQL functions and label names are not series.
const SERIES_NAMES = new Set(Object.values(SERIES).flatMap((name) => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]));

function seriesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}');
  return [...withoutStrings.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)]
    .map((m) => m[1])
    .filter((name) => name.includes('_') && !['by', 'le', 'model', 'version', 'status', 'class', 'feature', 'quantile'].includes(name));
}

function promtool(...args: string[]): void {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
}

describe('docs/monitoring: alert rules and dashboard', () => {
  test('promtool checks the alert rules and their unit tests (drift, error rate, p95 latency) pass', () => {
    promtool('check', 'rules', RULES);
    promtool('test', 'rules', join(FIXTURES, 'alerts.test.yml'));
    const rules = readFileSync(RULES, 'utf8');
    for (const alert of ['ModelInputDrift', 'ModelHighErrorRate', 'ModelHighLatencyP95']) assert.match(rules, new RegExp(`alert: ${alert}`));
    const exprs = [...rules.matchAll(/expr: \|?\s*([\s\S]*?)\n\s+for:/g)].map((m) => m[1]);
    assert.equal(exprs.length, 3);
    for (const name of exprs.flatMap(seriesIn)) assert.ok(SERIES_NAMES.has(name), `alerts.yml names ${name}, which the model server does not expose`);
  });

  test('the Grafana dashboard is valid against the schema of its model and charts only served series', () => {
    const schema = JSON.parse(readFileSync(join(FIXTURES, 'grafana-dashboard.schema.json'), 'utf8')) as object;
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { id: number; targets: { expr: string }[] }[] };
    const validate = new Ajv({ allErrors: true }).compile(schema);
    assert.ok(validate(dashboard), JSON.stringify(validate.errors, null, 2));
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'panel ids are unique');
    const charted = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => seriesIn(t.expr))));
    for (const name of charted) assert.ok(SERIES_NAMES.has(name), `the dashboard charts ${name}, which the model server does not expose`);
    for (const name of [SERIES.predictions, `${SERIES.duration}_bucket`, SERIES.drift, SERIES.classes])
      assert.ok(charted.has(name), `no panel charts ${name}`);
  });

  test('a schema violation is caught (the check is not vacuous)', () => {
    const schema = JSON.parse(readFileSync(join(FIXTURES, 'grafana-dashboard.schema.json'), 'utf8')) as object;
    const validate = new Ajv().compile(schema);
    assert.equal(
      validate({ title: 'x', uid: 'x', schemaVersion: 39, time: { from: 'now-1h', to: 'now' }, templating: { list: [] }, panels: [{ id: 1 }] }),
      false,
    );
  });
});
