// What the language server reads out of Python and params files, and how it renders run data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HistoryPoint } from '../../src/core/types';
import { isParamsFile, scanParamsFile } from '../../src/lsp/paramsFile';
import { MAX_SCANNED_CHARS, scanPython } from '../../src/lsp/pythonScan';
import type { MetricInsight, RunMetric } from '../../src/lsp/insights';
import { escapeMarkdown, lensTitle, metricChartSvg, plainText } from '../../src/lsp/render';
import type { DocumentSites } from '../../src/lsp/sites';

/** `key@text` for every site, where text is what the site's offsets cover. */
function metricSites(text: string, sites: DocumentSites = scanPython(text)): string[] {
  return sites.metrics.map((site) => `${site.keys.join('|')}@${text.slice(site.start, site.end)}`);
}

function paramSites(text: string): string[] {
  return scanPython(text).params.map((site) => `${site.keys.join('|')}@${text.slice(site.start, site.end)}${site.flag ? ` ${site.flag}` : ''}`);
}

describe('scanPython: logging calls', () => {
  test('finds mlflow and labbook calls, module aliases and bare imported names', () => {
    const text = [
      'import mlflow as mf, os',
      'from labbook import (',
      '    log_metric as lm,',
      '    log_params,',
      ')',
      'mlflow.log_metric("a", 1)',
      'labbook.log_metric("b", 1)',
      "mf . log_metric('c', 1)",
      'lm(key="d", value=1)',
      'log_params({"p": 1})',
    ].join('\n');
    assert.deepEqual(metricSites(text), ['a@a', 'b@b', 'c@c', 'd@d']);
    assert.deepEqual(paramSites(text), ['p@p']);
  });

  test('ignores calls in comments, strings and docstrings, other objects, and names not imported', () => {
    const text = [
      '"""mlflow.log_metric("doc", 1)',
      'still \'doc\' mlflow.log_metric("doc2", 1)"""',
      '# mlflow.log_metric("comment", 1)',
      'x = "mlflow.log_metric(\'string\', 1)"  # log_metric("c2")',
      'client.log_metric(run_id, "client", 1)',
      'self.mlflow.log_metric("attr", 1)',
      'log_metric("not_imported", 1)',
      'mlflow.log_metric(f"dyn_{i}", 1)',
      'mlflow.log_metric(name, 1)',
      'mlflow.log_metric("real", 1)',
    ].join('\n');
    assert.deepEqual(metricSites(text), ['real@real']);
  });

  test('survives quotes inside strings, escapes, prefixes and an unterminated string', () => {
    const text = [
      'print("it\'s \\"quoted\\" (", \'\\\'\', r"\\d+(", b"(")',
      'broken = "never closed (',
      "mlflow.log_metric('after', 1)",
      'mlflow.log_metric("esc\\"aped", 1)',
      's = f\'{x["k"]}\'; mlflow.log_metric("same_line", 2)',
    ].join('\n');
    assert.deepEqual(metricSites(text), ['after@after', 'same_line@same_line']);
  });

  test('reads every key of log_metrics dicts, across lines, skipping nested dicts and values', () => {
    const text = [
      'mlflow.log_metrics(',
      '    {',
      '        "loss": loss,  # "fake": 1',
      "        'acc': d['acc'],",
      '        "nested": {"inner": 1},',
      '        "text": "v: {x}",',
      '    },',
      '    step=3,',
      ')',
      'mlflow.log_metrics(metrics=dict(f1=f1, auc=score(a=1)))',
    ].join('\n');
    assert.deepEqual(metricSites(text), ['loss@loss', 'acc@acc', 'nested@nested', 'text@text', 'f1@f1', 'auc@auc']);
  });
});

describe('scanPython: printed metrics', () => {
  test('reads keys from f-strings, format strings and dict-style prints', () => {
    const text = [
      'print(f"epoch {epoch} | loss: {loss:.4f} | acc={acc:.2f}")',
      'print("val loss: {:.3f}".format(v))',
      'print("{\'hf_loss\': %f}" % x)',
      'print(f"{top1=} {top5 = :.2f}")',
      'print("lr:", lr, "note", n)',
      'logger.info("grad_norm=%s", g)',
      'other("skipped: {x}")',
    ].join('\n');
    assert.deepEqual(metricSites(text), [
      'loss@loss',
      'acc@acc',
      'val_loss|loss@loss',
      'hf_loss@hf_loss',
      'top1@top1',
      'top5@top5',
      'lr@lr',
      'grad_norm@grad_norm',
    ]);
  });
});

describe('scanPython: params', () => {
  test('argparse options become params keyed by dest, with the flag to set them', () => {
    const text = [
      'parser.add_argument("--lr", type=float, default=0.01)',
      'parser.add_argument("-b", "--batch-size", type=int)',
      'parser.add_argument("--epochs", dest="n_epochs")',
      'parser.add_argument("positional")',
      'mlflow.log_param("lr", args.lr)',
      'mlflow.log_params({"n_epochs": 3, "other": 1})',
    ].join('\n');
    assert.deepEqual(paramSites(text), [
      'lr@--lr --lr',
      'batch_size|batch-size@--batch-size --batch-size',
      'n_epochs|epochs@--epochs --epochs',
      'lr@lr --lr',
      'n_epochs@n_epochs --epochs',
      'other@other',
    ]);
  });
});

describe('scanPython: bounded work', () => {
  test('reads only the head of a huge file and keeps at most 5,000 sites', () => {
    const line = 'mlflow.log_metric("k", 1)\n';
    const text = line.repeat(Math.ceil(MAX_SCANNED_CHARS / line.length) + 10) + 'mlflow.log_metric("tail", 1)\n';
    const sites = scanPython(text);
    assert.equal(sites.metrics.length, 5_000);
    assert.ok(sites.metrics.every((site) => site.keys[0] === 'k'));
  });

  test('an unclosed call or triple-quoted string ends at the bound, not in an endless scan', () => {
    const open = 'mlflow.log_metrics({"a": 1,' + ' x,'.repeat(50_000);
    assert.deepEqual(metricSites(open), ['a@a']);
    assert.deepEqual(metricSites('"""' + 'mlflow.log_metric("x", 1)\n'.repeat(1000)), []);
  });
});

describe('scanParamsFile', () => {
  test('yields YAML and JSON keys, nested keys dotted as the runner flattens them', () => {
    const yaml = 'lr: 0.01\nmodel:\n  depth: 3\n  "quoted key": 1\nlist: [1, 2]\n';
    assert.deepEqual(
      scanParamsFile(yaml).map((s) => `${s.keys.join('|')}@${yaml.slice(s.start, s.end)}`),
      ['lr@lr', 'model.depth@depth', 'model.quoted key@quoted key', 'list@list'],
    );
    const json = '{"lr": 0.1, "opt": {"name": "adam"}}';
    assert.deepEqual(
      scanParamsFile(json).map((s) => `${s.keys[0]}@${json.slice(s.start, s.end)}`),
      ['lr@lr', 'opt.name@name'],
    );
  });

  test('keeps what parses in a half-typed file and ignores documents that are not maps', () => {
    assert.deepEqual(
      scanParamsFile('lr: 0.1\nbad: [\n').map((s) => s.keys[0]),
      ['lr', 'bad'],
    );
    assert.deepEqual(scanParamsFile('- 1\n- 2\n'), []);
    assert.deepEqual(scanParamsFile('x'.repeat(2_000_000)), []);
  });

  test('recognises the params file names the runner reads', () => {
    assert.deepEqual(['params.yaml', 'params.json', 'Params.YAML', 'params.yml', 'params.toml', 'my_params.yaml'].map(isParamsFile), [
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('render', () => {
  test('escapeMarkdown leaves no markdown or HTML syntax active', () => {
    assert.equal(escapeMarkdown('<img src=x>|`a`*[l](u)\n#'), '\\<img src\\=x\\>\\|\\`a\\`\\*\\[l\\]\\(u\\) \\#');
    assert.equal(escapeMarkdown('plain name-1'), 'plain name\\-1');
  });

  test('plainText makes one short line', () => {
    assert.equal(plainText('a\r\nb\u2028c\u0000d'), 'a b c d');
    assert.equal(plainText('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  });

  test('a lens title is one plain line in which a run name cannot become an icon', () => {
    const metric = (name: string, last: number): RunMetric => ({
      run: { id: name, name, status: 'FINISHED', startTime: 0, updatedAt: 0, revision: 1, cwd: null, mentions: [] },
      summary: { key: 'acc', last, lastStep: 2, lastTimestamp: 0, min: last, max: last, count: 3 },
    });
    const history = [0.1, 0.5, 0.9].map((value, step) => ({ step, timestamp: 0, value }));
    const insight: MetricInsight = { key: 'acc', goal: 'max', runs: [], latest: metric('new', 0.9), best: metric('$(bug) best\nrun', 0.95), history };
    assert.equal(lensTitle(insight), 'acc 0.9 last · best 0.95 ($\u200b(bug) best run) ▁▅█');
    assert.equal(lensTitle({ ...insight, best: undefined, history: history.slice(0, 1) }), 'acc 0.9 last');
  });

  test('the chart breaks its line at NaN and ±Infinity and labels the finite range', () => {
    const points: HistoryPoint[] = [1, 2, Number.NaN, 4, Infinity, 3, 5].map((value, step) => ({ step, timestamp: 0, value }));
    const svg = metricChartSvg(points);
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    assert.equal(svg.match(/<circle /g)?.length, 1, 'a lone point between gaps is a dot');
    assert.match(svg, />5<\/text>/);
    assert.match(svg, />1<\/text>/);
    assert.match(svg, />step 0<\/text>/);
  });

  test('a chart of a constant or empty series is still drawn', () => {
    const flat = metricChartSvg([0, 1, 2].map((step) => ({ step, timestamp: 0, value: 7 })));
    assert.match(flat, /<polyline points="52\.0,35\.0 152\.0,35\.0 252\.0,35\.0"/);
    assert.match(metricChartSvg([{ step: 0, timestamp: 0, value: Number.NaN }]), /no finite values/);
  });
});
