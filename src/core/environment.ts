// A run's environment (interpreter, packages, machine, GPUs, allow-listed variables) and how two differ.

/** Tag holding the sha256 of the run's environment blob (a JSON RunEnvironment in the object store). */
export const ENVIRONMENT_TAG = 'labbook.environment';

/** Everything recorded of where a run ran; each part is absent when it could not be known. */
export interface RunEnvironment {
  python?: {
    version: string;
    implementation: string;
    executable: string;
    prefix: string;
    virtualenv: boolean;
    packages: Record<string, string>;
  };
  platform?: { os: string; release: string; arch: string };
  cpu?: { model: string; cores: number };
  memoryMb?: number;
  gpus?: Array<{ name: string; driver: string; memoryMb?: number }>;
  cuda?: string;
  /** Allow-listed environment variables and their values. */
  variables?: Record<string, string>;
}

/** One difference between two environments: a dotted field (`python.version`, `package numpy`, `variable X`). */
export interface EnvironmentDifference {
  field: string;
  left: string | undefined;
  right: string | undefined;
}

/** The fields where two environments differ, facts first, then packages and variables by name. */
export function environmentDifferences(left: RunEnvironment, right: RunEnvironment): EnvironmentDifference[] {
  const facts = (env: RunEnvironment): Record<string, string | undefined> => ({
    'python.version': env.python?.version,
    'python.implementation': env.python?.implementation,
    'python.executable': env.python?.executable,
    'python.virtualenv': env.python === undefined ? undefined : String(env.python.virtualenv),
    platform: env.platform && `${env.platform.os} ${env.platform.release} ${env.platform.arch}`,
    cpu: env.cpu && `${env.cpu.model} x${env.cpu.cores}`,
    'memory (MB)': env.memoryMb === undefined ? undefined : String(env.memoryMb),
    gpus: env.gpus?.map((gpu) => gpu.name).join(', ') || undefined,
    'gpu driver': env.gpus?.[0]?.driver,
    cuda: env.cuda,
  });
  return [
    ...differing(facts(left), facts(right), (key) => key, false),
    ...differing(left.python?.packages ?? {}, right.python?.packages ?? {}, (name) => `package ${name}`, true),
    ...differing(left.variables ?? {}, right.variables ?? {}, (name) => `variable ${name}`, true),
  ];
}

function differing(
  left: Record<string, string | undefined>,
  right: Record<string, string | undefined>,
  label: (key: string) => string,
  sorted: boolean,
): EnvironmentDifference[] {
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  if (sorted) keys.sort();
  return keys.filter((key) => left[key] !== right[key]).map((key) => ({ field: label(key), left: left[key], right: right[key] }));
}
