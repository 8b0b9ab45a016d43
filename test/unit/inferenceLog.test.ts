import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { InferenceLogger } from '../../src/server/scoring/inferenceLogger';
import { appendInferences, inferenceLog } from '../../src/store/inferenceLog';
import { Store } from '../../src/store/store';

describe('the inference log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-inference-'));
  const store = Store.open(join(dir, '.labbook'));
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('keeps the newest rows per version, leaving other versions alone', () => {
    appendInferences(store, 'm', 1, [{ at: 1, input: { a: 0 }, prediction: 0 }], 3);
    const batch = Array.from({ length: 5 }, (_, i) => ({ at: i, input: { a: i }, prediction: i * 10 }));
    appendInferences(store, 'm', 2, batch, 3);
    assert.deepEqual(
      inferenceLog(store, 'm', 2).map((e) => e.input.a),
      [4, 3, 2],
    );
    assert.equal(inferenceLog(store, 'm', 1).length, 1);
  });

  test('samples rows by --log-sample and writes nothing until flushed', () => {
    const draws = [0.05, 0.5, 0.09, 0.95];
    const logger = new InferenceLogger(
      store,
      's',
      1,
      { sample: 0.1, keep: 100, flushMs: 60_000 },
      () => undefined,
      () => draws.shift()!,
    );
    logger.record({ columns: null, rows: [[1], [2], [3], [4]] }, ['x'], ['p1', 'p2', 'p3', 'p4']);
    assert.equal(inferenceLog(store, 's', 1).length, 0, 'nothing written on the request path');
    logger.close();
    assert.deepEqual(
      inferenceLog(store, 's', 1).map((e) => [e.input, e.prediction]),
      [
        [{ x: 3 }, 'p3'],
        [{ x: 1 }, 'p1'],
      ],
    );
  });
});
