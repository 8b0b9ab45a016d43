import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { paramsFromArgv, paramsFromFile, scriptOfCommand } from '../../src/capture/argvParams';

describe('paramsFromArgv', () => {
  it('reads --key value, --key=value and single-dash -key value', () => {
    assert.deepEqual(paramsFromArgv(['--lr', '0.01', '--epochs=3', '-bs', '32', '-v']), { lr: '0.01', epochs: '3', bs: '32', v: 'true' });
  });

  it('turns flags without a value into true and keeps --no-x as its own key', () => {
    assert.deepEqual(paramsFromArgv(['--amp', '--no-amp', '--lr', '1', '--last']), { amp: 'true', 'no-amp': 'true', lr: '1', last: 'true' });
  });

  it('takes negative numbers as values', () => {
    assert.deepEqual(paramsFromArgv(['--shift', '-1', '--eps', '-1e-3', '--x', '-.5', '--y', '-inf', '--z', '-v']), {
      shift: '-1',
      eps: '-1e-3',
      x: '-.5',
      y: '-inf',
      z: 'true',
      v: 'true',
    });
  });

  it('reads Hydra overrides, skipping deletions', () => {
    assert.deepEqual(paramsFromArgv(['lr=0.01', 'model.depth=3', '+x=1', '++y=2', '~z', '~w=1', 'db@backup=pg', 'model/encoder=resnet']), {
      lr: '0.01',
      'model.depth': '3',
      x: '1',
      y: '2',
      'db@backup': 'pg',
      'model/encoder': 'resnet',
    });
  });

  it('does not take a Hydra override as the value of a flag (hydra -m a=1)', () => {
    assert.deepEqual(paramsFromArgv(['-m', 'lr=0.1,0.2', '--cfg', '~x']), { m: 'true', lr: '0.1,0.2', cfg: 'true' });
    assert.deepEqual(paramsFromArgv(['--data', '~/data']), { data: '~/data' });
  });

  it('keeps the last of repeated keys', () => {
    assert.deepEqual(paramsFromArgv(['--lr', '1', '--lr=2', 'lr=3']), { lr: '3' });
    assert.deepEqual(paramsFromArgv(['lr=3', '--lr', '4']), { lr: '4' });
  });

  it('keeps values verbatim: spaces, quotes, unicode, =, empty', () => {
    assert.deepEqual(paramsFromArgv(['--name', 'my "best" run', '--note=a=b', '--emoji', 'λ 🚀', '--empty=', 'title=  x ']), {
      name: 'my "best" run',
      note: 'a=b',
      emoji: 'λ 🚀',
      empty: '',
      title: '  x ',
    });
  });

  it('strips only leading dashes from keys', () => {
    assert.deepEqual(paramsFromArgv(['--learning-rate', '1', '---x', '2', '--model.depth', '3', '--a_b-c.d', '4']), {
      'learning-rate': '1',
      x: '2',
      'model.depth': '3',
      'a_b-c.d': '4',
    });
  });

  it('ignores positionals, lone dashes, empty keys and everything after --', () => {
    assert.deepEqual(paramsFromArgv(['data.csv', '-', '--=1', '--', '--lr', '1', 'x=2']), {});
    assert.deepEqual(paramsFromArgv(['--flag', '--']), { flag: 'true' });
    assert.deepEqual(paramsFromArgv([]), {});
  });

  it('treats prototype-looking keys as plain keys', () => {
    const params = paramsFromArgv(['--__proto__', 'x', 'constructor=1']);
    assert.equal(Object.getPrototypeOf(params), Object.prototype);
    assert.equal(params.__proto__, 'x');
    assert.equal(params.constructor, '1');
    assert.deepEqual(Object.keys(params), ['__proto__', 'constructor']);
  });

  it('copes with many and huge arguments', () => {
    const argv = Array.from({ length: 10_000 }, (_, i) => `--k${i}=${i}`);
    assert.equal(Object.keys(paramsFromArgv(argv)).length, 10_000);
    const big = 'v'.repeat(1_000_000);
    assert.equal(paramsFromArgv(['--big', big]).big, big);
    assert.deepEqual(paramsFromArgv(['='.repeat(1000), '-'.repeat(1000), `--${'='.repeat(1000)}`]), {});
  });
});

describe('scriptOfCommand', () => {
  const cases: [string[], ReturnType<typeof scriptOfCommand>][] = [
    [['python3', 'train.py', '--lr', '1'], { script: 'train.py', module: false, args: ['--lr', '1'] }],
    [['python', '-u', '-W', 'ignore', '-X', 'dev', 'x.py', 'a'], { script: 'x.py', module: false, args: ['a'] }],
    [['/usr/bin/python3.11', '-B', 'src/x.py'], { script: 'src/x.py', module: false, args: [] }],
    [['C:\\Python311\\python.exe', 'x.py', 'a'], { script: 'x.py', module: false, args: ['a'] }],
    [['python', '-m', 'pkg.mod', '--lr', '1'], { script: 'pkg.mod', module: true, args: ['--lr', '1'] }],
    [['python', '-mpkg.mod', 'x=1'], { script: 'pkg.mod', module: true, args: ['x=1'] }],
    [['python', '-c', 'print(1)', 'a'], { script: null, module: false, args: ['a'] }],
    [['python', '-'], { script: null, module: false, args: [] }],
    [['python'], { script: null, module: false, args: [] }],
    [['node', '--import', 'tsx', 'x.ts', '--a'], { script: 'x.ts', module: false, args: ['--a'] }],
    [['node', 'x.js'], { script: 'x.js', module: false, args: [] }],
    [['./x.sh', 'a'], { script: './x.sh', module: false, args: ['a'] }],
    [['bash', '-e', 'run.sh', 'a'], { script: 'run.sh', module: false, args: ['a'] }],
    [['uv', 'run', 'x.py', '--lr', '1'], { script: 'x.py', module: false, args: ['--lr', '1'] }],
    [['uv', 'run', '--with', 'numpy', 'python', '-u', 'x.py'], { script: 'x.py', module: false, args: [] }],
    [['poetry', 'run', 'python', '-m', 'app'], { script: 'app', module: true, args: [] }],
    [['conda', 'run', '-n', 'ml', 'python', 'x.py'], { script: 'x.py', module: false, args: [] }],
    [['CUDA_VISIBLE_DEVICES=0', 'python', 'x.py'], { script: 'x.py', module: false, args: [] }],
    [['torchrun', '--nproc_per_node', '2', 'train.py', '--lr', '1'], { script: 'train.py', module: false, args: ['--lr', '1'] }],
    [['accelerate', 'launch', 'train.py'], { script: 'train.py', module: false, args: [] }],
    [['./train', '--lr', '1'], { script: './train', module: false, args: ['--lr', '1'] }],
    [['make', 'train'], { script: 'make', module: false, args: ['train'] }],
    [['constructor', 'run', 'x'], { script: 'constructor', module: false, args: ['run', 'x'] }],
    [[], { script: null, module: false, args: [] }],
    [['A=1'], { script: null, module: false, args: [] }],
  ];
  for (const [command, expected] of cases) {
    it(`finds the script of ${JSON.stringify(command)}`, () => {
      assert.deepEqual(scriptOfCommand(command), expected);
    });
  }
});

describe('paramsFromFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-params-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('flattens nested YAML with dots, lists as JSON, null as null', () => {
    const path = write(
      'params.yaml',
      [
        'lr: 0.001',
        'name: resnet',
        'amp: true',
        'nothing: null',
        'empty: ""',
        'when: 2024-01-01',
        'model:',
        '  depth: 3',
        '  layers: [64, 128]',
        '  opt:',
        '    name: adam',
        '    betas: [0.9, 0.999]',
        'tags: [a, {b: 1}]',
        'blank: {}',
      ].join('\n'),
    );
    assert.deepEqual(paramsFromFile(path), {
      lr: '0.001',
      name: 'resnet',
      amp: 'true',
      nothing: 'null',
      empty: '',
      when: '2024-01-01',
      'model.depth': '3',
      'model.layers': '[64,128]',
      'model.opt.name': 'adam',
      'model.opt.betas': '[0.9,0.999]',
      tags: '["a",{"b":1}]',
      blank: '{}',
    });
  });

  it('reads JSON, including a byte-order mark', () => {
    const path = write('params.json', '\uFEFF{"lr": 0.5, "model": {"depth": 2, "act": null}, "ids": [1, [2]], "big": 1e400}');
    assert.deepEqual(paramsFromFile(path), { lr: '0.5', 'model.depth': '2', 'model.act': 'null', ids: '[1,[2]]', big: 'Infinity' });
  });

  it('gives {} for a missing or empty file', () => {
    assert.deepEqual(paramsFromFile(join(dir, 'absent.yaml')), {});
    assert.deepEqual(paramsFromFile(write('empty.yaml', '')), {});
    assert.deepEqual(paramsFromFile(write('comments.yaml', '# nothing yet\n')), {});
  });

  it('throws an error naming the file and the problem for malformed files', () => {
    const bad: [string, string, RegExp][] = [
      ['bad.json', '{"lr": 0.1,', /bad\.json: cannot parse: .*JSON/],
      ['bad.yaml', 'lr: [1, 2\nx: : :', /bad\.yaml: cannot parse/],
      ['dupes.yaml', 'lr: 1\nlr: 2\n', /dupes\.yaml: cannot parse: .*unique/],
      ['list.yaml', '- 1\n- 2\n', /list\.yaml: the top level must be a mapping/],
      ['scalar.json', '42', /scalar\.json: the top level must be a mapping/],
      [
        'bomb.yaml',
        'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
        /bomb\.yaml: cannot parse/,
      ],
    ];
    for (const [name, text, message] of bad) assert.throws(() => paramsFromFile(write(name, text)), message, name);
  });

  it('refuses hostile nesting with a clear error instead of overflowing the stack', () => {
    const deepJson = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    assert.throws(() => paramsFromFile(write('deep.json', deepJson)), /deep\.json: .*(nested deeper than 64 levels|cannot parse)/);
    const nested65 = '{"a":'.repeat(65) + '1' + '}'.repeat(65);
    assert.throws(() => paramsFromFile(write('deep65.json', nested65)), /deep65\.json: nested deeper than 64 levels/);
    const nested64 = '{"a":'.repeat(64) + '1' + '}'.repeat(64);
    assert.deepEqual(Object.values(paramsFromFile(write('deep64.json', nested64))), ['1']);
    const deepList = '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    assert.throws(() => paramsFromFile(write('deeplist.json', deepList)), /deeplist\.json: /);
    const deepYaml = 'a: ' + '['.repeat(20_000) + ']'.repeat(20_000);
    assert.throws(() => paramsFromFile(write('deep.yaml', deepYaml)), /deep\.yaml: /);
  });

  it('throws for unreadable paths and oversized files', () => {
    mkdirSync(join(dir, 'folder.yaml'));
    assert.throws(() => paramsFromFile(join(dir, 'folder.yaml')), /folder\.yaml: cannot read/);
    const huge = write('huge.json', Buffer.alloc(16 * 1024 * 1024 + 1, 32));
    assert.throws(() => paramsFromFile(huge), /huge\.json: .*too large/);
  });

  it('keeps odd keys as written', () => {
    const path = write('odd.json', '{"__proto__": {"x": 1}, "a.b": 1, "a": {"c": 2}, "ключ": "значение", "": 3}');
    const params = paramsFromFile(path);
    assert.equal(Object.getPrototypeOf(params), Object.prototype);
    assert.deepEqual({ ...params }, { '__proto__.x': '1', 'a.b': '1', 'a.c': '2', ключ: 'значение', '': '3' });
  });
});
