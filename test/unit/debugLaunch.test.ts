import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { debugpyCommand, freePort } from '../../src/capture/debugLaunch';

describe('debugpyCommand', () => {
  test('puts debugpy between the interpreter (and its options) and the script, module or code', () => {
    const debugpy = ['-m', 'debugpy', '--listen', '127.0.0.1:5678', '--wait-for-client'];
    assert.deepEqual(debugpyCommand(['python', 'train.py', '--lr', '0.1'], 5678), ['python', ...debugpy, 'train.py', '--lr', '0.1']);
    assert.deepEqual(debugpyCommand(['/usr/bin/python3', '-u', '-X', 'dev', 'train.py'], 5678), [
      '/usr/bin/python3',
      '-u',
      '-X',
      'dev',
      ...debugpy,
      'train.py',
    ]);
    assert.deepEqual(debugpyCommand(['python3.11', '-m', 'pkg.train', '-v'], 5678), ['python3.11', ...debugpy, '-m', 'pkg.train', '-v']);
    assert.deepEqual(debugpyCommand(['python', '-c', 'print(1)'], 5678), ['python', ...debugpy, '-c', 'print(1)']);
  });

  test('refuses a command that is not Python, or has nothing to debug, with a clear message', () => {
    assert.throws(() => debugpyCommand(['node', 'train.js'], 5678), /must start with a Python interpreter.*got 'node'/);
    assert.throws(() => debugpyCommand([], 5678), /must start with a Python interpreter/);
    assert.throws(() => debugpyCommand(['python', '-u'], 5678), /needs a script, -m module or -c code/);
  });

  test('freePort gives a usable port', async () => {
    const port = await freePort();
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536);
  });
});
