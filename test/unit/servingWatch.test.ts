// The running servers' figures over time and the drift alert, driven with fake servers and scrapes.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ServingScrape } from '../../src/core/servingMetrics';
import type { ServedModel } from '../../src/server/scoring/discovery';
import { KEPT_POINTS, ServingWatch } from '../../src/extension/servingWatch';

const server = (pid: number): ServedModel => ({
  pid,
  url: `http://127.0.0.1:${5000 + pid}`,
  token: 't',
  model: 'churn',
  version: 2,
  startedAt: `2026-12-06T12:00:0${pid}Z`,
});
const scrape = (at: number, ok: number, driftShare: number | null): ServingScrape => ({ at, ok, errors: 0, buckets: [], driftShare });

function watchOf(servers: ServedModel[], answers: Map<number, (ServingScrape | Error)[]>) {
  const alerts: [number, number][] = [];
  const watch = new ServingWatch({
    list: () => servers,
    scrape: async (served) => {
      const next = answers.get(served.pid)!.shift()!;
      if (next instanceof Error) throw next;
      return next;
    },
    alertShare: () => 0.3,
    onAlert: (served, share) => alerts.push([served.pid, share]),
  });
  return { watch, alerts };
}

describe('ServingWatch', () => {
  it('charts figures from the second scrape on, alerts once per crossing, and keeps the share through a failed scrape', async () => {
    const answers = new Map([
      [
        1,
        [
          scrape(0, 0, 0.1),
          scrape(2000, 20, 0.5),
          new Error('connection refused'),
          scrape(6000, 60, 0.5),
          scrape(8000, 80, 0.2),
          scrape(10_000, 100, 0.6),
        ],
      ],
    ]);
    const { watch, alerts } = watchOf([server(1)], answers);
    await watch.tick();
    assert.deepEqual(watch.servers()[0].points, []);
    await watch.tick();
    assert.deepEqual(alerts, [[1, 0.5]]);
    assert.equal(watch.servers()[0].points[0].requestRate, 10);
    await watch.tick();
    assert.match(watch.servers()[0].error!, /^Cannot read http:\/\/127\.0\.0\.1:5001\/metrics: connection refused$/);
    await watch.tick();
    await watch.tick();
    await watch.tick();
    assert.deepEqual(alerts, [
      [1, 0.5],
      [1, 0.6],
    ]);
    const [shown] = watch.servers();
    assert.equal(shown.error, undefined);
    assert.deepEqual([shown.id, shown.alertShare, shown.points.length], ['1', 0.3, 4]);
  });

  it('drops servers that stopped and keeps at most the last points', async () => {
    const servers = [server(1), server(2)];
    const many = Array.from({ length: KEPT_POINTS + 5 }, (_, k) => scrape(k * 2000, k, null));
    const { watch } = watchOf(
      servers,
      new Map([
        [1, [...many]],
        [2, [...many]],
      ]),
    );
    for (let k = 0; k < KEPT_POINTS + 2; k++) await watch.tick();
    assert.deepEqual(
      watch.servers().map((s) => [s.id, s.points.length]),
      [
        ['1', KEPT_POINTS],
        ['2', KEPT_POINTS],
      ],
    );
    servers.pop();
    await watch.tick();
    assert.deepEqual(
      watch.servers().map((s) => s.id),
      ['1'],
    );
    assert.equal(watch.server(2), undefined);
  });
});
