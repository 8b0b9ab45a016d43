// Sweeps: the param sets a `labbook sweep` runs, from `--grid` axes and `--random N --param` distributions.
// Pure and seeded, so the same spec always gives the same runs and their number is known before any starts.

/** A distribution random draws come from. */
export type Distribution =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'loguniform'; low: number; high: number }
  | { kind: 'int'; low: number; high: number }
  | { kind: 'choice'; values: string[] };

/** One `--grid name=values` axis: every value is tried with every value of the other axes. */
export interface GridAxis {
  name: string;
  values: string[];
}

/** One `--param name=dist(...)`: a value is drawn from it for each random run. */
export interface RandomParam {
  name: string;
  distribution: Distribution;
}

/** What a sweep runs: the cartesian grid, each grid point with `random` draws (random 0: the grid alone). */
export interface SweepSpec {
  grid: GridAxis[];
  random: number;
  params: RandomParam[];
  /** Seed of the random draws: the same seed gives the same param sets. */
  seed: number;
}

/** More runs than this is refused: a typo (`1..100000`) should not start a week of runs. */
export const MAX_SWEEP_RUNS = 10_000;

/** A sweep spec that cannot be run; the message says what to fix. */
export class SweepSpecError extends Error {}

const NAME = /^[A-Za-z_][\w.@/-]*$/;
const RANGE = /^(-?\d+)\.\.(-?\d+)(?::(\d+))?$/;
const CALL = /^(\w+)\((.*)\)$/;

/** Parses `lr=0.1,0.01` or `seed=1..3` / `seed=1..10:2` (integer ranges, both ends included). */
export function parseGridAxis(text: string): GridAxis {
  const { name, body } = splitAssignment(text, '--grid', 'lr=0.1,0.01 or seed=1..3');
  const range = RANGE.exec(body);
  if (range) return { name, values: rangeValues(name, Number(range[1]), Number(range[2]), range[3] === undefined ? 1 : Number(range[3])) };
  return { name, values: listValues(body, `--grid ${name}`) };
}

function rangeValues(name: string, low: number, high: number, step: number): string[] {
  if (low > high) throw new SweepSpecError(`--grid ${name}: the range ${low}..${high} is empty (the start is past the end).`);
  if (step <= 0) throw new SweepSpecError(`--grid ${name}: the step must be a positive integer, got ${step}.`);
  const count = Math.floor((high - low) / step) + 1;
  if (count > MAX_SWEEP_RUNS) throw new SweepSpecError(`--grid ${name}: ${count} values is more than the ${MAX_SWEEP_RUNS} runs a sweep may make.`);
  return Array.from({ length: count }, (_, i) => String(low + i * step));
}

function listValues(body: string, what: string): string[] {
  const values = body.split(',').map((value) => value.trim());
  if (values.some((value) => value === '')) throw new SweepSpecError(`${what}: empty value in '${body}' (write values separated by commas).`);
  return values;
}

/** Parses `lr=loguniform(1e-4,1e-1)`, `uniform(a,b)`, `int(a,b)` or `choice(a,b,c)`. */
export function parseRandomParam(text: string): RandomParam {
  const { name, body } = splitAssignment(text, '--param', 'lr=loguniform(1e-4,1e-1)');
  const call = CALL.exec(body);
  if (!call)
    throw new SweepSpecError(`--param ${name}: '${body}' is no distribution; write uniform(a,b), loguniform(a,b), int(a,b) or choice(a,b,c).`);
  const [, kind, args] = call;
  if (kind === 'choice') return { name, distribution: { kind, values: listValues(args, `--param ${name}`) } };
  if (kind !== 'uniform' && kind !== 'loguniform' && kind !== 'int')
    throw new SweepSpecError(`--param ${name}: unknown distribution '${kind}'; use uniform, loguniform, int or choice.`);
  const [low, high] = bounds(name, kind, args);
  return { name, distribution: { kind, low, high } };
}

function bounds(name: string, kind: 'uniform' | 'loguniform' | 'int', args: string): [number, number] {
  const parts = listValues(args, `--param ${name}`);
  const numbers = parts.map(Number);
  if (parts.length !== 2 || numbers.some((n) => !Number.isFinite(n)))
    throw new SweepSpecError(`--param ${name}: ${kind}(a,b) takes two numbers, got '${args}'.`);
  const [low, high] = numbers;
  if (low > high) throw new SweepSpecError(`--param ${name}: ${kind}(${low},${high}) is empty: a must not be greater than b.`);
  if (kind === 'loguniform' && low <= 0) throw new SweepSpecError(`--param ${name}: loguniform needs positive bounds, got ${low}.`);
  if (kind === 'int' && (!Number.isInteger(low) || !Number.isInteger(high)))
    throw new SweepSpecError(`--param ${name}: int(a,b) takes integers, got '${args}'.`);
  return [low, high];
}

function splitAssignment(text: string, flag: string, example: string): { name: string; body: string } {
  const eq = text.indexOf('=');
  const name = eq > 0 ? text.slice(0, eq).trim() : '';
  if (!NAME.test(name)) throw new SweepSpecError(`${flag} takes name=values like ${example}, got '${text}'.`);
  const body = text.slice(eq + 1).trim();
  if (body === '') throw new SweepSpecError(`${flag} ${name}: no values given (the list is empty).`);
  return { name, body };
}

/** Parses `--random N`: a positive integer. */
export function parseRandomCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n <= 0) throw new SweepSpecError(`--random takes a positive integer, got '${text}'.`);
  return n;
}

/** Checks a spec as a whole: something to sweep, random draws with params and the reverse, no name twice, at most the cap. */
export function validateSweep(spec: SweepSpec): void {
  if (spec.grid.length === 0 && spec.random === 0)
    throw new SweepSpecError('Nothing to sweep: give --grid name=values and/or --random N with --param.');
  if (spec.random > 0 && spec.params.length === 0) throw new SweepSpecError('--random N needs at least one --param name=distribution to draw.');
  if (spec.random === 0 && spec.params.length > 0) throw new SweepSpecError('--param draws random values: say how many runs with --random N.');
  const names = [...spec.grid.map((axis) => axis.name), ...spec.params.map((param) => param.name)];
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new SweepSpecError(`'${twice}' is swept twice; give each param one --grid or --param.`);
  const size = sweepSize(spec);
  if (size > MAX_SWEEP_RUNS)
    throw new SweepSpecError(`This sweep would make ${size} runs, more than the ${MAX_SWEEP_RUNS} allowed; narrow the grid or lower --random.`);
}

/** How many runs a spec makes: the product of the grid's axes, times the random draws per grid point. */
export function sweepSize(spec: SweepSpec): number {
  const grid = spec.grid.reduce((product, axis) => product * axis.values.length, 1);
  return spec.random > 0 ? grid * spec.random : spec.grid.length > 0 ? grid : 0;
}

/** The param sets of a valid spec, in run order: the grid with its last axis varying fastest, each point's draws in turn. */
export function expandSweep(spec: SweepSpec): Record<string, string>[] {
  validateSweep(spec);
  const next = mulberry32(spec.seed);
  const draws = Math.max(spec.random, 1);
  return gridPoints(spec.grid).flatMap((point) =>
    Array.from({ length: draws }, () => {
      const set = { ...point };
      for (const param of spec.params) set[param.name] = draw(param.distribution, next);
      return set;
    }),
  );
}

function gridPoints(grid: GridAxis[]): Record<string, string>[] {
  return grid.reduce<Record<string, string>[]>(
    (points, axis) => points.flatMap((point) => axis.values.map((value) => ({ ...point, [axis.name]: value }))),
    [{}],
  );
}

function draw(distribution: Distribution, next: () => number): string {
  const u = next();
  switch (distribution.kind) {
    case 'choice':
      return distribution.values[Math.floor(u * distribution.values.length)];
    case 'int':
      return String(distribution.low + Math.floor(u * (distribution.high - distribution.low + 1)));
    case 'uniform':
      return shortNumber(distribution.low + u * (distribution.high - distribution.low));
    case 'loguniform':
      return shortNumber(Math.exp(Math.log(distribution.low) + u * (Math.log(distribution.high) - Math.log(distribution.low))));
  }
}

/** Six significant digits: enough to tell draws apart, short enough to read in a table. */
function shortNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** A small seeded generator (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The tags every run of a sweep carries: the sweep's id and name (the Runs tree groups on the id). */
export const SWEEP_TAG = 'labbook.sweep';
/** Tag with the sweep's name. */
export const SWEEP_NAME_TAG = 'labbook.sweep.name';
/** Tag with the sweep's spec as JSON (what was swept, so a sweep can be read back or rerun). */
export const SWEEP_SPEC_TAG = 'labbook.sweep.spec';
/** Tag with the metric an Optuna sweep optimised (and its direction), when it had one. */
export const SWEEP_METRIC_TAG = 'labbook.sweep.metric';
