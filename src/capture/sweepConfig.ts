// The `sweeps:` section of labbook.yaml: named sweeps runnable as `labbook sweep NAME`. Each entry is kept in the
// form of the command-line flags it stands for (`lr=0.1,0.01`), so one parser checks both; a bad entry warns and is left out.
import { splitCommandLine } from '../core/commandLine';

/** One named sweep as labbook.yaml states it, as the flags of `labbook sweep`. */
export interface SweepConfig {
  command: string[];
  /** `name=values` as `--grid` takes them. */
  grid: string[];
  /** `name=distribution(...)` as `--param` takes them. */
  params: string[];
  random?: number;
  parallel?: number;
  seed?: number;
}

const KEYS = ['command', 'grid', 'random', 'params', 'parallel', 'seed'];

type Warn = (message: string) => void;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Parses `sweeps:`; a missing section is {}. */
export function parseSweeps(raw: unknown, warn: Warn): Record<string, SweepConfig> {
  if (raw === undefined || raw === null) return {};
  const section = record(raw);
  if (!section) {
    warn("'sweeps' must be a mapping of sweep names to sweeps; it is ignored");
    return {};
  }
  const sweeps: Record<string, SweepConfig> = {};
  for (const [name, entry] of Object.entries(section)) {
    try {
      sweeps[name] = parseSweep(entry, `sweeps.${name}`, warn);
    } catch (error) {
      warn(`${(error as Error).message}; the sweep is left out`);
    }
  }
  return sweeps;
}

function parseSweep(raw: unknown, path: string, warn: Warn): SweepConfig {
  const entry = record(raw);
  if (!entry) throw new Error(`'${path}' must be a mapping with command and grid or params`);
  for (const key of Object.keys(entry)) if (!KEYS.includes(key)) warn(`unknown key '${path}.${key}' is ignored`);
  const sweep: SweepConfig = {
    command: command(entry.command, `${path}.command`),
    grid: pairs(entry.grid, `${path}.grid`),
    params: pairs(entry.params, `${path}.params`),
  };
  for (const key of ['random', 'parallel', 'seed'] as const) {
    const value = entry[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error(`'${path}.${key}' must be an integer`);
    sweep[key] = value;
  }
  return sweep;
}

function command(value: unknown, path: string): string[] {
  if (typeof value === 'string' && value.trim() !== '') return splitCommandLine(value);
  if (Array.isArray(value) && value.length > 0 && value.every((word) => typeof word === 'string')) return value as string[];
  throw new Error(`'${path}' must be a command line or a list of words`);
}

/** `{lr: [0.1, 0.01], seed: '1..3'}` -> ['lr=0.1,0.01', 'seed=1..3']. */
function pairs(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  const map = record(value);
  if (!map) throw new Error(`'${path}' must be a mapping of param names to values`);
  return Object.entries(map).map(([name, values]) => {
    if (Array.isArray(values)) return `${name}=${values.map(String).join(',')}`;
    if (typeof values === 'string' || typeof values === 'number') return `${name}=${String(values)}`;
    throw new Error(`'${path}.${name}' must be a list, a range like 1..3 or a distribution like loguniform(1e-4,1e-1)`);
  });
}
