import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { endedLine } from '../../src/cli/runInTerminal';

describe('runInTerminal', () => {
  it('says how the run ended and that a key closes the terminal', () => {
    assert.equal(endedLine(1, null), 'Labbook: the run ended with exit code 1. Press any key to close this terminal.');
    assert.equal(endedLine(null, 'SIGKILL'), 'Labbook: the run was ended by SIGKILL. Press any key to close this terminal.');
  });

  it('runs the runner with its arguments and, without a terminal, passes its exit code on', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-run-in-terminal-'));
    try {
      const runner = path.join(dir, 'runner.js');
      writeFileSync(runner, "console.log('args', process.argv.slice(2).join(' ')); process.exit(3);\n");
      const wrapper = path.join(__dirname, '..', '..', 'src', 'cli', 'runInTerminal.ts');
      const result = spawnSync(process.execPath, ['--import', 'tsx', wrapper, runner, 'run', '--', 'python', 'x.py'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      assert.equal(result.status, 3, result.stderr);
      assert.match(result.stdout, /args run -- python x\.py/);
      assert.match(result.stdout, /ended with exit code 3\. Press any key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
