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

/** Bytes a process made the storage layer read and write (/proc/<pid>/io); undefined when unreadable. */
export function parseProcIo(text: string): { readBytes: number; writeBytes: number } | undefined {
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1]);
  const io = { readBytes: field('read_bytes'), writeBytes: field('write_bytes') };
  return Number.isFinite(io.readBytes) && Number.isFinite(io.writeBytes) ? io : undefined;
}

/** Received and sent bytes over every interface but loopback, from /proc/net/dev. */
export function parseNetDev(text: string): { recvBytes: number; sentBytes: number } {
  let recvBytes = 0;
  let sentBytes = 0;
  for (const line of text.split('\n').slice(2)) {
    const [name, counters] = line.split(':');
    if (!counters || name.trim() === 'lo') continue;
    const fields = counters.trim().split(/\s+/).map(Number);
    recvBytes += fields[0] || 0;
    sentBytes += fields[8] || 0;
  }
  return { recvBytes, sentBytes };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended, or its io file is not ours to read
  }
}

const MB = 1024 * 1024;

/**
 * Samples a process tree as `system/…` metrics: CPU %, RSS, process count, disk bytes the tree read and wrote since
 * the run started (processes that ended keep counting), and network bytes of its network namespace (all the
 * machine's traffic outside containers: Linux keeps no per-process count). Linux only; elsewhere nothing.
 */
export class SystemSampler {
  private lastTicks: number | undefined;
  private lastTime = 0;
  private step = 0;
  private readonly ioByPid = new Map<number, { readBytes: number; writeBytes: number }>();
  private netStart: { recvBytes: number; sentBytes: number } | undefined;
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
    return [...points, ...this.ioPoints(tree, step, now)];
  }

  private ioPoints(tree: readonly ProcStat[], step: number, timestamp: number): MetricPoint[] {
    for (const { pid } of tree) {
      const io = parseProcIo(readText(`/proc/${pid}/io`) ?? '');
      if (io) this.ioByPid.set(pid, io);
    }
    const disk = [...this.ioByPid.values()].reduce((sum, io) => ({ read: sum.read + io.readBytes, write: sum.write + io.writeBytes }), {
      read: 0,
      write: 0,
    });
    const netText = readText(`/proc/${this.rootPid}/net/dev`);
    const net = netText === undefined ? undefined : parseNetDev(netText);
    this.netStart ??= net;
    const mb = (bytes: number): number => Math.round((bytes / MB) * 1000) / 1000;
    const points: MetricPoint[] = [];
    if (this.ioByPid.size > 0) {
      points.push(
        { key: 'system/disk_read_mb', value: mb(disk.read), step, timestamp },
        { key: 'system/disk_write_mb', value: mb(disk.write), step, timestamp },
      );
    }
    if (net && this.netStart) {
      points.push(
        { key: 'system/net_recv_mb', value: mb(Math.max(0, net.recvBytes - this.netStart.recvBytes)), step, timestamp },
        { key: 'system/net_sent_mb', value: mb(Math.max(0, net.sentBytes - this.netStart.sentBytes)), step, timestamp },
      );
    }
    return points;
  }
}

/** Milliseconds to the next sample: `firstMinuteMs` for the run's first minute, then `intervalMs`. */
export function nextSampleDelay(elapsedMs: number, intervalMs: number, firstMinuteMs: number): number {
  return elapsedMs < 60_000 ? firstMinuteMs : intervalMs;
}
