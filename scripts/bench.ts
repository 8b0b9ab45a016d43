// `npm run bench`: prints speed and memory figures next to their targets and a baseline measured in the same run.
// Figures vary with the machine; compare a figure with its baseline line, not with another machine's numbers.
import { ScalarParser } from '../src/capture/scalarParser';
import { downsampleMinMax } from '../src/core/series';
import type { HistoryPoint } from '../src/core/types';
import { runDriftBench } from './bench/drift';
import { runExtensionBench } from './bench/extension';
import { runLspBench } from './bench/lsp';
import { runMlflowBench } from './bench/mlflow';
import { runMlflowHttpBench } from './bench/mlflowHttp';
import { runPanelsBench } from './bench/panels';
import { runPythonShimBench } from './bench/pythonShim';
import { runRunnerMemoryBench } from './bench/runnerMemory';
import { runRunsTableBench } from './bench/runsTable';
import { runServingBench } from './bench/serving';
import { runStoreDriversBench } from './bench/storeDrivers';
import { runSyncBench } from './bench/sync';

type Report = (name: string, value: number, unit: string, target: string) => void;

const rows: string[][] = [];
const report: Report = (name, value, unit, target) => {
  rows.push([name, value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2), unit, target]);
  process.stdout.write(`${name}: ${rows[rows.length - 1][1]} ${unit}${target ? `  (target ${target})` : ''}\n`);
};

/** Best of `repeats` timings of `action`, in ms. */
function best(repeats: number, action: () => void): number {
  let fastest = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    action();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return fastest;
}

function benchParser(): void {
  const samples = [
    'epoch 3 | loss: 0.2531 | acc: 0.9120 | val_loss: 0.3011 | val_acc: 0.8890',
    "{'loss': 0.4512, 'learning_rate': 4.5e-05, 'epoch': 1.2}",
    'step=1200, loss=0.301, lr=1e-4',
    'Downloading shards: 100%|██████████| 2/2 [00:03<00:00,  1.52s/it]',
    'INFO:root:Using device cuda:0 for training',
    'Python 3.11: ok',
  ];
  const lines = Array.from({ length: 1_200_000 }, (_, i) => samples[i % samples.length]);
  const parser = new ScalarParser();
  let found = 0;
  const ms = best(3, () => {
    for (const line of lines) found += parser.parseLine(line).length;
  });
  report('parser: mixed training-log lines parsed', lines.length / (ms / 1000), 'lines/s', '>= 1,000,000');
  let baseline = 0;
  const baseMs = best(3, () => {
    for (const line of lines) baseline += line.split(/[ ,|]+/).length;
  });
  report('  baseline: the same lines split on separators only', lines.length / (baseMs / 1000), 'lines/s', '');
  if (found === 0 || baseline === 0) throw new Error('parser bench parsed nothing');
}

function benchDownsample(): void {
  const points: HistoryPoint[] = Array.from({ length: 1_000_000 }, (_, i) => ({ step: i, timestamp: i, value: Math.sin(i / 1000) + Math.random() }));
  let size = 0;
  const ms = best(5, () => {
    size = downsampleMinMax(points, 1000).length;
  });
  report(`series: 1,000,000-point history downsampled to ${size} points (min/max kept)`, ms, 'ms', '<= 50 ms');
  const baseMs = best(5, () => {
    let sum = 0;
    for (const p of points) sum += p.value;
    if (Number.isNaN(sum)) throw new Error('unreachable');
  });
  report('  baseline: one pass summing the values', baseMs, 'ms', '');
}

async function main(): Promise<void> {
  process.stdout.write(`Labbook benchmarks on node ${process.version}, ${process.platform}/${process.arch}\n\n`);
  runStoreDriversBench(report);
  benchParser();
  benchDownsample();
  runRunnerMemoryBench(report);
  runPythonShimBench(report);
  await runDriftBench(report);
  await runServingBench(report);
  await runMlflowBench(report);
  await runMlflowHttpBench(report);
  await runSyncBench(report);
  await runLspBench(report);
  // The page benches read their test hooks from dist/webview; the extension bench packs the shipped .vsix, whose
  // build has none, into dist: so the pages first.
  await runPanelsBench(report);
  await runRunsTableBench(report);
  await runExtensionBench(report);
  process.stdout.write(`\npeak RSS of this process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`);
}

void main();
