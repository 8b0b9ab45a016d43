import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import protobuf from 'protobufjs/light';
import { importLogs } from '../../src/capture/logImport/importRuns';
import { discoverRuns } from '../../src/capture/logImport/discover';
import { eventFileScalars } from '../../src/capture/logImport/tensorboard';
import { maskedCrc32c, scanTfRecords } from '../../src/capture/logImport/tfRecord';
import { Store } from '../../src/store/store';

const FIXTURE = join(__dirname, '..', 'fixtures', 'tensorboard', 'events.out.tfevents.1585499054.tf2.v2');

// An Event with a TF1-style simple_value, encoded from a schema written here (not the importer's).
const WriterEvent = protobuf.Root.fromJSON({
  nested: {
    Event: { fields: { wall_time: { type: 'double', id: 1 }, step: { type: 'int64', id: 2 }, summary: { type: 'Summary', id: 5 } } },
    Summary: { fields: { value: { rule: 'repeated', type: 'Value', id: 1 } } },
    Value: { fields: { tag: { type: 'string', id: 1 }, simple_value: { type: 'float', id: 2 } } },
  },
}).lookupType('Event');

function frame(data: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([header, data, footer]);
}

function simpleValueEvents(values: Array<{ tag: string; step: number; value: number; wallTime: number }>): Buffer {
  return Buffer.concat(
    values.map(({ tag, step, value, wallTime }) =>
      frame(WriterEvent.encode(WriterEvent.fromObject({ wall_time: wallTime, step, summary: { value: [{ tag, simple_value: value }] } })).finish()),
    ),
  );
}

/** Offsets where each record of a TFRecord file starts, from the lengths in the file itself. */
function recordOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16 + Number(bytes.readBigUInt64LE(offset))) offsets.push(offset);
  return offsets;
}

describe('TensorBoard event files', () => {
  it("reads TensorFlow 2's file as 100 points of my_metric = 0.5 x step (scalar tensors), with wall times", () => {
    const { points, problems, end } = eventFileScalars(readFileSync(FIXTURE));
    assert.deepEqual(problems, []);
    assert.equal(end, 6738);
    assert.equal(points.length, 100);
    points.forEach((point, step) => {
      assert.equal(point.key, 'my_metric');
      assert.equal(point.step, step);
      assert.equal(point.value, 0.5 * step);
    });
    assert.equal(points[0].timestamp, 1585499054133);
  });

  it('reports a corrupted record checksum with its byte offset and still imports every other record', () => {
    const bytes = Buffer.from(readFileSync(FIXTURE));
    const offsets = recordOffsets(bytes);
    bytes[offsets[51] + 14] ^= 0xff; // a byte of record 51's data: the point at step 50
    const { points, problems } = eventFileScalars(bytes);
    assert.deepEqual(problems, [{ offset: offsets[51], message: 'record data checksum mismatch; record skipped' }]);
    assert.equal(points.length, 99);
    assert.equal(
      points.find((point) => point.step === 50),
      undefined,
    );
    assert.equal(points.at(-1)?.value, 49.5);
  });

  it('skips a damaged length header by finding the next valid record', () => {
    const bytes = Buffer.from(readFileSync(FIXTURE));
    const offsets = recordOffsets(bytes);
    bytes[offsets[10] + 2] ^= 0x01;
    const { points, problems } = eventFileScalars(bytes);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].offset, offsets[10]);
    assert.match(problems[0].message, /length checksum/);
    assert.equal(points.length, 99);
    assert.equal(
      points.find((point) => point.step === 9),
      undefined,
    );
  });

  it('leaves a record cut short at the end for the next pass, so a live file is read as it grows', () => {
    const whole = readFileSync(FIXTURE);
    const offsets = recordOffsets(whole);
    const first = scanTfRecords(whole.subarray(0, offsets[40] + 20));
    assert.equal(first.end, offsets[40]);
    assert.equal(first.records.length, 40);
    const rest = eventFileScalars(whole, first.end);
    assert.equal(rest.points.length, 61);
    assert.equal(rest.points[0].step, 39);
  });

  it('reads TF1 simple_value scalars, NaN and Infinity included', () => {
    const bytes = simpleValueEvents([
      { tag: 'loss', step: 0, value: 1.5, wallTime: 1700000000.25 },
      { tag: 'loss', step: 1, value: NaN, wallTime: 1700000001 },
      { tag: 'loss', step: 2, value: Infinity, wallTime: 1700000002 },
    ]);
    const { points } = eventFileScalars(bytes);
    assert.deepEqual(points, [
      { key: 'loss', step: 0, value: 1.5, timestamp: 1700000000250 },
      { key: 'loss', step: 1, value: NaN, timestamp: 1700000001000 },
      { key: 'loss', step: 2, value: Infinity, timestamp: 1700000002000 },
    ]);
  });
});

describe('labbook import', () => {
  let dir: string;
  let store: Store;
  const write = (path: string, text: string | Buffer) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'labbook-import-'));
    store = Store.open(join(dir, '.labbook'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a TensorBoard log folder as a finished run keeping the original times, once', () => {
    write('logs/run1/events.out.tfevents.1585499054.tf2.v2', readFileSync(FIXTURE));
    const [result] = importLogs(store, [join(dir, 'logs')]);
    assert.equal(result.points, 100);
    const run = store.getRun(result.runId);
    assert.equal(run.name, 'run1');
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.startTime, 1585499054133);
    assert.equal(store.tags(result.runId)['labbook.source'], 'tensorboard');
    assert.deepEqual(
      store.history(result.runId, 'my_metric').map((point) => point.value),
      Array.from({ length: 100 }, (_, step) => 0.5 * step),
    );
    const again = importLogs(store, [join(dir, 'logs')]);
    assert.deepEqual(
      again.map((entry) => [entry.runId, entry.alreadyImported]),
      [[result.runId, true]],
    );
    assert.equal(store.countRuns(), 1);
  });

  it("imports Lightning's CSVLogger folder: sparse cells, hparams.yaml as params, nan and inf", () => {
    write('lightning_logs/version_0/metrics.csv', 'epoch,step,train_loss,val_acc\n0,49,0.9,\n0,49,,0.5\n1,99,nan,inf\n');
    write('lightning_logs/version_0/hparams.yaml', 'lr: 0.01\nmodel:\n  depth: 3\n');
    utimesSync(join(dir, 'lightning_logs/version_0/metrics.csv'), 1700000000, 1700000000);
    const [result] = importLogs(store, [dir]);
    assert.equal(result.name, 'lightning_logs/version_0');
    assert.deepEqual(store.params(result.runId), { lr: '0.01', 'model.depth': '3' });
    const loss = store.history(result.runId, 'train_loss');
    assert.deepEqual(
      loss.map((point) => [point.step, point.value, point.timestamp]),
      [
        [49, 0.9, 1700000000000],
        [99, NaN, 1700000000000],
      ],
    );
    assert.deepEqual(
      store.history(result.runId, 'val_acc').map((point) => [point.step, point.value]),
      [
        [49, 0.5],
        [99, Infinity],
      ],
    );
  });

  it('imports a Keras CSVLogger file (a row per epoch) and reports a row it cannot read', () => {
    write('training.log.csv', 'epoch,loss,accuracy\n0,0.7,0.6\n1,0.5,0.7\nx,0.1,0.9\n2,oops,0.8\n');
    const [result] = importLogs(store, [join(dir, 'training.log.csv')]);
    assert.deepEqual(result.kinds, ['keras-csv']);
    assert.deepEqual(
      store.history(result.runId, 'loss').map((point) => [point.step, point.value]),
      [
        [0, 0.7],
        [1, 0.5],
      ],
    );
    assert.deepEqual(
      result.problems.map((problem) => problem.message),
      ["row 4: epoch 'x' is not a whole number; row skipped", "row 5: loss 'oops' is not a number"],
    );
  });

  it('imports a DVCLive folder: plots/metrics TSVs with their timestamps, nested names, params.yaml, step-less metrics.json', () => {
    write('dvclive/plots/metrics/train/loss.tsv', 'timestamp\tstep\tloss\n1700000000000\t0\t0.9\n1700000001000\t1\t0.4\n');
    write('dvclive/plots/metrics/acc.tsv', 'timestamp\tstep\tacc\n1700000000500\t0\t0.5\n1700000001500\t1\t0.75\n');
    write('dvclive/metrics.json', JSON.stringify({ train: { loss: 0.4 }, acc: 0.75, test: { f1: 0.6 }, step: 1 }));
    write('dvclive/params.yaml', 'epochs: 2\noptimizer:\n  lr: 0.001\n');
    const [result] = importLogs(store, [dir]);
    assert.equal(result.name, 'dvclive');
    assert.deepEqual(store.params(result.runId), { epochs: '2', 'optimizer.lr': '0.001' });
    assert.deepEqual(
      store.history(result.runId, 'train/loss').map((point) => [point.step, point.value, point.timestamp]),
      [
        [0, 0.9, 1700000000000],
        [1, 0.4, 1700000001000],
      ],
    );
    assert.deepEqual(
      store.history(result.runId, 'test/f1').map((point) => [point.step, point.value]),
      [[1, 0.6]],
    );
    assert.equal(store.history(result.runId, 'acc').length, 2);
    assert.equal(store.getRun(result.runId).startTime, 1700000000000);
  });

  it("joins a Hydra run folder's config and overrides with the logs written inside it into one run", () => {
    const run = 'outputs/2024-05-01/10-00-00';
    write(`${run}/.hydra/config.yaml`, 'optim:\n  lr: 0.1\nseed: 7\n');
    write(`${run}/.hydra/overrides.yaml`, '- optim.lr=0.1\n- seed=7\n');
    write(`${run}/.hydra/hydra.yaml`, 'hydra:\n  job:\n    name: train\n');
    write(`${run}/tb/events.out.tfevents.1.host`, simpleValueEvents([{ tag: 'loss', step: 3, value: 0.25, wallTime: 1714550400 }]));
    write('outputs/2024-05-01/11-00-00/.hydra/config.yaml', 'seed: 8\n');
    const results = importLogs(store, [join(dir, 'outputs')]);
    assert.deepEqual(
      results.map((result) => [result.name, result.kinds.sort()]),
      [
        ['2024-05-01/10-00-00', ['hydra', 'tensorboard']],
        ['2024-05-01/11-00-00', ['hydra']],
      ],
    );
    const first = results[0].runId;
    assert.deepEqual(store.params(first), { 'optim.lr': '0.1', seed: '7' });
    assert.equal(store.tags(first)['labbook.hydra.overrides'], 'optim.lr=0.1 seed=7');
    assert.deepEqual(
      store.history(first, 'loss').map((point) => [point.step, point.value]),
      [[3, 0.25]],
    );
  });

  it('finds nothing in a folder without logs, and refuses a file that is no log', () => {
    write('notes/readme.txt', 'hello');
    write('data/table.csv', 'a,b\n1,2\n');
    assert.deepEqual(discoverRuns(dir), []);
    assert.throws(() => discoverRuns(join(dir, 'data/table.csv')), /not a log Labbook can import/);
  });
});
