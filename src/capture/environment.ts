// Records a run's environment: the machine side here (platform, CPU, memory, GPUs, allow-listed variables), the
// interpreter side from the Python shim's journal record. Kept as a JSON blob (identical environments share one)
// named by a tag, so no schema change is needed and `labbook compare` can diff two runs' environments.
import { arch, cpus, release, totalmem, type as osType } from 'node:os';
import { ENVIRONMENT_TAG, type RunEnvironment } from '../core/environment';
import type { Store } from '../store/store';
import { matchesAny } from './glob';
import { GpuSampler, type GpuReading } from './gpuSampler';

/** The machine's side of the environment, with the variables whose names match `allowed` (globs). */
export function machineEnvironment(allowed: readonly string[], env: NodeJS.ProcessEnv, gpus: readonly GpuReading[], cuda?: string): RunEnvironment {
  const variables = Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && matchesAny(entry[0], allowed))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const processors = cpus();
  return {
    platform: { os: osType(), release: release(), arch: arch() },
    cpu: { model: processors[0]?.model.trim() ?? 'unknown', cores: processors.length },
    memoryMb: Math.round(totalmem() / (1024 * 1024)),
    ...(gpus.length > 0 ? { gpus: gpus.map((gpu) => ({ name: gpu.name, driver: gpu.driver, memoryMb: gpu.memoryTotalMb })) } : {}),
    ...(cuda ? { cuda } : {}),
    variables,
  };
}

/** The run's recorded environment, if any. */
export function environmentOf(store: Store, runId: string): RunEnvironment | undefined {
  const sha = store.tags(runId)[ENVIRONMENT_TAG];
  if (!sha || !store.objects.has(sha)) return undefined;
  try {
    return JSON.parse(store.objects.read(sha).toString('utf8')) as RunEnvironment;
  } catch {
    return undefined;
  }
}

/** Adds parts to the run's environment (a part already recorded is kept: the first interpreter is the script's). */
export function mergeEnvironment(store: Store, runId: string, parts: RunEnvironment): void {
  const current = environmentOf(store, runId) ?? {};
  const merged: RunEnvironment = { ...parts, ...current };
  const sha = store.objects.putBuffer(JSON.stringify(merged));
  store.setTags(runId, { [ENVIRONMENT_TAG]: sha });
}

/** Records the machine side of the run's environment (asks nvidia-smi, so it runs beside the script's start). */
export async function recordMachineEnvironment(store: Store, runId: string, allowed: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const gpus = new GpuSampler();
  const readings = await gpus.readings();
  const cuda = readings.length > 0 ? await gpus.cudaVersion() : undefined;
  mergeEnvironment(store, runId, machineEnvironment(allowed, env, readings, cuda));
}
