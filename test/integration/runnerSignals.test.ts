// A signal or an abort that reaches the runner while it sets a run up (before the script starts) stops the run: the
// script is interrupted as soon as it starts and the run ends KILLED. Before, a Ctrl-C in that window ended the runner
// by default with the script started a moment later and left running (a sweep's Ctrl-C test left one behind in 1 of
// 4 runs), and an abort (the editor's Stop, the queue's cancel) was missed altogether.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { DEFAULT_CONFIG, type LabbookConfig } from '../../src/capture/config';
import { isProcessAlive } from '../../src/capture/recovery';
import { runTracked, type RunnerOptions } from '../../src/capture/runner';
import { pythonShimDir } from '../../src/cli/workspace';
import { Store } from '../../src/store/store';
import { makeWorkspace, PYTHON } from './helpers';

// Writes its pid, then waits for a file that never comes (at most 20 s, so a failing test leaves nothing behind).
const HOLD = `
import os, time
open("pid.txt", "w").write(str(os.getpid()))
deadline = time.time() + 20
while not os.path.exists("release") and time.time() < deadline:
    time.sleep(0.05)
print("loss: 1")
`;

describe('a signal before the script starts', () => {
  const { dir, cleanup } = makeWorkspace({ files: { 'hold.py': HOLD } });
  const store = Store.open(join(dir, '.labbook'));
  after(() => {
    store.close();
    cleanup();
  });

  function options(extra: Partial<RunnerOptions>): RunnerOptions {
    return {
      store,
      command: [PYTHON, 'hold.py'],
      cwd: dir,
      config: structuredClone(DEFAULT_CONFIG) as LabbookConfig,
      pythonShimDir: pythonShimDir(),
      stdout: new PassThrough().resume(),
      stderr: new PassThrough().resume(),
      forwardStdin: false,
      ...extra,
    };
  }

  function assertNoScriptLeft(): void {
    const pidFile = join(dir, 'pid.txt');
    if (existsSync(pidFile)) assert.ok(!isProcessAlive(Number(readFileSync(pidFile, 'utf8'))), 'the script is not left running');
  }

  test('an abort (the editor Stop, the queue cancel) while the run is set up ends it KILLED', async () => {
    const controller = new AbortController();
    const result = await runTracked(
      options({
        abort: controller.signal,
        childEnv: async () => {
          controller.abort();
          return {};
        },
      }),
    );
    assert.equal(result.status, 'KILLED');
    assertNoScriptLeft();
  });

  test('a real SIGINT while the run is set up is forwarded to the script once it starts, not the end of the runner', async () => {
    const result = await runTracked(
      options({
        childEnv: async () => {
          process.kill(process.pid, 'SIGINT');
          await new Promise((resolve) => setTimeout(resolve, 100));
          return {};
        },
      }),
    );
    assert.equal(result.status, 'KILLED');
    assert.equal(store.getRun(result.runId).status, 'KILLED');
    assertNoScriptLeft();
  });
});
