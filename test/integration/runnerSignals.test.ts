// A signal or an abort that reaches the runner while it sets a run up (before the script starts) stops the run: the
// script is never started and the run ends KILLED, exit 130 as for a Ctrl-C. Before, a Ctrl-C in that window ended
// the runner by default with the script started a moment later and left running (a sweep's Ctrl-C test left one
// behind in 1 of 4 runs), and an abort (the editor's Stop, the queue's cancel) was missed altogether. Then the
// script was started only to be sent the signal, which Python can swallow while it still imports ("Exception
// ignored in ... KeyboardInterrupt") and run on.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { DEFAULT_CONFIG, type LabbookConfig } from '../../src/capture/config';
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

  /** The run ended KILLED with a Ctrl-C's exit code, and its script never started: no process, no output at all. */
  function assertStoppedBeforeStart(result: { runId: string; status: string; exitCode: number | null }): void {
    assert.equal(result.status, 'KILLED');
    const run = store.getRunDetail(result.runId);
    assert.deepEqual([run.status, run.exitCode], ['KILLED', 130]);
    assert.equal(run.consoleSha, null, 'the script started: it has a console log');
  }

  test('an abort (the editor Stop, the queue cancel) while the run is set up ends it KILLED, the script never started', async () => {
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
    assertStoppedBeforeStart(result);
  });

  test('a real SIGINT while the run is set up ends the run, not the runner, and the script never starts', async () => {
    const result = await runTracked(
      options({
        childEnv: async () => {
          process.kill(process.pid, 'SIGINT');
          await new Promise((resolve) => setTimeout(resolve, 100));
          return {};
        },
      }),
    );
    assertStoppedBeforeStart(result);
  });
});
