import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_CONFIG, loadConfig, matchesAny, validateConfig, type LabbookConfig } from '../../src/capture/config';
import { compileGlobs } from '../../src/capture/glob';
import { parseYamlText } from '../../src/capture/yamlText';

const root = mkdtempSync(join(tmpdir(), 'labbook-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A fresh workspace holding the given files. */
function workspace(files: Record<string, string | Buffer>): string {
  const dir = join(root, `ws${counter++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function load(yaml: string): { config: LabbookConfig; warnings: string[] } {
  return loadConfig(workspace({ 'labbook.yaml': yaml }));
}

function copyOfDefaults(): LabbookConfig {
  return structuredClone(DEFAULT_CONFIG) as LabbookConfig;
}

describe('DEFAULT_CONFIG', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(DEFAULT_CONFIG.params, { files: ['params.yaml', 'params.json'], fromArgv: true });
    assert.deepEqual(DEFAULT_CONFIG.metrics, { patterns: [], include: [], exclude: [], builtin: true, recordStepMarkers: false, fromLogFiles: true });
    assert.equal(
      DEFAULT_CONFIG.artifacts.inputs,
      undefined,
      "unset: a run's reads are its inputs (data/** for programs whose reads are not recorded)",
    );
    assert.deepEqual(DEFAULT_CONFIG.artifacts.dataRoots, []);
    assert.deepEqual(DEFAULT_CONFIG.environment.variables, ['CUDA_VISIBLE_DEVICES', 'OMP_NUM_THREADS', 'PYTHONHASHSEED']);
    assert.equal(DEFAULT_CONFIG.artifacts.maxFileBytes, 2 * 1024 ** 3);
    for (const ext of [
      '.pkl',
      '.joblib',
      '.pt',
      '.pth',
      '.onnx',
      '.safetensors',
      '.h5',
      '.keras',
      '.ckpt',
      '.bin',
      '.pb',
      '.tflite',
      '.mlmodel',
      '.cbm',
      '.lgb',
      '.xgb',
    ]) {
      assert.ok(DEFAULT_CONFIG.artifacts.modelExtensions.includes(ext), ext);
    }
    assert.ok(!DEFAULT_CONFIG.artifacts.modelExtensions.includes('.json'));
    assert.equal(DEFAULT_CONFIG.experiment, undefined);
    assert.equal(DEFAULT_CONFIG.primaryMetric, undefined);
  });

  it('default output globs catch output folders and model files at any depth, nothing else', () => {
    const outputs = DEFAULT_CONFIG.artifacts.outputs;
    for (const path of [
      'outputs/a.txt',
      'outputs/run/1/model.pt',
      'models/m.onnx',
      'checkpoints/last.ckpt',
      'model.pkl',
      'weights.safetensors',
      'examples/iris/models/iris.pkl',
      'src/model.pkl',
    ]) {
      assert.ok(matchesAny(path, outputs), path);
    }
    for (const path of ['train.py', 'data/x.csv', 'README.md', 'src/notes.txt', '.cache/models/x.pt']) assert.ok(!matchesAny(path, outputs), path);
  });

  it('is frozen so nobody changes the defaults by accident', () => {
    assert.throws(() => (DEFAULT_CONFIG.metrics.include as string[]).push('x'), TypeError);
    assert.throws(() => {
      DEFAULT_CONFIG.artifacts.maxFileBytes = 1;
    }, TypeError);
  });
});

describe('loadConfig', () => {
  it('returns the defaults and no path without a config file', () => {
    const result = loadConfig(workspace({}));
    assert.deepEqual(result, { config: copyOfDefaults(), warnings: [], path: null });
    assert.ok(!Object.isFrozen(result.config.metrics.include), 'callers get their own copy');
  });

  it('returns the defaults for a missing workspace folder', () => {
    assert.deepEqual(loadConfig(join(root, 'does-not-exist')), { config: copyOfDefaults(), warnings: [], path: null });
  });

  it('reads every field', () => {
    const dir = workspace({
      'labbook.yaml': [
        'experiment: mnist',
        'primaryMetric: val_loss',
        'metrics:',
        '  patterns: ["acc=(?<value>\\\\d+)%(?<key>)", "(?<key>\\\\w+) -> (?<value>\\\\S+)"]',
        '  include: [val_*, loss]',
        '  exclude: [lr]',
        '  builtin: false',
        '  recordStepMarkers: true',
        '  fromLogFiles: false',
        'params:',
        '  files: [conf/params.yaml]',
        '  fromArgv: false',
        'artifacts:',
        '  outputs: ["out/**"]',
        '  inputs: ["datasets/**", "*.csv"]',
        '  dataRoots: [/mnt/shared]',
        '  modelExtensions: [.PT, onnx]',
        '  maxFileBytes: 1048576',
        'environment:',
        '  variables: [SEED, TORCH_*]',
        'system:',
        '  interval: 10',
        '  firstMinuteInterval: 0.5',
        'remotes:',
        '  origin: { url: "https://mlflow.example", tokenEnv: MLFLOW_TOKEN }',
        'drift:',
        '  driftShare: 0.4',
        '  ignore: [id]',
        '  columns:',
        '    age: { method: wasserstein, threshold: 0.2 }',
      ].join('\n'),
    });
    const { config, warnings, path } = loadConfig(dir);
    assert.deepEqual(warnings, []);
    assert.equal(path, join(dir, 'labbook.yaml'));
    assert.deepEqual(config, {
      experiment: 'mnist',
      primaryMetric: 'val_loss',
      metrics: {
        patterns: ['acc=(?<value>\\d+)%(?<key>)', '(?<key>\\w+) -> (?<value>\\S+)'],
        include: ['val_*', 'loss'],
        exclude: ['lr'],
        builtin: false,
        recordStepMarkers: true,
        fromLogFiles: false,
      },
      params: { files: ['conf/params.yaml'], fromArgv: false },
      artifacts: {
        outputs: ['out/**'],
        inputs: ['datasets/**', '*.csv'],
        dataRoots: ['/mnt/shared'],
        modelExtensions: ['.pt', '.onnx'],
        maxFileBytes: 1048576,
      },
      environment: { variables: ['SEED', 'TORCH_*'] },
      gates: [],
      sweeps: {},
      system: { interval: 10, firstMinuteInterval: 0.5 },
      remotes: { origin: { url: 'https://mlflow.example', tokenEnv: 'MLFLOW_TOKEN' } },
      drift: { driftShare: 0.4, ignore: ['id'], columns: { age: { method: 'wasserstein', threshold: 0.2 } } },
    });
  });

  it('reads .labbook.yaml, and prefers labbook.yaml when both exist', () => {
    const hidden = workspace({ '.labbook.yaml': 'experiment: hidden' });
    assert.equal(loadConfig(hidden).config.experiment, 'hidden');
    assert.equal(loadConfig(hidden).path, join(hidden, '.labbook.yaml'));
    const both = loadConfig(workspace({ 'labbook.yaml': 'experiment: main', '.labbook.yaml': 'experiment: hidden' }));
    assert.equal(both.config.experiment, 'main');
    assert.deepEqual(both.warnings, ['.labbook.yaml is ignored because labbook.yaml exists']);
  });

  it('keeps defaults for fields the file leaves out or sets to null', () => {
    const { config, warnings } = load('metrics:\n  exclude: [v_*]\nparams:\nartifacts:\n  inputs: null\n');
    assert.deepEqual(warnings, []);
    const expected = copyOfDefaults();
    expected.metrics.exclude = ['v_*'];
    assert.deepEqual(config, expected);
  });

  it('accepts a single string where a list is expected', () => {
    assert.deepEqual(load('metrics:\n  exclude: v_num\n').config.metrics.exclude, ['v_num']);
  });

  it('treats an empty or comment-only file as the defaults', () => {
    for (const text of ['', '# nothing\n', '---\n', '\uFEFF']) {
      const { config, warnings } = load(text);
      assert.deepEqual({ config, warnings }, { config: copyOfDefaults(), warnings: [] }, JSON.stringify(text));
    }
  });

  it('warns about each mistyped field, naming it, and falls back to its default only', () => {
    const { config, warnings } = load(
      [
        'experiment: 42',
        'primaryMetric: ""',
        'metrics:',
        '  patterns: "(?<key>a)(?<value>1)"',
        '  include: [1, 2]',
        '  exclude: {a: 1}',
        '  builtin: "yes"',
        'params:',
        '  files: [params.yaml, ""]',
        '  fromArgv: 1',
        'artifacts:',
        '  outputs: true',
        '  inputs: [data/**]',
        '  modelExtensions: [.pt, null]',
        '  maxFileBytes: -1',
      ].join('\n'),
    );
    assert.deepEqual(warnings, [
      'labbook.yaml: experiment must be a non-empty string; ignoring it',
      'labbook.yaml: primaryMetric must be a non-empty string; ignoring it',
      'labbook.yaml: metrics.include must be a list of non-empty strings; using the default',
      'labbook.yaml: metrics.exclude must be a list of non-empty strings; using the default',
      'labbook.yaml: metrics.builtin must be true or false; using the default',
      'labbook.yaml: params.files must be a list of non-empty strings; using the default',
      'labbook.yaml: params.fromArgv must be true or false; using the default',
      'labbook.yaml: artifacts.outputs must be a list of non-empty strings; using the default',
      'labbook.yaml: artifacts.modelExtensions must be a list of non-empty strings; using the default',
      'labbook.yaml: artifacts.maxFileBytes must be a whole number of bytes (0 or more); using the default',
    ]);
    const expected = copyOfDefaults();
    expected.metrics.patterns = ['(?<key>a)(?<value>1)'];
    expected.artifacts.inputs = ['data/**'];
    assert.deepEqual(config, expected);
  });

  it('rejects byte counts that are not whole, finite and safe', () => {
    for (const value of ['1.5', '.inf', '.nan', '9007199254740993', '"1GB"', '[1]']) {
      const { config, warnings } = load(`artifacts:\n  maxFileBytes: ${value}\n`);
      assert.equal(config.artifacts.maxFileBytes, DEFAULT_CONFIG.artifacts.maxFileBytes, value);
      assert.equal(warnings.length, 1, value);
    }
    assert.equal(load('artifacts:\n  maxFileBytes: 0\n').config.artifacts.maxFileBytes, 0);
  });

  it('warns about unknown keys at any level and ignores them', () => {
    const { config, warnings } = load('experimnt: x\nmetrics:\n  includes: [a]\n  builtin: false\nartifacts:\n  max: 1\n7: seven\n');
    assert.deepEqual(warnings, [
      "labbook.yaml: unknown key '7' is ignored",
      "labbook.yaml: unknown key 'experimnt' is ignored",
      "labbook.yaml: unknown key 'metrics.includes' is ignored",
      "labbook.yaml: unknown key 'artifacts.max' is ignored",
    ]);
    assert.equal(config.metrics.builtin, false);
    assert.equal(config.experiment, undefined);
  });

  it('warns about sections that are not mappings', () => {
    const { config, warnings } = load('metrics: [a]\nparams: 3\nartifacts: text\n');
    assert.deepEqual(warnings, [
      'labbook.yaml: metrics must be a mapping; using the defaults for it',
      'labbook.yaml: params must be a mapping; using the defaults for it',
      'labbook.yaml: artifacts must be a mapping; using the defaults for it',
    ]);
    assert.deepEqual(config, copyOfDefaults());
    assert.deepEqual(load('- a\n- b\n').warnings, ['labbook.yaml: the top level must be a mapping; using the defaults']);
    assert.deepEqual(load('just text\n').warnings, ['labbook.yaml: the top level must be a mapping; using the defaults']);
  });

  it('drops invalid metric patterns one by one, saying why', () => {
    const { config, warnings } = load('metrics:\n  patterns: ["(?<key>\\\\w+)=(?<value>\\\\d+)", "(", "(?<value>\\\\d+)"]\n');
    assert.deepEqual(config.metrics.patterns, ['(?<key>\\w+)=(?<value>\\d+)']);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /^labbook\.yaml: metrics\.patterns\[1\] \/\(\/ is ignored: Invalid regular expression/);
    assert.match(warnings[1], /^labbook\.yaml: metrics\.patterns\[2\] .* is ignored: needs named groups/);
  });

  it('never throws for malformed, hostile or unreadable files', () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['syntax', 'metrics: [a\nb: : :', /^labbook\.yaml cannot be read: .*\(line \d+, column \d+\); using the defaults$/],
      ['dupes', 'experiment: a\nexperiment: b\n', /^labbook\.yaml cannot be read: Map keys must be unique/],
      ['two docs', 'experiment: a\n---\nexperiment: b\n', /more than one YAML document/],
      ['deep flow', `metrics: ${'['.repeat(50_000)}${']'.repeat(50_000)}`, /nested deeper than 200 levels/],
      ['deep block', Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1', /nested deeper than 200 levels/],
      [
        'aliases',
        'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
        /cannot be read/,
      ],
      ['binary', Buffer.from([0, 159, 146, 150, 255, 0, 1, 2]), /cannot be read|top level must be a mapping/],
      ['huge', Buffer.alloc(1024 * 1024 + 1, 'a'), /larger than 1048576 bytes/],
    ];
    for (const [name, text, message] of cases) {
      const { config, warnings } = loadConfig(workspace({ 'labbook.yaml': text }));
      assert.deepEqual(config, copyOfDefaults(), name);
      assert.equal(warnings.length, 1, `${name}: ${warnings.join(' | ')}`);
      assert.match(warnings[0], message, name);
    }
  });

  it('reads drift settings per column and warns about bad methods, thresholds and shares', () => {
    const { config, warnings } = load(
      'drift:\n  driftShare: 0.3\n  ignore: [id]\n  columns:\n    age: { method: ks, threshold: 0.01 }\n    city: { method: psi, threshold: -1 }\n',
    );
    assert.deepEqual(config.drift, { driftShare: 0.3, ignore: ['id'], columns: { age: { method: 'ks', threshold: 0.01 } } });
    assert.deepEqual(warnings, [
      'labbook.yaml: drift.columns.city.method must be one of ks, chisquare, z, wasserstein, jensenshannon; using the default',
      'labbook.yaml: drift.columns.city.threshold must be a number above 0; using the default',
    ]);
    const bad = load('drift:\n  driftShare: 2\n');
    assert.equal(bad.config.drift.driftShare, 0.5);
    assert.deepEqual(bad.warnings, ['labbook.yaml: drift.driftShare must be a number above 0 and at most 1; using the default']);
  });

  it('keeps sampling intervals between 0.1 s and an hour', () => {
    const { config, warnings } = load('system:\n  interval: 0\n  firstMinuteInterval: fast\n');
    assert.deepEqual(config.system, { interval: 5, firstMinuteInterval: 1 });
    assert.deepEqual(warnings, [
      'labbook.yaml: system.interval must be a number of seconds from 0.1 to 3600; using the default',
      'labbook.yaml: system.firstMinuteInterval must be a number of seconds from 0.1 to 3600; using the default',
    ]);
  });

  it('ignores a folder named labbook.yaml', () => {
    const dir = workspace({});
    mkdirSync(join(dir, 'labbook.yaml'));
    assert.deepEqual(loadConfig(dir), { config: copyOfDefaults(), warnings: [], path: null });
  });
});

describe('validateConfig', () => {
  it('validates already-parsed data without touching the defaults', () => {
    const warnings: string[] = [];
    const config = validateConfig({ metrics: { include: ['a'] } }, 'x.yaml', warnings);
    assert.deepEqual(config.metrics.include, ['a']);
    assert.deepEqual(DEFAULT_CONFIG.metrics.include, []);
    assert.deepEqual(warnings, []);
    config.params.files.push('more.yaml');
    assert.deepEqual(DEFAULT_CONFIG.params.files, ['params.yaml', 'params.json']);
  });
});

describe('matchesAny', () => {
  it('matches globs relative to the run folder, either slash style', () => {
    assert.ok(matchesAny('outputs/a/b.txt', ['outputs/**']));
    assert.ok(matchesAny('outputs\\a\\b.txt', ['outputs/**']));
    assert.ok(matchesAny('model.pt', ['*.pt']));
    assert.ok(!matchesAny('sub/model.pt', ['*.pt']));
    assert.ok(matchesAny('sub/model.pt', ['**/*.pt']));
    assert.ok(matchesAny('a', ['{a,b}']));
    assert.ok(!matchesAny('outputs/.cache/x', ['outputs/**']), 'wildcards skip dotfiles');
    assert.ok(!matchesAny('anything', []));
  });

  it('survives hostile patterns and paths', () => {
    assert.ok(!matchesAny('a'.repeat(10_000), ['*'.repeat(1000) + 'b']));
    assert.ok(matchesAny('[x', ['[x']));
    assert.ok(!matchesAny('x', ['(', ')', '[', '{', '\\']));
    assert.ok(matchesAny('ключ/файл.pt', ['ключ/*.pt']));
  });

  it('compiles a reusable matcher', () => {
    const match = compileGlobs(['val_*', 'train/*']);
    assert.deepEqual(['val_loss', 'train/loss', 'loss', 'train/a/b'].map(match), [true, true, false, false]);
  });
});

describe('gates in labbook.yaml', () => {
  const read = (yaml: string): { gates: LabbookConfig['gates']; warnings: string[] } => {
    const warnings: string[] = [];
    return { gates: validateConfig(parseYamlText(yaml), 'labbook.yaml', warnings).gates, warnings };
  };

  it('reads gates with named, directed and delta conditions; defaults name the model and metrics', () => {
    const { gates, warnings } = read(`gates:
  - model: churn
    metrics: [val_loss]
  - name: beats the champion
    model: churn
    against: '@champion'
    candidate: '@best:val_auc'
    metrics:
      - metric: val_auc
        minDelta: 0.01
      - metric: latency
        direction: lower
`);
    assert.deepEqual(warnings, []);
    assert.deepEqual(gates, [
      { name: 'churn: val_loss', model: 'churn', metrics: [{ metric: 'val_loss' }] },
      {
        name: 'beats the champion',
        model: 'churn',
        against: '@champion',
        candidate: '@best:val_auc',
        metrics: [
          { metric: 'val_auc', minDelta: 0.01 },
          { metric: 'latency', direction: 'lower' },
        ],
      },
    ]);
  });

  it('leaves out what cannot be used, each with a warning naming the field', () => {
    const { gates, warnings } = read(`gates:
  - metrics: [loss]
  - model: m
    metrics: []
  - model: m
    metrics:
      - metric: loss
        direction: sideways
        minDelta: -1
        typo: 1
  - model: m
    metrics: [loss]
`);
    assert.deepEqual(gates, [{ name: 'm: loss', model: 'm', metrics: [{ metric: 'loss' }] }]);
    assert.deepEqual(warnings, [
      "labbook.yaml: gates[0] must be a mapping with 'model' and 'metrics'; this gate is left out",
      'labbook.yaml: gates[1] has no usable metrics; this gate is left out',
      "labbook.yaml: unknown key 'gates[2].metrics[0].typo' is ignored",
      "labbook.yaml: gates[2].metrics[0].direction must be 'lower' or 'higher'; using what the name implies",
      'labbook.yaml: gates[2].metrics[0].minDelta must be a number of 0 or more; using 0',
      "labbook.yaml: gates: a second gate named 'm: loss' is left out; give each gate its own name",
    ]);
    assert.deepEqual(read('gates: churn').warnings, ['labbook.yaml: gates must be a list of gates; none are used']);
  });
});
