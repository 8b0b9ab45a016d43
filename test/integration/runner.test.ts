import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isProcessAlive } from '../../src/capture/recovery';
import { PYTHON, SCRIPTS, makeWorkspace, openStore, readyPid, runCli, startCli, waitFor } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function workspace(options: Parameters<typeof makeWorkspace>[0] = {}): string {
  const ws = makeWorkspace(options);
  cleanups.push(ws.cleanup);
  return ws.dir;
}

describe('labbook run', () => {
  test('records printed metrics, argv params, git facts with the uncommitted patch, and the model file', async () => {
    const dir = workspace({ git: true, files: { 'train.py': readFileSync(join(SCRIPTS, 'print_metrics.py'), 'utf8') } });
    writeFileSync(join(dir, 'train.py'), `${readFileSync(join(dir, 'train.py'), 'utf8')}\n# an uncommitted edit\n`);
    const result = await runCli(['run', '--experiment', 'iris', '--tag', 'team=vision', '--', PYTHON, 'train.py', '--lr', '0.5', '--epochs=3'], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /epoch 3 \| loss: 0.1250/, 'output is passed through');

    const store = openStore(dir);
    const [run] = store.listRuns();
    const detail = store.getRunDetail(run.id);
    assert.equal(detail.status, 'FINISHED');
    assert.equal(detail.experimentName, 'iris');
    assert.equal(detail.name, 'train-1');
    assert.deepEqual(detail.params, { epochs: '3', lr: '0.5' });
    assert.equal(detail.tags.team, 'vision');
    assert.deepEqual(
      store.history(run.id, 'loss').map((p) => [p.step, p.value]),
      [
        [1, 0.5],
        [2, 0.25],
        [3, 0.125],
      ],
    );
    assert.equal(detail.metrics.find((m) => m.key === 'acc')?.last, 0.8);
    assert.ok(!detail.metrics.some((m) => m.key === 'Python'), 'prose is not a metric');
    assert.match(detail.git.commit ?? '', /^[0-9a-f]{40}$/);
    assert.equal(detail.git.branch, 'main');
    assert.equal(detail.git.dirty, true);
    assert.match(store.objects.read(detail.git.patchSha!).toString('utf8'), /\+# an uncommitted edit/);
    const model = detail.artifacts.find((a) => a.path === 'models/model.pkl');
    assert.equal(model?.role, 'model');
    assert.equal(store.objects.read(model!.sha256).toString(), 'not really a pickle');
    assert.ok(!detail.artifacts.some((a) => a.path === 'notes.txt'));
    const log = detail.artifacts.find((a) => a.role === 'log');
    assert.match(store.objects.read(log!.sha256).toString('utf8'), /Python 3.11: ok/);
    assert.ok(!existsSync(store.runDir(run.id)), 'the live run folder is cleaned up');
    store.close();

    const shown = await runCli(['show', '@last'], { cwd: dir });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /lr\s+0\.5/);
    assert.match(shown.stdout, /models\/model\.pkl/);
    assert.match(shown.stdout, new RegExp(detail.git.commit!.slice(0, 12)));
  });

  test('ingests the Python shim journal: params, tags, steps, NaN and ±Infinity, artifacts', async () => {
    const dir = workspace();
    const result = await runCli(['run', '--', PYTHON, join(SCRIPTS, 'journal_logger.py')], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const store = openStore(dir);
    const run = store.getRunDetail(store.listRuns()[0].id);
    assert.deepEqual(run.params, { layers: '3', optimizer: 'adam' });
    assert.equal(run.tags.purpose, 'test');
    assert.deepEqual(
      store.history(run.id, 'loss').map((p) => p.step),
      [0, 1, 2, 3, 4],
    );
    assert.ok(Number.isNaN(store.history(run.id, 'weird_nan')[0].value));
    assert.equal(store.history(run.id, 'weird_inf')[0].value, Infinity);
    assert.equal(store.history(run.id, 'weird_ninf')[0].value, -Infinity);
    assert.deepEqual(
      store.history(run.id, 'auto').map((p) => [p.step, p.value]),
      [
        [0, 1.5],
        [1, 2.5],
      ],
    );
    const weights = run.artifacts.find((a) => a.path === 'weights.pt');
    assert.equal(weights?.role, 'model');
    store.close();
  });

  test('tracks a Node script, records a failing exit code, and runs outside git', async () => {
    const dir = workspace();
    const result = await runCli(['run', '--name', 'node-run', '--', process.execPath, join(SCRIPTS, 'node_metrics.js'), '3'], { cwd: dir });
    assert.equal(result.code, 3);
    const store = openStore(dir);
    const run = store.getRunDetail(store.listRuns()[0].id);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.exitCode, 3);
    assert.equal(run.name, 'node-run');
    assert.equal(run.git.commit, null);
    assert.deepEqual(
      store.history(run.id, 'loss').map((p) => [p.step, p.value]),
      [
        [0, 1],
        [1, 0.5],
        [2, 0.333],
        [3, 0.25],
      ],
    );
    store.close();
  });

  test('a run shorter than a second still gets a system sample: the first is taken at start', async () => {
    const dir = workspace();
    const result = await runCli(['run', '--', process.execPath, '-e', ''], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const store = openStore(dir);
    const keys = store.metricSummaries(store.listRuns()[0].id).map((summary) => summary.key);
    store.close();
    if (process.platform === 'linux') assert.ok(keys.includes('system/rss_mb') && keys.includes('system/disk_write_mb'), keys.join(', '));
  });

  test('a missing command fails the run with exit code 127 and a clear message', async () => {
    const dir = workspace();
    const result = await runCli(['run', '--', 'no-such-command-xyz'], { cwd: dir });
    assert.equal(result.code, 127);
    assert.match(result.stderr, /command not found: no-such-command-xyz/);
    const store = openStore(dir);
    assert.equal(store.listRuns()[0].status, 'FAILED');
    store.close();
  });

  test('hostile output: binary, non-UTF-8, a 10 MB line and malformed journal lines lose no good data', async () => {
    const dir = workspace();
    const result = await runCli(['run', '--', PYTHON, join(SCRIPTS, 'hostile_output.py')], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /journal: not JSON/);
    const store = openStore(dir);
    const run = store.getRunDetail(store.listRuns()[0].id);
    const loss = store.history(run.id, 'loss').map((p) => p.value);
    assert.deepEqual(loss.slice(0, 1), [0.5]);
    assert.ok(Number.isNaN(loss[1]));
    assert.deepEqual(loss.slice(2), [Infinity, 0.25]);
    assert.equal(store.history(run.id, 'acc')[0].value, 0.75);
    assert.deepEqual(
      store.history(run.id, 'j').map((p) => [p.step, p.value]),
      [
        [0, 1],
        [1, Infinity],
        [2, 3],
      ],
    );
    const console = store.objects.read(run.consoleSha!);
    assert.ok(console.length > 10 * 1024 * 1024, 'the console log keeps every byte');
    assert.ok(console.includes(Buffer.from([0xff, 0xfe, 0x00, 0x01])));
    store.close();
  });

  test('Ctrl-C reaches the script once and the run ends KILLED', async () => {
    const dir = workspace();
    // The script counts the SIGINTs it receives before it dies of one, so a second delivery shows: the group's own
    // SIGINT reaching a script left in the runner's group, then the forwarded one. (Two kill()s back to back may merge
    // into one pending signal in the kernel; no script could tell those apart.)
    const { child, done } = startCli(['run', '--', PYTHON, join(SCRIPTS, 'journal_logger.py'), '--wait', '--count-interrupts'], {
      cwd: dir,
      detached: true,
    });
    await waitFor('the script to be ready', () => existsSync(join(dir, 'ready.txt')));
    process.kill(-child.pid!, 'SIGINT'); // what a terminal does: the whole foreground group
    const result = await done;
    assert.equal(result.code, 130);
    assert.equal(readFileSync(join(dir, 'interrupts.txt'), 'utf8'), 'SIGINT\n', 'the script saw exactly one SIGINT');
    const store = openStore(dir);
    const run = store.getRunDetail(store.listRuns()[0].id);
    assert.equal(run.status, 'KILLED');
    assert.equal(store.history(run.id, 'loss').length, 5, 'metrics logged before the interrupt are kept');
    store.close();
  });

  test('a runner killed with SIGKILL leaves a run that the next Labbook process marks CRASHED, journal ingested', async () => {
    const dir = workspace();
    const { child, done } = startCli(['run', '--', PYTHON, join(SCRIPTS, 'journal_logger.py'), '--wait'], { cwd: dir, env: {} });
    const scriptPid = await readyPid(join(dir, 'ready.txt'));
    // The runner must have written the output to its console log before it dies, or the test races it.
    const runs = join(dir, '.labbook', 'runs');
    await waitFor('the console log to hold the output', () =>
      readdirSync(runs).some((id) => readFileSync(join(runs, id, 'console.log'), 'utf8').includes('logged everything')),
    );
    child.kill('SIGKILL');
    await done;
    process.kill(scriptPid, 'SIGKILL');
    await waitFor('the orphaned script to exit', () => !isProcessAlive(scriptPid));

    const listed = await runCli(['ls', '--json'], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /marked CRASHED/);
    const [run] = JSON.parse(listed.stdout) as {
      id: string;
      status: string;
      params: Record<string, string>;
      metrics: Record<string, { count: number }>;
    }[];
    assert.equal(run.status, 'CRASHED');
    assert.equal(run.params.optimizer, 'adam');
    assert.equal(run.metrics.loss.count, 5);
    const store = openStore(dir);
    assert.match(store.objects.read(store.getRun(run.id).consoleSha!).toString(), /logged everything/);
    store.close();
  });

  test('two runners and a reader at once: no SQLITE_BUSY surfaces and nothing is lost', async () => {
    const dir = workspace();
    await runCli(['run', '--', process.execPath, '-e', '0'], { cwd: dir }); // create the store first
    const runners = [0, 1].map(() => startCli(['run', '--', PYTHON, join(SCRIPTS, 'many_metrics.py'), '20000'], { cwd: dir }).done);
    let reads = 0;
    let running = true;
    const reader = (async () => {
      while (running) {
        const listed = await runCli(['ls', '--json'], { cwd: dir });
        assert.equal(listed.code, 0, listed.stderr);
        JSON.parse(listed.stdout);
        reads += 1;
      }
    })();
    const results = await Promise.all(runners);
    running = false;
    await reader;
    for (const result of results) {
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /SQLITE_BUSY|database is locked/);
    }
    assert.ok(reads > 0);
    const store = openStore(dir);
    const counts = store
      .listRuns({ filter: "attributes.status = 'FINISHED'" })
      .map((run) => run.metrics.value?.count ?? 0)
      .sort();
    assert.deepEqual(counts, [0, 20000, 20000]);
    store.close();
  });
});
