// Issue 10: a runner on Node 20 (better-sqlite3) and a window on Node 24 (node:sqlite, as in current VS Code) write
// and read one `.labbook/` at once. Under Node 24 itself (`npm run test:node24`) the two sides are its two drivers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NODE24_BETTER_SQLITE3, NODE24_BIN } from '../../scripts/bench/node24';
import { CLI, PYTHON, SCRIPTS, makeWorkspace, openStore, runCli, type CliResult } from './helpers';

/** A runtime and driver to run the CLI with. */
interface Side {
  node: string;
  env: Record<string, string>;
  label: string;
}

function sides(): [Side, Side] {
  const onNode20 = process.versions.node.startsWith('20.');
  const here: Side = {
    node: process.execPath,
    env: { LABBOOK_SQLITE_DRIVER: onNode20 ? 'better-sqlite3' : 'node:sqlite' },
    label: `Node ${process.version}`,
  };
  const needed = onNode20 ? NODE24_BIN : NODE24_BETTER_SQLITE3;
  if (!existsSync(needed)) throw new Error(`${needed} is missing: run bash scripts/setup-node24.sh (scripts/test.sh does)`);
  const other: Side = onNode20
    ? { node: NODE24_BIN, env: { LABBOOK_SQLITE_DRIVER: 'node:sqlite' }, label: 'Node 24' }
    : {
        node: process.execPath,
        env: { LABBOOK_SQLITE_DRIVER: 'better-sqlite3', LABBOOK_BETTER_SQLITE3_BINDING: NODE24_BETTER_SQLITE3 },
        label: 'better-sqlite3',
      };
  return [here, other];
}

function cliOn(side: Side, args: string[], cwd: string): Promise<CliResult> {
  const child = spawn(side.node, [CLI, ...args], { cwd, env: { ...process.env, LABBOOK_DIR: '', ...side.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const { dir, cleanup } = makeWorkspace();
after(cleanup);

test('runners and readers on both drivers share one store: every point kept, no SQLITE_BUSY surfaced', async () => {
  const [here, other] = sides();
  const created = await runCli(['run', '--', process.execPath, '-e', '0'], { cwd: dir });
  assert.equal(created.code, 0, created.stderr);
  const runners = [here, other, here, other].map((side) => cliOn(side, ['run', '--', PYTHON, join(SCRIPTS, 'many_metrics.py'), '15000'], dir));
  const drivers = new Set<string>();
  let reads = 0;
  let running = true;
  // Readers on both sides, as the extension host and the CLI read while runs write.
  const readers = [here, other].map(async (side) => {
    while (running) {
      const listed = await cliOn(side, ['ls', '--json'], dir);
      assert.equal(listed.code, 0, listed.stderr);
      JSON.parse(listed.stdout);
      reads++;
    }
    drivers.add((await cliOn(side, ['--version'], dir)).stdout);
  });
  const results = await Promise.all(runners);
  running = false;
  await Promise.all(readers);
  for (const result of results) {
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /SQLITE_BUSY|database is locked/);
  }
  assert.ok(reads >= 2, `${reads} reads`);
  assert.deepEqual(
    [...drivers].map((line) => /SQLite driver (\S+)\)/.exec(line)?.[1]).sort(),
    ['better-sqlite3', 'node:sqlite'],
    `${here.label} and ${other.label}`,
  );
  const store = openStore(dir);
  try {
    const counts = store
      .listRuns({ filter: "attributes.status = 'FINISHED'" })
      .map((run) => run.metrics.value?.count ?? 0)
      .sort();
    assert.deepEqual(counts, [0, 15000, 15000, 15000, 15000]);
  } finally {
    store.close();
  }
});
