// GPU utilisation, memory and power per device through nvidia-smi's CSV query interface (documented as stable for
// scripts, unlike its human-readable table). No nvidia-smi, no GPU metrics and no error.
import { execFile } from 'node:child_process';
import type { MetricPoint } from '../core/types';

/** The fields asked of nvidia-smi, in order. */
export const GPU_QUERY_FIELDS = [
  'index',
  'name',
  'driver_version',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'power.draw',
  'temperature.gpu',
];

/** One device's reading; a field nvidia-smi reports as [N/A] or [Not Supported] is left out. */
export interface GpuReading {
  index: number;
  name: string;
  driver: string;
  utilizationPercent?: number;
  memoryUsedMb?: number;
  memoryTotalMb?: number;
  powerWatts?: number;
  temperatureC?: number;
}

/** Parses `nvidia-smi --query-gpu=<GPU_QUERY_FIELDS> --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(text: string): GpuReading[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.split(',').map((cell) => cell.trim()))
    .filter((cells) => cells.length === GPU_QUERY_FIELDS.length && /^\d+$/.test(cells[0]))
    .map(([index, name, driver, utilization, memoryUsed, memoryTotal, power, temperature]) => ({
      index: Number(index),
      name,
      driver,
      utilizationPercent: reported(utilization),
      memoryUsedMb: reported(memoryUsed),
      memoryTotalMb: reported(memoryTotal),
      powerWatts: reported(power),
      temperatureC: reported(temperature),
    }));
}

function reported(cell: string): number | undefined {
  const value = Number(cell);
  return cell === '' || !Number.isFinite(value) ? undefined : value;
}

/** The "CUDA Version: 12.2" of nvidia-smi's summary header. */
export function parseCudaVersion(summary: string): string | undefined {
  return /CUDA Version:\s*([\d.]+)/.exec(summary)?.[1];
}

/** The readings as `system/gpu<i>/…` metrics. */
export function gpuPoints(readings: readonly GpuReading[], step: number, timestamp: number): MetricPoint[] {
  return readings.flatMap((gpu) => {
    const fields: Array<[string, number | undefined]> = [
      ['utilization_percent', gpu.utilizationPercent],
      ['memory_used_mb', gpu.memoryUsedMb],
      [
        'memory_percent',
        gpu.memoryUsedMb !== undefined && gpu.memoryTotalMb ? Math.round((gpu.memoryUsedMb / gpu.memoryTotalMb) * 1000) / 10 : undefined,
      ],
      ['power_watts', gpu.powerWatts],
      ['temperature_c', gpu.temperatureC],
    ];
    return fields
      .filter((field): field is [string, number] => field[1] !== undefined)
      .map(([name, value]) => ({ key: `system/gpu${gpu.index}/${name}`, value, step, timestamp }));
  });
}

/** Device indices from `nvidia-smi -L` lines ("GPU 0: NVIDIA A100 (UUID: …)"). */
export function parseGpuList(text: string): string[] {
  return [...text.matchAll(/^GPU (\d+):/gm)].map((match) => match[1]);
}

/** Runs nvidia-smi once per sample; after it is found missing (or fails) it is not tried again. */
export class GpuSampler {
  private available = true;
  private step = 0;

  constructor(private readonly command = 'nvidia-smi') {}

  /** The devices' readings now, or [] when there is no nvidia-smi. */
  async readings(): Promise<GpuReading[]> {
    if (!this.available) return [];
    try {
      return parseNvidiaSmi(await this.query());
    } catch {
      this.available = false;
      return [];
    }
  }

  /** One sample as metrics. */
  async sample(now = Date.now()): Promise<MetricPoint[]> {
    const readings = await this.readings();
    return readings.length === 0 ? [] : gpuPoints(readings, this.step++, now);
  }

  /** The devices' indices from `nvidia-smi -L` ("GPU 0: …"), or [] when there is no nvidia-smi. */
  async devices(): Promise<string[]> {
    try {
      return parseGpuList(await this.run(['-L']));
    } catch {
      return [];
    }
  }

  /** The CUDA version the driver supports, from the header of nvidia-smi's summary; undefined when unknown. */
  async cudaVersion(): Promise<string | undefined> {
    try {
      return parseCudaVersion(await this.run([]));
    } catch {
      return undefined;
    }
  }

  private query(): Promise<string> {
    return this.run([`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits']);
  }

  private run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.command, args, { timeout: 5000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
  }
}
