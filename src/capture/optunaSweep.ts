// `labbook sweep --optuna`: Optuna picks each trial's params (python/labbook/optuna_sweep.py, over JSON lines);
// this side runs each trial as a tracked run, like any sweep run, and hands the metric it logged back.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RandomParam } from '../core/sweep';
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
  /** The workspace store, to read each trial's metric back. */
  store: Store;
}

/** How an Optuna sweep ended: each trial's exit code, whether it was stopped, and the best trial Optuna saw. */
export interface OptunaOutcome {
  exitCodes: number[];
  stopped: boolean;
  best?: { trial: number; value: number };
}

interface DriverMessage {
  trial?: number;
  params?: Record<string, string>;
  best?: { trial: number; value: number };
}

/** Runs `settings.trials` trials one at a time; SIGINT/SIGTERM stop it as they stop a grid sweep. */
export async function runOptunaSweep(options: SweepRunOptions, settings: OptunaSettings): Promise<OptunaOutcome> {
  const driver = startDriver(options, settings);
  const outcome: OptunaOutcome = { exitCodes: [], stopped: false };
  let current: ChildProcess | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    outcome.stopped = true;
    current?.kill(signal);
    driver.child.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for await (const line of createInterface({ input: driver.child.stdout! })) {
      const message = JSON.parse(line) as DriverMessage;
      if (message.best) outcome.best = message.best;
      if (message.trial === undefined || !message.params || outcome.stopped) continue;
      current = spawnRun(options, message.params, message.trial, settings.trials);
      outcome.exitCodes.push(await exited(current));
      if (outcome.stopped) break;
      driver.child.stdin!.write(`${JSON.stringify({ value: trialValue(options, settings, message.trial) })}\n`);
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

/** The last value of the metric the trial's run logged; null (a failed trial for Optuna) when it logged none. */
function trialValue(options: SweepRunOptions, settings: OptunaSettings, trial: number): number | null {
  const name = `${options.name}-${trial + 1}`.replace(/'/g, "''");
  const [run] = settings.store.listRuns({ filter: `tags.\`labbook.sweep\` = '${options.sweepId}' AND attributes.run_name = '${name}'` });
  const value = run?.status === 'FINISHED' ? run.metrics[settings.metric]?.last : undefined;
  return value !== undefined && Number.isFinite(value) ? value : null;
}
