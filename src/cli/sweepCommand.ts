// `labbook sweep`: runs a command once per param set of a grid and/or random search, each a tracked run tagged
// with the sweep; docs/sweeps.md describes it for users.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { expandSweep, parseGridAxis, parseRandomCount, parseRandomParam, SweepSpecError, SWEEP_TAG, type SweepSpec } from '../core/sweep';
import { loadConfig } from '../capture/config';
import type { SweepConfig } from '../capture/sweepConfig';
import { detectParamStyle } from '../capture/sweepParams';
import { runSweep } from '../capture/sweepRunner';
import { Store } from '../store/store';
import { CliError, findWorkspace } from './workspace';

/** One line of usage for `labbook help`. */
export const SWEEP_USAGE =
  'sweep [NAME] [--grid lr=0.1,0.01] [--grid seed=1..3] [--random N --param "lr=loguniform(1e-4,1e-1)"] [--parallel K] [--name S] [--seed X] [--experiment E] [--dry-run] -- <command…>';

const OPTIONS = {
  grid: { type: 'string', multiple: true },
  random: { type: 'string' },
  param: { type: 'string', multiple: true },
  parallel: { type: 'string' },
  name: { type: 'string', short: 'n' },
  seed: { type: 'string' },
  experiment: { type: 'string', short: 'e' },
  'dry-run': { type: 'boolean' },
} as const;

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
  const sets = specError(() => expandSweep(spec));
  const parallel = positiveInt(values.parallel ?? named?.parallel?.toString() ?? '1', '--parallel');
  const name = values.name ?? positionals[0] ?? 'sweep';
  const style = detectParamStyle(command, cwd);
  process.stderr.write(
    `labbook: sweep ${name}: ${sets.length} runs, ${Math.min(parallel, sets.length)} at a time, params as ${style === 'hydra' ? 'Hydra overrides' : '--flags'}\n`,
  );
  if (values['dry-run']) {
    for (const set of sets) process.stdout.write(`${JSON.stringify(set)}\n`);
    return 0;
  }
  const sweepId = randomBytes(6).toString('hex');
  const outcome = await runSweep({
    cli: process.argv[1],
    cwd,
    command,
    sets,
    style,
    parallel,
    sweepId,
    name,
    specJson: JSON.stringify(spec),
    experiment: values.experiment,
    output: process.stdout,
  });
  if (outcome.stopped) endInterruptedRuns(cwd, sweepId);
  const ran = outcome.exitCodes.filter((code) => code !== null);
  const failed = ran.filter((code) => code !== 0).length;
  const notStarted = sets.length - ran.length;
  process.stderr.write(
    `labbook: sweep ${name} (${sweepId})${outcome.stopped ? ' stopped' : ''}: ${ran.length - failed} finished, ${failed} failed or killed` +
      `${notStarted ? `, ${notStarted} not started` : ''}; list them with: labbook ls --filter "tags.\`${SWEEP_TAG}\` = '${sweepId}'"\n`,
  );
  return outcome.stopped ? 130 : failed > 0 ? 1 : 0;
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
