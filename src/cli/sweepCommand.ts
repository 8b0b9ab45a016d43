// `labbook sweep`: runs a command once per param set of a grid and/or random search, each a tracked run tagged
// with the sweep; docs/sweeps.md describes it for users.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  expandSweep,
  parseGridAxis,
  parseRandomCount,
  parseRandomParam,
  SweepSpecError,
  SWEEP_METRIC_TAG,
  SWEEP_TAG,
  type SweepSpec,
} from '../core/sweep';
import { loadConfig } from '../capture/config';
import type { SweepConfig } from '../capture/sweepConfig';
import { detectParamStyle, paramsFileOnly } from '../capture/sweepParams';
import { OPTUNA_PRUNERS, runOptunaSweep, type OptunaPruner } from '../capture/optunaSweep';
import { runSweep, sweepRunSpec, type SweepRunOptions } from '../capture/sweepRunner';
import { enqueue } from '../store/queue';
import { metricDirection } from '../core/metricDirection';
import { Store } from '../store/store';
import { CliError, findWorkspace, pythonShimDir } from './workspace';
import { SWEEP_USAGE } from './usage';

const OPTIONS = {
  grid: { type: 'string', multiple: true },
  random: { type: 'string' },
  param: { type: 'string', multiple: true },
  parallel: { type: 'string' },
  name: { type: 'string', short: 'n' },
  seed: { type: 'string' },
  experiment: { type: 'string', short: 'e' },
  'dry-run': { type: 'boolean' },
  queue: { type: 'boolean' },
  optuna: { type: 'boolean' },
  metric: { type: 'string' },
  minimize: { type: 'boolean' },
  maximize: { type: 'boolean' },
  trials: { type: 'string' },
  pruner: { type: 'string' },
  python: { type: 'string' },
} as const;

type SweepValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** `labbook sweep`: exit 0 when every run finished, 1 when one did not, 130 when stopped by Ctrl-C. */
export async function sweepCommand(args: string[]): Promise<number> {
  const dash = args.indexOf('--');
  const { values, positionals } = parseArgs({ args: dash < 0 ? args : args.slice(0, dash), options: OPTIONS, allowPositionals: true, strict: true });
  const cwd = process.cwd();
  const { config, warnings } = loadConfig(findWorkspace(cwd).root);
  for (const warning of warnings) process.stderr.write(`labbook: warning: ${warning}\n`);
  const named = namedSweep(positionals, config.sweeps);
  const command = dash >= 0 ? args.slice(dash + 1) : (named?.command ?? []);
  if (command.length === 0) throw new CliError(`Nothing to run. Usage: labbook ${SWEEP_USAGE}`, 2);
  const spec = sweepSpec(values, named);
  const name = values.name ?? positionals[0] ?? 'sweep';
  const style = detectParamStyle(command, cwd);
  const unreached =
    style === 'flags'
      ? paramsFileOnly(
          command,
          [...spec.grid, ...spec.params].map((param) => param.name),
          cwd,
        )
      : [];
  if (unreached.length > 0)
    process.stderr.write(
      `labbook: warning: ${unreached.join(', ')} ${unreached.length === 1 ? 'is' : 'are'} in params.yaml, and the sweep passes params as --flags: ` +
        `a script that reads ${unreached.length === 1 ? 'it' : 'them'} from params.yaml only runs every sweep run alike (docs/sweeps.md).\n`,
    );
  const run = {
    cli: process.argv[1],
    cwd,
    command,
    style,
    sweepId: randomBytes(6).toString('hex'),
    name,
    specJson: JSON.stringify(spec),
    experiment: values.experiment,
    output: process.stdout,
  };
  if (values.optuna && values.queue)
    throw new CliError('--queue queues grid and random sweeps; Optuna picks each trial from the ones before, so an Optuna sweep runs in place.', 2);
  if (values.optuna) return optunaSweep(values, spec, run);
  const sets = specError(() => expandSweep(spec));
  if (values.queue) return queueSweep(run, sets);
  const parallel = positiveInt(values.parallel ?? named?.parallel?.toString() ?? '1', '--parallel');
  process.stderr.write(
    `labbook: sweep ${name}: ${sets.length} runs, ${Math.min(parallel, sets.length)} at a time, params as ${style === 'hydra' ? 'Hydra overrides' : '--flags'}\n`,
  );
  if (values['dry-run']) {
    for (const set of sets) process.stdout.write(`${JSON.stringify(set)}\n`);
    return 0;
  }
  const outcome = await runSweep({ ...run, sets, parallel });
  return summarize(run, outcome.exitCodes, sets.length, outcome.stopped);
}

/** `--queue`: each run of the sweep becomes a queue entry (grouped by the sweep's id) for `labbook queue worker`. */
function queueSweep(run: Omit<SweepRunOptions, 'sets' | 'parallel'>, sets: Record<string, string>[]): number {
  const store = Store.open(findWorkspace(run.cwd).storeDir);
  try {
    const ids = store.transaction(() =>
      sets.map((set, index) => enqueue(store, { ...sweepRunSpec(run, set, index), cwd: run.cwd, experiment: run.experiment, group: run.sweepId }).id),
    );
    for (const id of ids) process.stdout.write(`${id}\n`);
    process.stderr.write(
      `labbook: queued sweep ${run.name} (${run.sweepId}): ${ids.length} runs, #${ids[0]}–#${ids.at(-1)}; a worker runs them: labbook queue worker\n`,
    );
    return 0;
  } finally {
    store.close();
  }
}

/** Prints how the sweep went; the exit code: 130 when stopped, 1 when a run did not finish (pruned ones aside), else 0. */
function summarize(
  run: Omit<SweepRunOptions, 'sets' | 'parallel'>,
  exitCodes: readonly (number | null)[],
  total: number,
  stopped: boolean,
  pruned = 0,
): number {
  if (stopped) endInterruptedRuns(run.cwd, run.sweepId);
  const ran = exitCodes.filter((code) => code !== null);
  const failed = ran.filter((code) => code !== 0).length - pruned;
  const notStarted = total - ran.length;
  process.stderr.write(
    `labbook: sweep ${run.name} (${run.sweepId})${stopped ? ' stopped' : ''}: ${ran.length - failed - pruned} finished, ` +
      `${pruned ? `${pruned} pruned, ` : ''}${failed} failed or killed` +
      `${notStarted ? `, ${notStarted} not started` : ''}; list them with: labbook ls --filter "tags.\`${SWEEP_TAG}\` = '${run.sweepId}'"\n`,
  );
  return stopped ? 130 : failed > 0 ? 1 : 0;
}

/** `--optuna`: Optuna draws each trial's params from the `--param` distributions, one trial at a time. */
async function optunaSweep(values: SweepValues, spec: SweepSpec, run: Omit<SweepRunOptions, 'sets' | 'parallel'>): Promise<number> {
  if (!values.metric) throw new CliError('--optuna needs --metric NAME: the metric each trial logs and Optuna optimises.', 2);
  if (spec.params.length === 0 || spec.grid.length > 0)
    throw new CliError('--optuna searches --param distributions (not --grid); give at least one --param.', 2);
  if (values.minimize && values.maximize) throw new CliError('Give --minimize or --maximize, not both.', 2);
  const trials = positiveInt(values.trials ?? '20', '--trials');
  const pruner = values.pruner ?? 'median';
  if (!isPruner(pruner)) throw new CliError(`--pruner takes ${OPTUNA_PRUNERS.join(' or ')}, got '${pruner}'.`, 2);
  const direction = values.maximize || (!values.minimize && metricDirection(values.metric) === 'higher') ? 'maximize' : 'minimize';
  const store = Store.open(findWorkspace(run.cwd).storeDir);
  const tags = { [SWEEP_METRIC_TAG]: `${values.metric}:${direction === 'minimize' ? 'min' : 'max'}` };
  process.stderr.write(`labbook: sweep ${run.name}: Optuna, ${trials} trials, ${direction} ${values.metric}\n`);
  try {
    const outcome = await runOptunaSweep(
      { ...run, tags, sets: [], parallel: 1 },
      {
        python: values.python ?? 'python3',
        pythonDir: pythonShimDir(),
        params: spec.params,
        metric: values.metric,
        direction,
        trials,
        seed: spec.seed,
        pruner,
        store,
      },
    );
    if (outcome.best)
      process.stderr.write(`labbook: best trial: ${run.name}-${outcome.best.trial + 1} with ${values.metric}=${outcome.best.value}\n`);
    return summarize(run, outcome.exitCodes, trials, outcome.stopped, outcome.pruned);
  } catch (error) {
    throw new CliError(
      `${(error as Error).message}\nIs Optuna installed for ${values.python ?? 'python3'}? (Debian: apt-get install python3-optuna; else pip install optuna)`,
      2,
    );
  } finally {
    store.close();
  }
}

function isPruner(name: string): name is OptunaPruner {
  return (OPTUNA_PRUNERS as readonly string[]).includes(name);
}

/**
 * A Ctrl-C that reaches a run's runner before it started the script ends the runner before it can record the
 * run: every runner has exited by now, so a run of the sweep still RUNNING is one of those, and was KILLED.
 */
function endInterruptedRuns(cwd: string, sweepId: string): void {
  const store = Store.open(findWorkspace(cwd).storeDir);
  try {
    for (const runId of store.runIds({ filter: `tags.\`${SWEEP_TAG}\` = '${sweepId}' AND attributes.status = 'RUNNING'` }))
      store.finishRun(runId, 'KILLED', { exitCode: 130 });
  } finally {
    store.close();
  }
}

function namedSweep(positionals: string[], sweeps: Record<string, SweepConfig>): SweepConfig | undefined {
  if (positionals.length > 1) throw new CliError(`labbook sweep takes one sweep name, got ${positionals.join(' ')}; put the command after --.`, 2);
  if (positionals.length === 0) return undefined;
  const sweep = sweeps[positionals[0]];
  const known = Object.keys(sweeps);
  if (!sweep) throw new CliError(`No sweep '${positionals[0]}' in labbook.yaml${known.length ? ` (it has: ${known.join(', ')})` : ''}.`, 2);
  return sweep;
}

/** The spec from the flags, which replace the named sweep's fields they give. */
function sweepSpec(values: { grid?: string[]; param?: string[]; random?: string; seed?: string }, named: SweepConfig | undefined): SweepSpec {
  return specError(() => ({
    grid: (values.grid ?? named?.grid ?? []).map(parseGridAxis),
    params: (values.param ?? named?.params ?? []).map(parseRandomParam),
    random: values.random !== undefined ? parseRandomCount(values.random) : (named?.random ?? 0),
    seed: values.seed !== undefined ? integer(values.seed, '--seed') : (named?.seed ?? Date.now() % 2 ** 31),
  }));
}

function specError<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof SweepSpecError) throw new CliError(error.message, 2);
    throw error;
  }
}

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new CliError(`${flag} takes an integer, got '${text}'.`, 2);
  return Number(text);
}

function positiveInt(text: string, flag: string): number {
  const n = integer(text, flag);
  if (n <= 0) throw new CliError(`${flag} takes a positive integer, got '${text}'.`, 2);
  return n;
}
