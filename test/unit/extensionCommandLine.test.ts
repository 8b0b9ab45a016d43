import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chooseInterpreter,
  CommandLineError,
  commandLabel,
  isPythonLaunchConfig,
  joinCommandLine,
  launchConfigCommand,
  parseRecentCommands,
  rememberCommand,
  runnerArgs,
  splitCommandLine,
  substituteVariables,
  terminalName,
  type LaunchVariables,
} from '../../src/core/commandLine';

describe('splitCommandLine', () => {
  it('splits on blanks and honours quotes and escapes', () => {
    assert.deepEqual(splitCommandLine('python  train.py --lr 0.1'), ['python', 'train.py', '--lr', '0.1']);
    assert.deepEqual(splitCommandLine(`python 'my script.py' "a \\"b\\" c" d\\ e`), ['python', 'my script.py', 'a "b" c', 'd e']);
    assert.deepEqual(splitCommandLine(`echo '' "" x`), ['echo', '', '', 'x']);
    assert.deepEqual(splitCommandLine(`a'b'"c"d`), ['abcd']);
    assert.deepEqual(splitCommandLine('a \\\n b'), ['a', 'b']);
    assert.deepEqual(splitCommandLine(`"back\\slash \\n"`), ['back\\slash \\n']);
    assert.deepEqual(splitCommandLine(`'$HOME' "x~"`), ['$HOME', 'x~']);
    assert.deepEqual(splitCommandLine('   '), []);
  });

  it('keeps non-ASCII and odd characters literal', () => {
    assert.deepEqual(splitCommandLine('python train.py --name=ünï*code?[x]'), ['python', 'train.py', '--name=ünï*code?[x]']);
    assert.deepEqual(splitCommandLine('a=b path/~x $'), ['a=b', 'path/~x', '$']);
  });

  it('refuses unterminated quotes and a trailing backslash with the column', () => {
    assert.throws(() => splitCommandLine(`python 'oops`), /Unterminated ' quote starting at column 8/);
    assert.throws(() => splitCommandLine('python "oops'), /Unterminated " quote starting at column 8/);
    assert.throws(() => splitCommandLine('python \\'), CommandLineError);
  });

  it('refuses what only a shell can do, naming it', () => {
    for (const text of ['a | b', 'a > out.txt', 'a && b', 'a; b', 'echo `id`', 'echo $HOME', 'echo "${X}"', 'cat ~/x', 'echo $(id)']) {
      assert.throws(
        () => splitCommandLine(text),
        (error: Error) => error instanceof CommandLineError && /needs a shell/.test(error.message),
        text,
      );
    }
  });

  it('reads back what joinCommandLine writes', () => {
    const cases = [['python', 'train.py'], ['a b', "it's", '', '$x', '`y`', 'ü', 'a"b', '\\', '~', '|', 'x\ny'], ['--lr=0.1']];
    for (const argv of cases) assert.deepEqual(splitCommandLine(joinCommandLine(argv)), argv);
    assert.equal(joinCommandLine(['python', 'train.py', '--lr=0.1']), 'python train.py --lr=0.1');
  });
});

describe('runnerArgs', () => {
  it('puts flags in --flag=value form before -- and the command', () => {
    assert.deepEqual(
      runnerArgs('/ext/dist/cli.js', { experiment: 'iris', name: '-odd', tags: { a: 'x=y' }, params: { lr: '0.1' } }, ['python3', 'train.py']),
      ['/ext/dist/cli.js', 'run', '--experiment=iris', '--name=-odd', '--tag=a=x=y', '--param=lr=0.1', '--', 'python3', 'train.py'],
    );
    assert.deepEqual(runnerArgs('cli', { experiment: '  ' }, ['x']), ['cli', 'run', '--', 'x']);
  });

  it('refuses an empty command and bad keys', () => {
    assert.throws(() => runnerArgs('cli', {}, []), /no command/);
    assert.throws(() => runnerArgs('cli', { tags: { 'a=b': 'c' } }, ['x']), /must not contain '='/);
    assert.throws(() => runnerArgs('cli', { params: { '': 'c' } }, ['x']), CommandLineError);
  });
});

describe('commandLabel and terminalName', () => {
  it('names the script or module of a Python command, else the program', () => {
    assert.equal(commandLabel(['/usr/bin/python3', 'src/train.py', '--lr', '1']), 'train.py');
    assert.equal(commandLabel(['python', '-u', 'C:\\work\\train.py']), 'train.py');
    assert.equal(commandLabel(['python3.12', '-m', 'pkg.train']), 'pkg.train');
    assert.equal(commandLabel(['python', '-c', 'print(1)']), 'python');
    assert.equal(commandLabel(['./run.sh', 'x']), 'run.sh');
    assert.equal(commandLabel([]), 'command');
    assert.equal(terminalName(['python3', 'train.py']), 'Labbook: train.py');
  });
});

describe('chooseInterpreter', () => {
  it('prefers the Python extension, then the setting, then the platform default', () => {
    assert.equal(chooseInterpreter({ pythonExtension: '/venv/bin/python', setting: '/usr/bin/python3', platform: 'linux' }), '/venv/bin/python');
    assert.equal(chooseInterpreter({ pythonExtension: ' ', setting: '/usr/bin/python3', platform: 'linux' }), '/usr/bin/python3');
    assert.equal(chooseInterpreter({ platform: 'linux' }), 'python3');
    assert.equal(chooseInterpreter({ setting: '', platform: 'win32' }), 'python');
  });
});

const vars: LaunchVariables = { workspaceFolder: '/ws', file: '/ws/src/train.py', env: { HOME: '/home/u' }, pathSeparator: '/' };

describe('launch configurations', () => {
  it('recognises Python launch configurations only', () => {
    assert.equal(isPythonLaunchConfig({ type: 'debugpy', request: 'launch' }), true);
    assert.equal(isPythonLaunchConfig({ type: 'labbook-debugpy', request: 'launch' }), true);
    assert.equal(isPythonLaunchConfig({ type: 'python', request: 'attach' }), false);
    assert.equal(isPythonLaunchConfig({ type: 'node', request: 'launch' }), false);
    assert.equal(isPythonLaunchConfig(null), false);
  });

  it('substitutes the variables it knows', () => {
    assert.equal(
      substituteVariables(
        '${workspaceFolder}|${workspaceFolderBasename}|${file}|${fileBasename}|${fileBasenameNoExtension}|${fileDirname}|${relativeFile}|${env:HOME}|${env:NOPE}|${/}',
        vars,
      ),
      '/ws|ws|/ws/src/train.py|train.py|train|/ws/src|src/train.py|/home/u||/',
    );
    assert.throws(() => substituteVariables('${command:pickArgs}', vars), /cannot be resolved/);
    assert.throws(() => substituteVariables('${file}', { ...vars, file: undefined }), /needs an open file/);
  });

  it('turns program, module, args, cwd, env and python into a command', () => {
    assert.deepEqual(
      launchConfigCommand(
        {
          name: 'Train',
          type: 'debugpy',
          request: 'launch',
          program: '${workspaceFolder}/train.py',
          args: ['--lr', '${env:HOME}'],
          cwd: '${workspaceFolder}/src',
          env: { A: '1', B: null },
        },
        'python3',
        vars,
      ),
      { name: 'Train', argv: ['python3', '/ws/train.py', '--lr', '/home/u'], cwd: '/ws/src', env: { A: '1' } },
    );
    assert.deepEqual(launchConfigCommand({ name: 'M', module: 'pkg.train', args: '--x "a b"', python: '/venv/bin/python' }, 'python3', vars), {
      name: 'M',
      argv: ['/venv/bin/python', '-m', 'pkg.train', '--x', 'a b'],
      cwd: '/ws',
      env: {},
    });
  });

  it('explains configurations it cannot run', () => {
    assert.throws(() => launchConfigCommand({ name: 'X' }, 'python3', vars), /neither "program" nor "module"/);
    assert.throws(() => launchConfigCommand({ name: 'X', program: 'a.py', args: [1] }, 'python3', vars), /"args" must be/);
    assert.throws(() => launchConfigCommand({ name: 'X', program: 'a.py', env: [] }, 'python3', vars), /"env" must be an object/);
    assert.throws(() => launchConfigCommand({ name: 'X', program: 7 }, 'python3', vars), /"program" must be a string/);
  });
});

describe('recent commands', () => {
  it('keeps the newest first, without duplicates, up to the limit', () => {
    const a = { argv: ['python', 'a.py'], cwd: '/ws' };
    const b = { argv: ['python', 'b.py'], cwd: '/ws' };
    assert.deepEqual(rememberCommand([a, b], b), [b, a]);
    assert.deepEqual(rememberCommand([a], b, 1), [b]);
  });

  it('drops malformed stored entries', () => {
    assert.deepEqual(parseRecentCommands('nope'), []);
    assert.deepEqual(parseRecentCommands([{ argv: [], cwd: '/' }, { argv: [1], cwd: '/' }, null, { argv: ['x'], cwd: '/w' }]), [
      { argv: ['x'], cwd: '/w' },
    ]);
  });
});
