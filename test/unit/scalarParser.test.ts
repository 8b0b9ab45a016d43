import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LineSplitter } from '../../src/capture/outputCapture';
import { MAX_SCANNED_CHARS, ScalarParser, metricPatternProblem, type ScalarParserOptions } from '../../src/capture/scalarParser';

const LOGS = join(__dirname, '..', 'fixtures', 'logs');
// A bound, not a timing assertion: catastrophic backtracking would hang instead of failing.
const HANG_GUARD = { timeout: 20_000 };

/** Metrics as `key=value@step` so expectations read like the output they come from. */
function render(metrics: { key: string; value: number; step: number | null }[]): string[] {
  return metrics.map((m) => `${m.key}=${m.value}@${m.step}`);
}

/** Every metric of a sequence of lines, parsed by one parser (so steps carry over). */
function parseAll(lines: string[], options?: ScalarParserOptions): string[] {
  const parser = new ScalarParser(options);
  return lines.flatMap((line) => render(parser.parseLine(line)));
}

/** A log file cut into lines as the runner cuts output (at `\n` and at tqdm's and Keras's `\r`). */
function parseFixture(name: string): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  splitter.write(readFileSync(join(LOGS, name)));
  splitter.end();
  return parseAll(lines);
}

function one(line: string, options?: ScalarParserOptions): string[] {
  return parseAll([line], options);
}

describe('ScalarParser on real-world output', () => {
  it('reads Keras progress lines at the epoch of the preceding "Epoch n/N", ignoring summaries and timings', () => {
    assert.deepEqual(parseFixture('keras.txt'), [
      'loss=0.6931@1',
      'accuracy=0.5@1',
      'val_loss=0.69@1',
      'val_accuracy=0.51@1',
      'loss=0.6512@2',
      'accuracy=0.625@2',
      'val_loss=0.645@2',
      'val_accuracy=0.63@2',
      'accuracy=0.7031@3',
      'loss=0.601@3',
      'val_accuracy=0.69@3',
      'val_loss=0.5987@3',
      'loss=0.599@3',
      'accuracy=0.695@3',
      'Test_accuracy=0.695@3',
    ]);
  });

  it('reads Lightning postfixes at the bar epoch, every redraw, not it/s, v_num or device banners', () => {
    assert.deepEqual(parseFixture('lightning.txt'), [
      'train_loss=0.701@0',
      'train_loss=0.693@0',
      'train_loss=0.693@0',
      'val_loss=0.65@0',
      'val_acc=0.61@0',
      'train_loss=0.598@1',
      'val_loss=0.571@1',
      'val_acc=0.702@1',
      'test_loss=0.5812345147132874@1',
      'test_acc=0.6875000238418579@1',
    ]);
  });

  it('reads tqdm postfixes from every redraw of a line, not percentages or rates', () => {
    assert.deepEqual(parseFixture('tqdm.txt'), [
      'loss=0.312@null',
      'acc=0.901@null',
      'loss=0.291@2',
      'loss=0.25@2',
      'loss=0.2@2',
      'lr=0.001@2',
      'val_loss=0.301@2',
    ]);
  });

  it('reads Hugging Face Trainer dicts (a fractional epoch is a metric, never a step; global_step is the step) and ignores its banner', () => {
    assert.deepEqual(parseFixture('hf_trainer.txt'), [
      'loss=0.6931@null',
      'grad_norm=2.3456@null',
      'learning_rate=0.000048@null',
      'epoch=0.13@null',
      'loss=0.5234@null',
      'grad_norm=3.1@null',
      'learning_rate=0.000045@null',
      'epoch=0.27@null',
      'eval_loss=0.4812@null',
      'eval_accuracy=0.8125@null',
      'eval_runtime=1.234@null',
      'eval_samples_per_second=162.1@null',
      'eval_steps_per_second=20.26@null',
      'epoch=1@null',
      'train_runtime=12.345@null',
      'train_samples_per_second=243@null',
      'train_steps_per_second=30.38@null',
      'total_flos=98765432109876@null',
      'train_loss=0.512345@null',
      'epoch=3@null',
      'training_loss=0.512345@375',
      'train_runtime=12.345@375',
      'train_loss=0.512345@375',
      'epoch=3@375',
    ]);
  });

  it('reads common hand-written prints', () => {
    assert.deepEqual(parseFixture('plain_prints.txt'), [
      'Loss=2.301234@1',
      'Loss=1.502345@1',
      'Average_loss=0.1234@1',
      'loss=0.512@2',
      'acc=0.83@2',
      'Loss=0.4412@3',
      'Acc=0.8612@3',
      'Val_Loss=0.4521@3',
      'Train_Loss=0.4012@3',
      'loss=0.25@3',
      'lr=0.0001@3',
      'loss=0.35@200',
      'val_accuracy=0.91@200',
      'loss=0.3012@300',
      'accuracy=0.93@300',
      'f1=0.9123@300',
      'Learning_rate=0.0005@300',
      'Final_accuracy=0.9312@300',
      'loss=NaN@300',
      'best_loss=-Infinity@300',
      'grad_norm=Infinity@300',
      'loss=0.21@400',
    ]);
  });

  it('finds nothing in noise: versions, times, addresses, paths, warnings, banners, percentages, garbage', () => {
    const lines = readFileSync(join(LOGS, 'noise.txt'), 'utf8').split('\n');
    assert.ok(lines.length > 50);
    for (const line of lines) assert.deepEqual(one(line), [], JSON.stringify(line));
  });
});

describe('ScalarParser pairs', () => {
  it('splits pairs on spaces, commas, bars, dashes, semicolons and tabs', () => {
    assert.deepEqual(one('epoch 3 | loss: 0.25 | acc: 0.91'), ['loss=0.25@3', 'acc=0.91@3']);
    assert.deepEqual(one('step=100, loss=0.3, lr=1e-4'), ['loss=0.3@100', 'lr=0.0001@100']);
    assert.deepEqual(one('a=1 b=2;c=3\td: 4 - e: 5'), ['a=1@null', 'b=2@null', 'c=3@null', 'd=4@null', 'e=5@null']);
  });

  it('accepts identifier keys with / . - _ inside and unicode letters, kept as written', () => {
    assert.deepEqual(one('train/loss=1 val.acc=2 top-1=3 Loss_2: 4'), ['train/loss=1@null', 'val.acc=2@null', 'top-1=3@null', 'Loss_2=4@null']);
    assert.deepEqual(one('précision: 0.5 | точность: 0.25 | 精度: 0.125'), ['précision=0.5@null', 'точность=0.25@null', '精度=0.125@null']);
  });

  it('rejects keys that do not look like identifiers', () => {
    for (const line of ['3rd: 1', '_x: 1', 'loss.: 1', 'a/: 1', '--lr=0.1', '"loss": 0.5', "x['a']=1", '?a=1&b=2', `${'k'.repeat(251)}=1`]) {
      assert.deepEqual(one(line), [], line);
    }
    assert.deepEqual(one(`${'k'.repeat(250)}=1`), [`${'k'.repeat(250)}=1@null`]);
  });

  it('needs a space after a colon so that cuda:0, host:port and file:line stay prose', () => {
    assert.deepEqual(one('loss:0.3'), []);
    assert.deepEqual(one('loss:  0.3'), ['loss=0.3@null']);
    assert.deepEqual(one('loss = 0.3'), ['loss=0.3@null']);
  });

  it('joins a qualifier word to the key and treats other leading words as prose', () => {
    assert.deepEqual(one('Train Loss: 0.5 | val loss: 0.4 | Best Val Acc: 0.9'), [
      'Train_Loss=0.5@null',
      'val_loss=0.4@null',
      'Best_Val_Acc=0.9@null',
    ]);
    assert.deepEqual(one('The loss: 0.5'), []);
    assert.deepEqual(one('Setting lr = 0.1'), []);
    assert.deepEqual(one('Setting lr=0.1'), ['lr=0.1@null'], 'key=value without spaces is a clear pair');
    assert.deepEqual(one('INFO loss: 0.3'), ['loss=0.3@null'], 'log levels are not prose');
    assert.deepEqual(one('epoch 1 loss: 0.3'), ['loss=0.3@1'], 'a number before the key is not prose');
  });

  it('keeps the last value of a key written twice on one line', () => {
    assert.deepEqual(one('loss=1 acc=2 loss=3'), ['acc=2@null', 'loss=3@null']);
    const many = Array.from({ length: 100 }, (_, i) => `k${i % 10}=${i}`).join(' ');
    assert.deepEqual(
      one(many),
      Array.from({ length: 10 }, (_, i) => `k${i}=${90 + i}@null`),
    );
  });

  it('rejects numbers followed by units, percent, fractions or prose', () => {
    for (const line of [
      'acc: 91.2%',
      'acc: 54 %',
      'time: 3ms',
      'Elapsed: 12.5s',
      'correct: 96/100',
      'correct: 96 / 100',
      'using: 0 TPU cores',
      'n: 1,234',
    ]) {
      assert.deepEqual(one(line), [], line);
    }
    assert.deepEqual(one('loss: 0.3 (best 0.2)'), ['loss=0.3@null']);
    assert.deepEqual(one('loss: 0.3 Val Loss: 0.4'), ['loss=0.3@null', 'Val_Loss=0.4@null']);
  });
});

describe('ScalarParser values', () => {
  it('reads the number forms Python, JSON and JavaScript print', () => {
    assert.deepEqual(one('a=1 b=-2 c=+3 d=0.5 e=.5 f=5. g=1e-4 h=-1.5E+3 i=123456789012345678901234567890'), [
      'a=1@null',
      'b=-2@null',
      'c=3@null',
      'd=0.5@null',
      'e=0.5@null',
      'f=5@null',
      'g=0.0001@null',
      'h=-1500@null',
      'i=1.2345678901234568e+29@null',
    ]);
    assert.deepEqual(one('a=nan b=NaN c=inf d=-inf e=Infinity f=-Infinity g=+inf'), [
      'a=NaN@null',
      'b=NaN@null',
      'c=Infinity@null',
      'd=-Infinity@null',
      'e=Infinity@null',
      'f=-Infinity@null',
      'g=Infinity@null',
    ]);
  });

  it('rounds decimals exactly like Number()', () => {
    for (const text of ['0.1', '0.3', '2.675', '1.0000000000000002', '123456789.123456789', '9007199254740993', '0.000001234', '1e308', '1e-320']) {
      assert.deepEqual(one(`x=${text}`), [`x=${Number(text)}@null`], text);
    }
  });

  it('rejects things that only start like numbers', () => {
    for (const value of ['1.2.3', '0x1F', '1e', '12abc', 'nano', 'info', '-', '.', '1_000', `${'9'.repeat(65)}`]) {
      assert.deepEqual(one(`x=${value}`), [], value);
    }
  });

  it('unwraps tensor(...) and numpy scalars', () => {
    assert.deepEqual(one("loss: tensor(0.6931, device='cuda:0', grad_fn=<NllLossBackward0>)"), ['loss=0.6931@null']);
    assert.deepEqual(one('acc=np.float32(0.5) n=np.int64(7)'), ['acc=0.5@null', 'n=7@null']);
    assert.deepEqual(one('x=tensor([1, 2])'), []);
  });
});

describe('ScalarParser dict lines', () => {
  it('takes numeric top-level entries of Python and JSON dicts', () => {
    assert.deepEqual(one("{'loss': 0.5, 'name': 'x', 'ok': True, 'none': None, 'nested': {'a': 1}, 'list': [1, 2], 'lr': 5e-05}"), [
      'loss=0.5@null',
      'lr=0.00005@null',
    ]);
    assert.deepEqual(one('{"loss": 0.5, "acc": NaN, "s": "a}b", "t": "it\'s \\"q\\""}'), ['loss=0.5@null', 'acc=NaN@null']);
    assert.deepEqual(one('{}'), []);
    assert.deepEqual(one("{'a': 1,}"), ['a=1@null']);
  });

  it('reads dicts inside text and free pairs around them', () => {
    assert.deepEqual(one("epoch 2 metrics {'loss': 0.5} lr=0.1 {'acc': 0.9}"), ['loss=0.5@2', 'lr=0.1@2', 'acc=0.9@2']);
  });

  it('sets the step from integer step/epoch entries only, which are not metrics; a fractional epoch is', () => {
    assert.deepEqual(parseAll(['{"epoch": 2, "loss": 1}', "{'epoch': 2.5, 'loss': 2}", "{'step': -1, 'loss': 3}"]), [
      'loss=1@2',
      'epoch=2.5@2',
      'loss=2@2',
      'loss=3@2',
    ]);
  });

  it('falls back to free pairs for brace text that is not a dict', () => {
    assert.deepEqual(one('config {lr: 0.1, depth: 3}'), ['lr=0.1@null', 'depth=3@null']);
    assert.deepEqual(one("{'loss': 0.5"), []);
  });
});

describe('ScalarParser steps', () => {
  it('reads step markers in their common forms', () => {
    const cases: [string, number][] = [
      ['Epoch 3/10', 3],
      ['epoch: 3', 3],
      ['[epoch 3]', 3],
      ['Epoch [4][50/100]', 4],
      ['step 100', 100],
      ['global_step=7', 7],
      ['Iteration 12', 12],
      ['iter: 5', 5],
      ['STEP 9', 9],
      ['Epoch 3: 100%|###| 3/3', 3],
    ];
    for (const [line, step] of cases) {
      const parser = new ScalarParser();
      parser.parseLine(line);
      assert.deepEqual(render(parser.parseLine('loss=1')), [`loss=1@${step}`], line);
    }
  });

  it('reads the step of a marker however its word, separator, brackets and total are written', () => {
    assert.deepEqual(parseAll(['Epoch [2][50/100] loss: 0.3', 'step 3/10x loss: 1', 'xstep 5 loss: 2']), ['loss=0.3@2', 'loss=1@3', 'loss=2@3']);
    assert.deepEqual(parseAll(['Global_Step: 9 a: 1', 'step 4 a: 2']), ['a=1@9', 'a=2@9']);
    assert.deepEqual(parseAll(['step 1234567890123456 loss: 1', 'iteration\t=\t[12] acc: 0.5', 'iter_step 40 acc: 0.6']), [
      'loss=1@null',
      'acc=0.5@12',
      'acc=0.6@12',
    ]);
  });

  it('filters keys by name wherever they stand in lines of the same format', () => {
    assert.deepEqual(parseAll(['loss: 1 | acc: 2', 'acc: 3 | loss: 4', 'loss: 5 | acc: 6'], { exclude: ['acc'] }), [
      'loss=1@null',
      'loss=4@null',
      'loss=5@null',
    ]);
  });

  it('ignores things that look like markers but are not', () => {
    for (const line of [
      'step 1.5',
      'step: 100%',
      'max_epoch 3',
      'checkpoint-epoch3.pt',
      'steps 10',
      'epochs: 4',
      'step -1',
      'Epoch 3s',
      'step 1234567890123456',
    ]) {
      const parser = new ScalarParser();
      parser.parseLine(line);
      assert.deepEqual(render(parser.parseLine('loss=1')), ['loss=1@null'], line);
    }
  });

  it('applies a marker to the whole line it is on, and the finest marker of a line wins', () => {
    assert.deepEqual(one('loss=0.3 step 100'), ['loss=0.3@100']);
    assert.deepEqual(one('Epoch 2 step 50 loss=1'), ['loss=1@50']);
  });

  it('keeps a marker written as a pair out of the metrics unless recordStepMarkers asks for it', () => {
    assert.deepEqual(one('epoch=3 loss=1'), ['loss=1@3']);
    assert.deepEqual(one('step=3 plain=3'), ['plain=3@3']);
    assert.deepEqual(one('Epoch 3/10 loss=1'), ['loss=1@3']);
    assert.deepEqual(one('epoch=0.5 loss=1'), ['epoch=0.5@null', 'loss=1@null'], 'a fractional epoch is progress, not a step');
    const record = { recordStepMarkers: true };
    assert.deepEqual(one('step=3 plain=3', record), ['step=3@3', 'plain=3@3']);
    assert.deepEqual(one("{'global_step': 7, 'loss': 1}", record), ['global_step=7@7', 'loss=1@7']);
    assert.deepEqual(
      one('step=3 plain=3', { patterns: ['(?<key>step)=(?<value>\\d+)'] }),
      ['plain=3@3', 'step=3@3'],
      'a pattern names its keys on purpose',
    );
  });

  it('does not let a coarser marker move the step back once a finer one was seen', () => {
    assert.deepEqual(parseAll(['epoch 1', 'loss=1', 'step 100', 'loss=2', 'epoch 2', 'val_loss=3', 'step 200', 'loss=4']), [
      'loss=1@1',
      'loss=2@100',
      'val_loss=3@100',
      'loss=4@200',
    ]);
  });

  it('keeps the step per parser instance', () => {
    const a = new ScalarParser();
    const b = new ScalarParser();
    a.parseLine('step 5');
    assert.deepEqual(render(b.parseLine('loss=1')), ['loss=1@null']);
    assert.deepEqual(render(a.parseLine('loss=1')), ['loss=1@5']);
  });
});

describe('ScalarParser line handling', () => {
  it('takes a line without its end: a carriage return inside is a control code (the splitter ends lines there)', () => {
    assert.deepEqual(one('loss=1\rloss=2'), []);
    assert.deepEqual(one('\r\r\r'), []);
  });

  it('strips ANSI colours and cursor moves', () => {
    assert.deepEqual(one('\x1b[32mloss\x1b[0m: \x1b[1m0.5\x1b[0m\x1b[K'), ['loss=0.5@null']);
    assert.deepEqual(one('\x1b]0;title\x07acc=0.5'), ['acc=0.5@null']);
  });

  it('yields nothing (and sets no step) for binary garbage or control codes', () => {
    const parser = new ScalarParser();
    for (const line of ['\x00loss=0.5', 'step 7 \x07', 'loss=\b0.5']) assert.deepEqual(render(parser.parseLine(line)), [], JSON.stringify(line));
    assert.deepEqual(render(parser.parseLine('x=1')), ['x=1@null']);
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)).toString('utf8');
    assert.deepEqual(render(parser.parseLine(random)), []);
  });

  it('reads around undecodable bytes (U+FFFD), which spoil only the pair they touch', () => {
    assert.deepEqual(one('loss=0.5 \ufffd\ufffd acc: 0.9'), ['loss=0.5@null', 'acc=0.9@null']);
    assert.deepEqual(one('loss=0.5\ufffd acc=\ufffd0.9 \ufffdlr=1 step 3 ok=1'), ['ok=1@3']);
  });

  it('skips argparse Namespace dumps (those are params)', () => {
    assert.deepEqual(one('Namespace(lr=0.01, epochs=10)'), []);
  });

  it('drops bookkeeping keys by default', () => {
    assert.deepEqual(one('v_num=3 pid=12 LOCAL_RANK: 0 world_size=2 loss=1'), ['loss=1@null']);
  });
});

describe('ScalarParser options', () => {
  it('adds pattern metrics, with an optional step group, and they win over built-in ones on the same key', () => {
    const options = { patterns: ['(?<key>acc) (?<value>[\\d.]+)%', 'it (?<step>\\d+): (?<key>\\w+) is (?<value>\\S+)'] };
    assert.deepEqual(parseAll(['acc 91.5%', 'it 12: loss is 0.5', 'x=1'], options), ['acc=91.5@null', 'loss=0.5@12', 'x=1@12']);
    assert.deepEqual(one('it 3: loss is 0.5 | loss: 9', options), ['loss=0.5@3']);
  });

  it('ignores pattern matches whose value is not a number or whose key is empty', () => {
    assert.deepEqual(one('acc is high', { patterns: ['(?<key>\\w+) is (?<value>\\w+)'] }), []);
    assert.deepEqual(one('acc is 5', { patterns: ['(?<key>x*)acc is (?<value>\\d+)'] }), []);
  });

  it('survives patterns that match the empty string', () => {
    assert.deepEqual(one('abc', { patterns: ['(?<key>)(?<value>)'] }), []);
  });

  it('runs only patterns when defaults are off', () => {
    const options = { defaults: false, patterns: ['score (?<key>\\w+) (?<value>\\d+)'] };
    assert.deepEqual(parseAll(['epoch 3', 'loss=1', 'score f1 7', 'v_num=1'], options), ['f1=7@null']);
  });

  it('filters keys with include and exclude globs (exclude wins)', () => {
    const line = 'loss=1 val_loss=2 val_acc=3 train/loss=4 lr=5';
    assert.deepEqual(one(line, { include: ['val_*', 'train/*'] }), ['val_loss=2@null', 'val_acc=3@null', 'train/loss=4@null']);
    assert.deepEqual(one(line, { exclude: ['lr', 'val_acc'] }), ['loss=1@null', 'val_loss=2@null', 'train/loss=4@null']);
    assert.deepEqual(one(line, { include: ['val_*'], exclude: ['*acc'] }), ['val_loss=2@null']);
  });

  it('throws for invalid patterns, naming them', () => {
    assert.throws(() => new ScalarParser({ patterns: ['(?<key>a'] }), /\(\?<key>a/);
    assert.throws(() => new ScalarParser({ patterns: ['(?<value>\\d+)'] }), /key/);
  });

  it('explains what is wrong with a pattern', () => {
    assert.equal(metricPatternProblem('(?<key>\\w+)=(?<value>\\S+)'), null);
    assert.equal(metricPatternProblem('(?<key>\\w+)=(?<value>\\S+)|(?<step>x)'), null);
    assert.match(metricPatternProblem('(') ?? '', /Invalid regular expression/);
    assert.match(metricPatternProblem('(?<key>\\w+)') ?? '', /value/);
  });
});

describe('ScalarParser on hostile input', HANG_GUARD, () => {
  it('scans only the first MAX_SCANNED_CHARS of a 10 MB line', () => {
    const head = 'loss=1 | ';
    const line = head + 'x'.repeat(10 * 1024 * 1024) + ' acc=2';
    assert.deepEqual(one(line), ['loss=1@null']);
    assert.deepEqual(one('a'.repeat(MAX_SCANNED_CHARS - 6) + ' b=1'), ['b=1@null']);
    assert.deepEqual(one('a'.repeat(MAX_SCANNED_CHARS - 2) + ' b=1'), []);
  });

  it('stays linear on separator, brace, digit and marker storms', () => {
    const size = MAX_SCANNED_CHARS;
    const storms = [
      '='.repeat(size),
      ':'.repeat(size),
      ': '.repeat(size / 2),
      'a='.repeat(size / 2),
      'a: '.repeat(size / 3),
      'a:'.repeat(size / 2),
      '{'.repeat(size),
      "{'a': ".repeat(size / 6),
      "{'a': 1, ".repeat(size / 9),
      '('.repeat(size),
      'tensor('.repeat(size / 7),
      '['.repeat(size) + ']'.repeat(size),
      'a'.repeat(size - 1) + ':',
      'a '.repeat(size / 2) + ': 1',
      'x ' + ' '.repeat(size) + '= 1',
      '1'.repeat(size),
      'x=' + '1'.repeat(size),
      'x=' + '1.'.repeat(size / 2),
      'x=1' + 'e'.repeat(size),
      'epoch' + ' '.repeat(size) + 'x',
      'epoch '.repeat(size / 6),
      'step [' + '1'.repeat(size),
      'Epoch 1/' + '1'.repeat(size),
      '\x1b]'.repeat(size / 2),
      '\x1b['.repeat(size / 2),
      '\r'.repeat(size),
      'x\r'.repeat(size / 2),
      'loss: 1 '.repeat(size / 8),
      'a b c d e f '.repeat(size / 12) + 'loss: 1',
      "{'a': '" + "\\'".repeat(size / 2),
      'loss=0.3 ' + 'word '.repeat(size / 5),
      'k=1 '.repeat(size / 4),
    ];
    for (const line of storms) {
      const parser = new ScalarParser({ exclude: ['zzz'] });
      assert.ok(Array.isArray(parser.parseLine(line)));
    }
  });

  it('handles weird unicode without inventing metrics', () => {
    assert.deepEqual(one('loss\u200b: 0.5'), []);
    assert.deepEqual(one('loss\uff1a 0.5'), [], 'full-width colon');
    assert.deepEqual(one('\u202eloss=0.5'), []);
    assert.deepEqual(one('\ud800loss=0.5'), []);
    assert.deepEqual(one('💥 loss: 0.5 🔥'), ['loss=0.5@null']);
    assert.deepEqual(one('e\u0301poque=3'), ['e\u0301poque=3@null'], 'combining marks stay in the key');
  });

  it('does not confuse object-prototype names with anything special', () => {
    assert.deepEqual(one('constructor: 1 | __proto__=2 | toString=3 | x=valueOf'), ['constructor=1@null', 'toString=3@null']);
    const parser = new ScalarParser();
    parser.parseLine("{'constructor': 4, '__proto__': 5}");
    assert.deepEqual(render(parser.parseLine('loss=1')), ['loss=1@null']);
  });
});
