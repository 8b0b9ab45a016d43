import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LABBOOK_DEBUG_TYPE, attachConfiguration, attachEndpoint } from '../../src/core/debugAttach';
import { listQueue } from '../../src/store/queue';
import { DapClient } from './dapClient';
import { PYTHON, SCRIPTS, makeWorkspace, openStore, runCli, startCli, waitFor } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const SCRIPT = join(SCRIPTS, 'debug_target.py');
const BREAK_LINE =
  readFileSync(SCRIPT, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('# BREAK')) + 1;

/** Starts `labbook run --debug` on the fixture, attaches a DAP client and stops at the BREAK line. */
async function stoppedAtBreakpoint(): Promise<{ dir: string; dap: DapClient; threadId: number } & ReturnType<typeof startCli>> {
  const ws = makeWorkspace({ files: { 'train.py': readFileSync(SCRIPT, 'utf8') } });
  cleanups.push(ws.cleanup);
  const { child, done } = startCli(['run', '--debug', '--', PYTHON, 'train.py', '--lr', '0.1'], { cwd: ws.dir });
  cleanups.unshift(() => child.exitCode === null && child.kill('SIGKILL')); // a failed assertion must not leave it waiting at the breakpoint
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const port = Number(await waitFor('the debugger port', () => /debugger listening on 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]));
  // As VS Code does with Labbook's own debug type: connect where the attach configuration says, send it as the attach arguments.
  const config = attachConfiguration({
    type: LABBOOK_DEBUG_TYPE,
    name: 'Debug and Track train.py',
    port,
    session: `labbook-${port}`,
    extra: { justMyCode: true },
  });
  const endpoint = attachEndpoint(config);
  assert.deepEqual(endpoint, { host: '127.0.0.1', port });
  const dap = await DapClient.connect(endpoint.port);
  await dap.request('initialize', {
    adapterID: LABBOOK_DEBUG_TYPE,
    clientID: 'labbook-test',
    linesStartAt1: true,
    columnsStartAt1: true,
    pathFormat: 'path',
  });
  const attached = dap.send('attach', config);
  await dap.event('initialized');
  const breakpoints = await dap.request('setBreakpoints', { source: { path: join(ws.dir, 'train.py') }, breakpoints: [{ line: BREAK_LINE }] });
  assert.equal((breakpoints.body!.breakpoints as { verified: boolean }[])[0].verified, true);
  await dap.request('configurationDone');
  assert.ok((await attached).success, 'attach succeeds');
  const stopped = await dap.event('stopped');
  assert.equal(stopped.body!.reason, 'breakpoint');
  return { dir: ws.dir, dap, threadId: stopped.body!.threadId as number, child, done };
}

describe('labbook run --debug', () => {
  test('runs the script under debugpy: stopped at a breakpoint its printed metrics are stored; continuing finishes the run', async () => {
    const { dir, dap, threadId, done } = await stoppedAtBreakpoint();
    const store = openStore(dir);
    const [run] = store.listRuns();
    assert.equal(store.getRun(run.id).status, 'RUNNING');
    await waitFor('metrics printed before the breakpoint', () => store.history(run.id, 'loss').length === 2);
    await waitFor('the shim param', () => store.params(run.id).optimizer === 'sgd');
    await dap.request('continue', { threadId });
    await dap.event('terminated'); // as an editor does: the adapter lives (and holds the output pipes) while a client is attached
    dap.close();
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    const detail = store.getRunDetail(run.id);
    assert.equal(detail.status, 'FINISHED');
    assert.equal(detail.tags['labbook.debugged'], 'true');
    assert.equal(detail.sourceFile, 'train.py', 'the script is recorded, not debugpy');
    assert.deepEqual(detail.params, { lr: '0.1', optimizer: 'sgd' }, 'argv params come from the script, as without --debug');
    assert.deepEqual(
      store.history(run.id, 'loss').map((p) => p.value),
      [0.5, 0.25, 0.125],
    );
    store.close();
  });

  test('stopping the session (the editor sends SIGTERM to the runner, as Stop does for any run) ends the run KILLED', async () => {
    const { dir, dap, done, child } = await stoppedAtBreakpoint();
    child.kill('SIGTERM');
    await dap.event('terminated');
    dap.close();
    const result = await done;
    const store = openStore(dir);
    const detail = store.getRunDetail(store.listRuns()[0].id);
    assert.equal(detail.status, 'KILLED', result.stderr);
    assert.equal(detail.tags['labbook.debugged'], 'true');
    store.close();
  });

  test('a command that is not Python, a bad port or --debug with --queue is refused with a clear error and no run or queue entry', async () => {
    const ws = makeWorkspace();
    cleanups.push(ws.cleanup);
    const result = await runCli(['run', '--debug', '--', 'node', 'train.js'], { cwd: ws.dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /must start with a Python interpreter/);
    const port = await runCli(['run', '--debug-port', 'x', '--', PYTHON, 'train.py'], { cwd: ws.dir });
    assert.match(port.stderr, /--debug-port takes a port number/);
    const queued = await runCli(['run', '--queue', '--debug', '--', PYTHON, 'train.py'], { cwd: ws.dir });
    assert.equal(queued.code, 1, queued.stderr);
    assert.match(queued.stderr, /--debug and --queue do not go together/);
    assert.ok(!existsSync(join(ws.dir, '.labbook', 'store.db')) || openStore(ws.dir).listRuns().length === 0, 'no run is created');
    assert.ok(!existsSync(join(ws.dir, '.labbook', 'store.db')) || listQueue(openStore(ws.dir)).length === 0, 'nothing is queued');
  });
});
