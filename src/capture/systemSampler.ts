import { readdirSync, readFileSync } from 'node:fs';
import type { MetricPoint } from '../core/types';

// Linux reports CPU time in clock ticks (USER_HZ, 100 on every mainstream build) and RSS in pages.
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  cpuTicks: number;
  rssPages: number;
}

/** Fields of a /proc/<pid>/stat line from field 3 (state) on; the command name may hold spaces and parentheses, so they are read after the last ')'. */
export function procStatFields(text: string): string[] | undefined {
  const close = text.lastIndexOf(')');
  return close < 0 ? undefined : text.slice(close + 2).split(' ');
}

/** Parses /proc/<pid>/stat. */
export function parseProcStat(text: string): ProcStat | undefined {
  const fields = procStatFields(text);
  if (!fields) return undefined;
  const pid = Number.parseInt(text, 10);
  // fields[0] is state (field 3): ppid is field 4, utime 14, stime 15, rss 24.
  const ppid = Number(fields[1]);
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const rssPages = Number(fields[21]);
  if (![pid, ppid, cpuTicks, rssPages].every(Number.isFinite)) return undefined;
  return { pid, ppid, cpuTicks, rssPages };
}

function readAllStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (stat) stats.push(stat);
    } catch {
      // the process ended between listing and reading
    }
  }
  return stats;
}

/** The process and all its descendants. */
export function processTree(rootPid: number, stats: readonly ProcStat[]): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const tree = stats.filter((s) => s.pid === rootPid);
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i].pid) ?? []));
  return tree;
}

/** Samples CPU % and RSS of a process tree as `system/…` metrics; Linux only (elsewhere it records nothing). */
export class SystemSampler {
  private lastTicks: number | undefined;
  private lastTime = 0;
  private step = 0;
  readonly supported = process.platform === 'linux';

  constructor(private readonly rootPid: number) {}

  /** One sample; the first one has no CPU % since it needs two readings. */
  sample(now = Date.now()): MetricPoint[] {
    if (!this.supported) return [];
    const tree = processTree(this.rootPid, readAllStats());
    if (tree.length === 0) return [];
    const ticks = tree.reduce((sum, s) => sum + s.cpuTicks, 0);
    const rssMb = (tree.reduce((sum, s) => sum + s.rssPages, 0) * PAGE_BYTES) / (1024 * 1024);
    const step = this.step++;
    const points: MetricPoint[] = [
      { key: 'system/rss_mb', value: Math.round(rssMb * 10) / 10, step, timestamp: now },
      { key: 'system/processes', value: tree.length, step, timestamp: now },
    ];
    if (this.lastTicks !== undefined && now > this.lastTime) {
      const cpuPercent = ((ticks - this.lastTicks) / TICKS_PER_SECOND / ((now - this.lastTime) / 1000)) * 100;
      points.push({ key: 'system/cpu_percent', value: Math.round(Math.max(0, cpuPercent) * 10) / 10, step, timestamp: now });
    }
    this.lastTicks = ticks;
    this.lastTime = now;
    return points;
  }
}
