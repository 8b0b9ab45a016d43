// The CLI's mistakes and damaged stores end in one line on stderr and exit 2, never a stack trace; a store that
// fails its open checks is not written to (its bytes are the same afterwards).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../src/store/store';
import { makeWorkspace, runCli, type CliResult } from './helpers';
import { connectionOf } from '../../src/store/connection';

// Every command that opens the store; `run` would also create it, `serve` would also bind a port.
const COMMANDS = [
  ['ls'],
  ['show', '@last'],
  ['log', 'abc'],
  ['compare', 'a', 'b'],
  ['rm', 'abc'],
  ['export'],
  ['gc'],
  ['run', '--', 'true'],
  ['serve', '--port', '0'],
];

function assertOneLine(result: CliResult, pattern: RegExp, what: string): void {
  assert.equal(result.code, 2, `${what}: exit ${result.code}, stderr ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `${what}: ${result.stderr}`);
  assert.match(lines[0], pattern, what);
  assert.doesNotMatch(result.stderr, /\n\s+at /, `${what}: no stack trace`);
}

/** A store with a few runs, closed (so its WAL is checkpointed away) and cut in the middle of a page. */
function truncatedStore(storeDir: string): void {
  const store = Store.open(storeDir);
  for (let i = 0; i < 20; i++) {
    const run = store.createRun({ name: `run-${i}` });
    store.logMetrics(
      run.id,
      Array.from({ length: 500 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1), step, timestamp: step })),
    );
  }
  const pageSize = connectionOf(store).pragma('page_size', { simple: true }) as number;
  store.close();
  const file = join(storeDir, 'labbook.db');
  truncateSync(file, statSync(file).size - pageSize - pageSize / 2);
}

function garbageStore(storeDir: string): void {
  mkdirSync(storeDir, { recursive: true });
  writeFileSync(join(storeDir, 'labbook.db'), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256)));
}

for (const [kind, make] of [
  ['garbage bytes', garbageStore],
  ['truncated mid-page', truncatedStore],
] as const) {
  describe(`a store whose labbook.db is ${kind}`, () => {
    let ws: ReturnType<typeof makeWorkspace>;
    let file: string;
    let bytes: Buffer;
    before(() => {
      ws = makeWorkspace();
      make(join(ws.dir, '.labbook'));
      file = join(ws.dir, '.labbook', 'labbook.db');
      bytes = readFileSync(file);
    });
    after(() => ws.cleanup());

    test('every command says in one line what is wrong and what to do, exits 2 and leaves the file as it was', async () => {
      for (const args of COMMANDS) {
        const result = await runCli(args, { cwd: ws.dir });
        assertOneLine(result, /labbook\.db is damaged.*labbook doctor.*copy.*-wal/, args.join(' '));
        assert.ok(result.stderr.includes(file), `${args.join(' ')} names the file`);
        assert.ok(readFileSync(file).equals(bytes), `${args.join(' ')} left the file unchanged`);
      }
    });
  });
}

describe('run references that name no run', () => {
  let ws: ReturnType<typeof makeWorkspace>;
  before(() => {
    ws = makeWorkspace();
    const store = Store.open(join(ws.dir, '.labbook'));
    store.createRun({ name: 'only' });
    store.close();
  });
  after(() => ws.cleanup());

  test('an empty, unknown @ or malformed @best reference is one clear line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['show', ''], /Empty run reference/],
      [['show', '   '], /Empty run reference/],
      [['show', '@first'], /Unknown run reference '@first'.*@last/],
      [['show', '@best:'], /names no metric/],
      [['log', '@best::min'], /names no metric/],
      [['compare', '@last', '@nope'], /Unknown run reference '@nope'/],
      [['rm', '@'], /Unknown run reference/],
      [['show', 'no-such-run'], /No run matches 'no-such-run'/],
    ];
    for (const [args, pattern] of cases) assertOneLine(await runCli(args, { cwd: ws.dir }), pattern, JSON.stringify(args));
  });
});
