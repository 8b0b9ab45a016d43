// Runs a sweep: each param set becomes a `labbook run` of the command (a process of its own, so every run is
// tracked exactly as a single run is), at most `parallel` at a time, all tagged with the sweep's id.
import { spawn, type ChildProcess } from 'node:child_process';
import { SWEEP_NAME_TAG, SWEEP_SPEC_TAG, SWEEP_TAG } from '../core/sweep';
import { commandWithParams, type ParamStyle } from './sweepParams';

/** What a sweep runs and how. */
export interface SweepRunOptions {
  /** The bundled CLI (dist/cli.js) each run is started with. */
  cli: string;
  cwd: string;
  command: string[];
  sets: Record<string, string>[];
  style: ParamStyle;
  /** At most this many runs at a time. */
  parallel: number;
  sweepId: string;
  name: string;
  /** The spec as JSON, kept on each run so the sweep can be read back. */
  specJson: string;
  experiment?: string;
  /** Extra tags on every run (an Optuna sweep's metric). */
  tags?: Record<string, string>;
  /** Receives each run's output lines, prefixed with the run's number. */
  output: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

/** How a sweep ended: the runs' exit codes in order (null: not started), and whether it was stopped. */
export interface SweepOutcome {
  exitCodes: (number | null)[];
  stopped: boolean;
}

/** The arguments of `labbook run` for the run of one param set (`index` from 0). */
export function runArgs(options: SweepRunOptions, set: Record<string, string>, index: number): string[] {
  const tags = { ...options.tags, [SWEEP_TAG]: options.sweepId, [SWEEP_NAME_TAG]: options.name, [SWEEP_SPEC_TAG]: options.specJson };
  return [
    'run',
    ...(options.experiment ? ['--experiment', options.experiment] : []),
    '--name',
    `${options.name}-${index + 1}`,
    ...Object.entries(tags).flatMap(([key, value]) => ['--tag', `${key}=${value}`]),
    ...Object.entries(set).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
    '--',
    ...commandWithParams(options.command, set, options.style),
  ];
}

/**
 * Runs the sets, `parallel` at a time. SIGINT/SIGTERM stop the sweep: runs not yet started never start, running
 * ones get the signal (their runner records them KILLED), and the promise resolves once they ended.
 */
export function runSweep(options: SweepRunOptions): Promise<SweepOutcome> {
  const exitCodes: (number | null)[] = options.sets.map(() => null);
  const running = new Set<ChildProcess>();
  let next = 0;
  let stopped = false;
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      stopped = true;
      for (const child of running) child.kill(signal);
    };
    const finish = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve({ exitCodes, stopped });
    };
    const startNext = (): void => {
      while (!stopped && next < options.sets.length && running.size < options.parallel) startRun(next++);
      if (running.size === 0) finish();
    };
    const startRun = (index: number): void => {
      const child = spawnRun(options, options.sets[index], index, options.sets.length);
      running.add(child);
      child.on('close', (code) => {
        exitCodes[index] = code ?? 1;
        running.delete(child);
        startNext();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    startNext();
  });
}

/** Starts the `labbook run` of one param set; its output goes to `options.output` prefixed with `[n/total]`. */
export function spawnRun(options: SweepRunOptions, set: Record<string, string>, index: number, total: number): ChildProcess {
  // Its own process group: a terminal's Ctrl-C reaches the sweep only, which passes it on once.
  const child = spawn(process.execPath, [options.cli, ...runArgs(options, set, index)], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  prefixLines(child.stdout!, options.output, `[${index + 1}/${total}] `);
  prefixLines(child.stderr!, options.output, `[${index + 1}/${total}] `);
  child.on('error', (error) => options.output.write(`labbook: run ${index + 1} could not start: ${error.message}\n`));
  return child;
}

/** Copies a stream to `out` line by line with a prefix, so the output of parallel runs stays readable. */
function prefixLines(stream: NodeJS.ReadableStream, out: NodeJS.WritableStream, prefix: string): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) out.write(`${prefix}${line}\n`);
  });
  stream.on('end', () => {
    if (pending) out.write(`${prefix}${pending}\n`);
  });
}
