// What the Run Sweep form's fields make: the spec (to show the number of runs before starting) and the
// `labbook sweep` arguments the host starts in a terminal. Pure, so the form and the host agree.
import { splitCommandLine } from './commandLine';
import { isSweepParamName, parseGridAxis, parseRandomParam, sweepSize, validateSweep, type SweepSpec } from './sweep';

/** The extension's command opening the Run Sweep form; a params hover links to it with `{ grid: [line] }`. */
export const RUN_SWEEP_COMMAND = 'labbook.runSweep';

/** The form's fields: one `name=values` per grid line, one `name=dist(...)` per param line. */
export interface SweepFormFields {
  command: string;
  grid: string[];
  params: string[];
  random: number;
  parallel: number;
  name: string;
  /** Queue the sweep's runs for `labbook queue worker` instead of starting them (its K then applies, not `parallel`). */
  queue: boolean;
}

/** The number of runs the fields make, or the first problem in them (thrown as a SweepSpecError or CommandLineError). */
export function formRunCount(fields: SweepFormFields): number {
  const spec: SweepSpec = {
    grid: nonEmpty(fields.grid).map(parseGridAxis),
    params: nonEmpty(fields.params).map(parseRandomParam),
    random: fields.random,
    seed: 0,
  };
  validateSweep(spec);
  if (splitCommandLine(fields.command).length === 0) throw new Error('Give the command to run.');
  if (fields.parallel < 1) throw new Error('Run at least 1 at a time.');
  return sweepSize(spec);
}

/** `labbook sweep` arguments for valid fields (check them with formRunCount first). */
export function formSweepArgs(fields: SweepFormFields): string[] {
  return [
    ...nonEmpty(fields.grid).flatMap((line) => ['--grid', line]),
    ...(fields.random > 0 ? ['--random', String(fields.random)] : []),
    ...nonEmpty(fields.params).flatMap((line) => ['--param', line]),
    ...(fields.queue ? ['--queue'] : ['--parallel', String(fields.parallel)]),
    ...(fields.name.trim() ? ['--name', fields.name.trim()] : []),
    '--',
    ...splitCommandLine(fields.command),
  ];
}

function nonEmpty(lines: readonly string[]): string[] {
  return lines.map((line) => line.trim()).filter((line) => line !== '');
}

/**
 * The grid line a param's tried values prefill the form with (`lr=0.001,0.01,0.1`): each value once, numbers in
 * ascending order, else as given. Values a grid line cannot hold (empty, or with a comma or a line break) are left
 * out; undefined when none is left or the name cannot be swept.
 */
export function triedValuesGrid(name: string, values: readonly string[]): string | undefined {
  if (!isSweepParamName(name)) return undefined;
  const kept = [...new Set(values.map((value) => value.trim()))].filter((value) => value !== '' && !/[,\r\n]/.test(value));
  if (kept.length === 0) return undefined;
  const numeric = kept.every((value) => Number.isFinite(Number(value)));
  if (numeric) kept.sort((a, b) => Number(a) - Number(b));
  return `${name}=${kept.join(',')}`;
}

/** The grid lines a Run Sweep command argument asks to prefill: none without an argument, else `{ grid: string[] }`. */
export function sweepFormPrefill(argument: unknown): string[] {
  if (argument === undefined) return [];
  const grid = (argument as { grid?: unknown } | null)?.grid;
  if (!Array.isArray(grid) || grid.length > 100 || !grid.every((line) => typeof line === 'string' && line.length <= 10_000))
    throw new Error('Run Sweep takes { grid: ["name=value,value"] } to prefill the form; this argument is not that.');
  return grid as string[];
}
