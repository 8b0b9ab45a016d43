import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineSplitter, MetricCollector } from '../../src/capture/outputCapture';
import { ScalarParser } from '../../src/capture/scalarParser';

function split(chunks: Buffer[]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  chunks.forEach((chunk) => splitter.write(chunk));
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  test('joins lines split across chunks, including a multi-byte character cut in half', () => {
    const euro = Buffer.from('loss: 1 €\n', 'utf8');
    assert.deepEqual(split([euro.subarray(0, 9), euro.subarray(9), Buffer.from('tail')]), ['loss: 1 €', 'tail']);
  });

  test('turns invalid UTF-8 into replacement characters', () => {
    assert.deepEqual(split([Buffer.from([0x61, 0xff, 0x0a])]), ['a\ufffd']);
  });

  test('ends a line at a carriage return too (progress redraws), and at \\r\\n once, across chunks', () => {
    assert.deepEqual(split([Buffer.from('a=1\rb=2\r\nc=3\r'), Buffer.from('\nd=4\n\n\re=5')]), ['a=1', 'b=2', 'c=3', 'd=4', 'e=5']);
  });

  test('an incomplete multi-byte character before a line end does not swallow the end', () => {
    assert.deepEqual(split([Buffer.from([0x61, 0xe2, 0x82]), Buffer.from('\rb\n')]), ['a\ufffd', 'b']);
  });

  test('tells where each line ends in the console log, across chunks and multi-byte characters', () => {
    const ends: [string, number][] = [];
    const splitter = new LineSplitter((line, end) => ends.push([line, end]));
    const text = Buffer.from('a €\nbb\ncc', 'utf8');
    splitter.write(text.subarray(0, 4), 100);
    splitter.write(text.subarray(4), 104);
    splitter.end(100 + text.length);
    assert.deepEqual(ends, [
      ['a €', 106],
      ['bb', 109],
      ['cc', 111],
    ]);
  });

  test('a carriage return is a line end in the console offsets too', () => {
    const ends: [string, number][] = [];
    const splitter = new LineSplitter((line, end) => ends.push([line, end]));
    splitter.write(Buffer.from('a=1\rb=2\r\nc'), 0);
    splitter.end(11);
    assert.deepEqual(ends, [
      ['a=1', 4],
      ['b=2', 8],
      ['c', 11],
    ]);
  });

  test('parses the head of a runaway line once and drops the rest until its newline', () => {
    const lines = split([Buffer.from('loss: 0.5 '), Buffer.alloc(3 << 20, 0x78), Buffer.from('x\nacc: 1\n')]);
    assert.equal(lines.length, 2);
    assert.ok(lines[0].startsWith('loss: 0.5 '));
    assert.equal(lines[0].length, 1 << 20);
    assert.equal(lines[1], 'acc: 1');
  });

  test('after a runaway line, the lines of the same chunk keep their own ends', () => {
    const ends: [string, number][] = [];
    const splitter = new LineSplitter((line, end) => ends.push([line.slice(0, 4), end]));
    splitter.write(Buffer.alloc((1 << 20) + 10, 0x78), 0);
    splitter.write(Buffer.from('xx\nab\ncd\n'), 2_000_000);
    assert.deepEqual(ends, [
      ['xxxx', (1 << 20) + 10],
      ['ab', 2_000_006],
      ['cd', 2_000_009],
    ]);
  });
});

/** Points from raw output bytes, through the splitter and collector as the runner wires them. */
function pointsOf(chunks: Buffer[]): [string, number, number][] {
  const collector = new MetricCollector(new ScalarParser());
  const splitter = new LineSplitter((line) => collector.line(line, 0));
  chunks.forEach((chunk) => splitter.write(chunk));
  splitter.end();
  return collector.take().map((p) => [p.key, p.step, p.value]);
}

describe('printed output to metric points', () => {
  test('every tqdm redraw before the newline is a point (200 updates, 200 points)', () => {
    const bar = Array.from({ length: 200 }, (_, i) => `\r${i + 1}/200 [00:01<00:00, 9.9it/s, loss=${(200 - i) / 100}]`).join('');
    const points = pointsOf([Buffer.from(`${bar}\n`)]);
    assert.equal(points.length, 200);
    assert.deepEqual(points[199], ['loss', 199, 0.01]);
  });

  test('an invalid UTF-8 byte costs only itself: the rest of the line still parses', () => {
    const line = Buffer.concat([Buffer.from('loss=0.5 '), Buffer.from([0xff, 0xfe]), Buffer.from(' acc: 0.9\n')]);
    assert.deepEqual(pointsOf([line]), [
      ['loss', 0, 0.5],
      ['acc', 0, 0.9],
    ]);
  });

  test('a step marker sets the step without becoming a metric', () => {
    assert.deepEqual(pointsOf([Buffer.from('step=3 plain=3\nglobal_step: 4, loss: 1\n')]), [
      ['plain', 3, 3],
      ['loss', 4, 1],
    ]);
  });
});

describe('MetricCollector', () => {
  test('counts steps per key when the output gives none', () => {
    const collector = new MetricCollector(new ScalarParser());
    collector.line('loss: 0.5', 1);
    collector.line('loss: 0.4 acc: 0.9', 2);
    assert.deepEqual(
      collector.take().map((p) => [p.key, p.step, p.value]),
      [
        ['loss', 0, 0.5],
        ['loss', 1, 0.4],
        ['acc', 0, 0.9],
      ],
    );
    assert.deepEqual(collector.take(), []);
  });

  test('drops points of lines already stored up to an offset, and continues given step counts', () => {
    const collector = new MetricCollector(new ScalarParser(), [['loss', 7]]);
    collector.line('loss: 0.5', 1, 10);
    collector.line('loss: 0.4', 2, 20);
    assert.deepEqual(
      collector.take(10).map((p) => [p.step, p.value]),
      [[8, 0.4]],
    );
  });
});
