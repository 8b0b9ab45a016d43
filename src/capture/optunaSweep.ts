// `labbook sweep --optuna`: Optuna picks each trial's params (python/labbook/optuna_sweep.py, over JSON lines);
// this side runs each trial as a tracked run, like any sweep run, and hands the metric it logged back. While a trial
// runs, its intermediate values of the metric are read from the store (whatever way the script logged them: printed
// lines, mlflow calls, the labbook package) and reported; a trial Optuna prunes is stopped and tagged.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { intermediateState, intermediateValues } from '../core/pruning';
import { SWEEP_PRUNED_TAG, SWEEP_TAG, type RandomParam } from '../core/sweep';
import type { HistoryPoint, RunListing } from '../core/types';
import type { Store } from '../store/store';
import { spawnRun, type SweepRunOptions } from './sweepRunner';

/** What Optuna optimises and with what. */
export interface OptunaSettings {
  python: string;
  /** Folder holding the bundled `labbook` Python package (the driver is labbook.optuna_sweep). */
  pythonDir: string;
  params: RandomParam[];
  metric: string;
  direction: 'minimize' | 'maximize';
  trials: number;
  seed: number;
  /** `median`: trials whose intermediate values fall behind are stopped; `none`: every trial runs to its end. */
  pruner: OptunaPruner;
  /** The workspace store, to read each trial's metric back. */
  store: Store;
}

/** The pruners `--pruner` offers. */
export const OPTUNA_PRUNERS = ['median', 'none'] as const;
/** One of them. */
export type OptunaPruner = (typeof OPTUNA_PRUNERS)[number];

/** How an Optuna sweep ended: each trial's exit code, how many were pruned, whether it was stopped, and the best trial Optuna saw. */
export interface OptunaOutcome {
  exitCodes: number[];
  pruned: number;
  stopped: boolean;
  best?: { trial: number; value: number };
}

interface DriverMessage {
  trial?: number;
  params?: Record<string, string>;
  prune?: boolean;
  best?: { trial: number; value: number };
}

/** How often a running trial's metric history is read: the runner itself writes metrics to the store every 250 ms. */
const POLL_MS = 200;

/** Runs `settings.trials` trials one at a time; SIGINT/SIGTERM stop it as they stop a grid sweep. */
export async function runOptunaSweep(options: SweepRunOptions, settings: OptunaSettings): Promise<OptunaOutcome> {
  const driver = startDriver(options, settings);
  const outcome: OptunaOutcome = { exitCodes: [], pruned: 0, stopped: false };
  let current: ChildProcess | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    outcome.stopped = true;
    current?.kill(signal);
    driver.child.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const lines = createInterface({ input: driver.child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<DriverMessage | undefined> => {
    const line = await lines.next();
    return line.done ? undefined : (JSON.parse(line.value) as DriverMessage);
  };
  const send = (message: object): void => void driver.child.stdin!.write(`${JSON.stringify(message)}\n`);
  const ask = async (point: HistoryPoint): Promise<boolean> => {
    send({ step: point.step, value: Number.isFinite(point.value) ? point.value : null });
    return (await next())?.prune === true;
  };
  try {
    for (let message = await next(); message; message = await next()) {
      if (message.best) outcome.best = message.best;
      if (message.trial === undefined || !message.params || outcome.stopped) continue;
      const number = message.trial;
      current = spawnRun(options, message.params, number, settings.trials);
      const trial = await runTrial(current, () => trialRun(options, settings, number), settings, ask);
      outcome.exitCodes.push(trial.code);
      if (outcome.stopped) break;
      if (trial.pruned) outcome.pruned += 1;
      send(trial.pruned ? { pruned: true } : { value: trialValue(options, settings, number) });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    driver.child.stdin!.end();
  }
  const code = await driver.done;
  if (code !== 0 && !outcome.stopped) throw new Error(`the Optuna driver failed (${options.name}): ${driver.stderr().trim() || `exit code ${code}`}`);
  return outcome;
}

function startDriver(options: SweepRunOptions, settings: OptunaSettings): { child: ChildProcess; done: Promise<number>; stderr: () => string } {
  const spec = {
    params: Object.fromEntries(settings.params.map((param) => [param.name, param.distribution])),
    direction: settings.direction,
    trials: settings.trials,
    seed: settings.seed,
    pruner: settings.pruner,
  };
  const child = spawn(settings.python, ['-m', 'labbook.optuna_sweep', JSON.stringify(spec)], {
    cwd: options.cwd,
    env: { ...process.env, PYTHONPATH: settings.pythonDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<number>((resolve) => {
    child.on('error', (error) => {
      stderr += error.message;
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
  return { child, done, stderr: () => stderr };
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
}

/**
 * Waits for a trial's run to end. Meanwhile (unless the pruner is `none`) its new points of the metric are read from
 * the store and each intermediate value is put to the pruner; when it says prune, the run is stopped (its runner
 * records it KILLED) and tagged with the step. A run that ended on its own before the stop reached it is not pruned.
 */
async function runTrial(
  child: ChildProcess,
  findRun: () => RunListing | undefined,
  settings: OptunaSettings,
  ask: (point: HistoryPoint) => Promise<boolean>,
): Promise<{ code: number; pruned: boolean }> {
  const exit = exited(child);
  let ended = false;
  void exit.then(() => (ended = true));
  const state = intermediateState();
  let runId: string | undefined;
  let read = 0;
  while (settings.pruner !== 'none' && !ended) {
    await Promise.race([exit, delay(POLL_MS)]);
    runId ??= findRun()?.id;
    if (ended || !runId) continue;
    const points = settings.store.history(runId, settings.metric, { offset: read });
    read += points.length;
    for (const point of intermediateValues(state, points)) {
      if (ended || !(await ask(point))) continue;
      child.kill('SIGTERM');
      const code = await exit;
      const pruned = settings.store.findRun(runId)?.status === 'KILLED';
      if (pruned) settings.store.setTags(runId, { [SWEEP_PRUNED_TAG]: String(point.step) });
      return { code, pruned };
    }
  }
  return { code: await exit, pruned: false };
}

/** The run of a trial, once its runner created it. */
function trialRun(options: SweepRunOptions, settings: OptunaSettings, trial: number): RunListing | undefined {
  const name = `${options.name}-${trial + 1}`.replace(/'/g, "''");
  return settings.store.listRuns({ filter: `tags.\`${SWEEP_TAG}\` = '${options.sweepId}' AND attributes.run_name = '${name}'` })[0];
}

/** The last value of the metric the trial's run logged; null (a failed trial for Optuna) when it logged none. */
function trialValue(options: SweepRunOptions, settings: OptunaSettings, trial: number): number | null {
  const run = trialRun(options, settings, trial);
  const value = run?.status === 'FINISHED' ? run.metrics[settings.metric]?.last : undefined;
  return value !== undefined && Number.isFinite(value) ? value : null;
}
