import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConsoleTail, MAX_LINE_LENGTH, cleanConsoleLine } from '../../src/extension/panels/consoleTail';

let dir: string;
let log: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labbook-console-'));
  log = join(dir, 'console.log');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('cleanConsoleLine', () => {
  it('drops colours, cursor moves and titles', () => {
    assert.equal(cleanConsoleLine('\u001b[1;32mok\u001b[0m \u001b[2K\u001b]0;title\u0007done'), 'ok done');
  });

  it('keeps what a terminal shows after carriage returns', () => {
    assert.equal(cleanConsoleLine(' 10%\r 50%\r100%'), '100%');
  });

  it('cuts a runaway line and says how much is missing', () => {
    const line = cleanConsoleLine('x'.repeat(MAX_LINE_LENGTH + 500));
    assert.equal(line, `${'x'.repeat(MAX_LINE_LENGTH)}… [500 more characters]`);
  });

  it('leaves markup alone: the webview renders it as text', () => {
    assert.equal(cleanConsoleLine('<script>alert(1)</script>'), '<script>alert(1)</script>');
  });
});

describe('ConsoleTail', () => {
  it('reads the last lines, then only what was appended', () => {
    writeFileSync(log, Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
    const tail = new ConsoleTail(10);
    assert.deepEqual(tail.read(log), { lines: Array.from({ length: 10 }, (_, i) => `line ${40 + i}`), partial: '', truncated: true });
    appendFileSync(log, 'line 50\nline 5');
    assert.deepEqual(tail.read(log), { lines: ['line 50'], partial: 'line 5', truncated: false });
    appendFileSync(log, '1\n');
    assert.deepEqual(tail.read(log), { lines: ['line 51'], partial: '', truncated: false });
    assert.deepEqual(tail.read(log), { lines: [], partial: '', truncated: false });
  });

  it('skips a progress bar redrawn with \\r instead of rereading it', () => {
    const tail = new ConsoleTail(10);
    writeFileSync(log, 'start\n 10%\r 20%');
    assert.deepEqual(tail.read(log), { lines: ['start'], partial: ' 20%', truncated: false });
    appendFileSync(log, '\r 30%\r');
    assert.deepEqual(tail.read(log), { lines: [], partial: ' 30%', truncated: false });
    appendFileSync(log, '\n');
    assert.deepEqual(tail.read(log), { lines: [' 30%'], partial: '', truncated: false }, 'the trailing \\r was half of \\r\\n');
  });

  it('reads Windows line ends', () => {
    writeFileSync(log, 'a\r\nb\r\n');
    assert.deepEqual(new ConsoleTail(10).read(log).lines, ['a', 'b']);
  });

  it('reads only a window of a huge log and starts at a whole line', () => {
    writeFileSync(log, `${'é'.repeat(3000)}\n${'z'.repeat(100)}\nlast\n`);
    const chunk = new ConsoleTail(10, 1024).read(log);
    assert.deepEqual(chunk, { lines: ['z'.repeat(100), 'last'], partial: '', truncated: true });
  });

  it('marks a burst bigger than the window as skipped', () => {
    writeFileSync(log, 'first\n');
    const tail = new ConsoleTail(100, 256);
    tail.read(log);
    appendFileSync(log, Array.from({ length: 100 }, (_, i) => `burst ${i}\n`).join(''));
    const chunk = tail.read(log);
    assert.equal(chunk.truncated, true);
    assert.equal(chunk.lines.at(-1), 'burst 99');
    assert.ok(!chunk.lines.includes('burst 0'));
  });

  it('starts over when the file is replaced by a shorter one', () => {
    writeFileSync(log, 'one\ntwo\nthree\n');
    const tail = new ConsoleTail(10);
    tail.read(log);
    writeFileSync(log, 'new\n');
    assert.deepEqual(tail.read(log).lines, ['new']);
  });

  it('throws ENOENT for a missing file (the feed then looks for the blob)', () => {
    assert.throws(() => new ConsoleTail(10).read(join(dir, 'gone.log')), { code: 'ENOENT' });
  });
});
