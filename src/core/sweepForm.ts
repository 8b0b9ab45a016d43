// What the Run Sweep form's fields make: the spec (to show the number of runs before starting) and the
// `labbook sweep` arguments the host starts in a terminal. Pure, so the form and the host agree.
import { splitCommandLine } from './commandLine';
import { parseGridAxis, parseRandomParam, sweepSize, validateSweep, type SweepSpec } from './sweep';

/** The form's fields: one `name=values` per grid line, one `name=dist(...)` per param line. */
export interface SweepFormFields {
  command: string;
  grid: string[];
  params: string[];
  random: number;
  parallel: number;
  name: string;
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
    '--parallel',
    String(fields.parallel),
    ...(fields.name.trim() ? ['--name', fields.name.trim()] : []),
    '--',
    ...splitCommandLine(fields.command),
  ];
}

function nonEmpty(lines: readonly string[]): string[] {
  return lines.map((line) => line.trim()).filter((line) => line !== '');
}
