import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PYTHON, SCRIPTS, makeWorkspace, openStore, runCli, startCli } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

async function storeWorkspace(): Promise<string> {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  const created = await runCli(['run', '--', process.execPath, '-e', '0'], { cwd: ws.dir });
  assert.equal(created.code, 0, created.stderr);
  return ws.dir;
}

/** The bytes artifact_logger.py writes into its i-th file. */
const blobContent = (i: number): string => `blob ${i}\n`.repeat(4096);

/** Stores `count` unreferenced blobs dated two hours back, past gc's grace period. */
function storeOldBlobs(dir: string, count: number, content: (i: number) => string): string[] {
  const store = openStore(dir);
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  const shas = Array.from({ length: count }, (_, i) => store.objects.putBuffer(content(i)));
  for (const sha of shas) utimesSync(store.objects.pathOf(sha), twoHoursAgo, twoHoursAgo);
  store.close();
  return shas;
}

const removed = (stdout: string): number => Number(/Removed (\d+)/.exec(stdout)?.[1]);

describe('labbook gc', () => {
  test('gc running beside a live run never deletes a blob the run references, even one stored long before', async () => {
    const dir = await storeWorkspace();
    storeOldBlobs(dir, 300, blobContent);
    // A store of some size, so a gc pass lasts long enough for the run to reference blobs behind its back.
    const store = openStore(dir);
    for (let i = 0; i < 20_000; i++) store.objects.putBuffer(`young ${i}`);
    store.close();
    const runner = startCli(['run', '--', PYTHON, join(SCRIPTS, 'artifact_logger.py'), '300'], { cwd: dir });
    let running = true;
    void runner.done.then(() => (running = false));
    while (running) {
      const gc = await runCli(['gc'], { cwd: dir });
      assert.equal(gc.code, 0, gc.stderr);
    }
    assert.equal((await runner.done).code, 0);
    const after = openStore(dir);
    const artifacts = after.artifacts(after.listRuns()[0].id).filter((a) => a.path.startsWith('out/'));
    assert.equal(artifacts.length, 300);
    const missing = artifacts.filter((a) => !after.objects.has(a.sha256)).map((a) => a.path);
    assert.deepEqual(missing, [], 'every referenced blob is still stored');
    after.close();
  });

  test('two gc at once both succeed and remove each unreferenced blob once', async () => {
    const dir = await storeWorkspace();
    storeOldBlobs(dir, 3000, (i) => `unreferenced ${i}`);
    const [first, second] = await Promise.all([runCli(['gc'], { cwd: dir }), runCli(['gc'], { cwd: dir })]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(removed(first.stdout) + removed(second.stdout), 3000);
    const store = openStore(dir);
    assert.equal([...store.objects.list()].filter((sha) => !store.referencedBlobs().has(sha)).length, 0);
    store.close();
  });
});
