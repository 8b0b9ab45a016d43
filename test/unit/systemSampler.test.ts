import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseProcStat, processTree, SystemSampler } from '../../src/capture/systemSampler';

const stat = (pid: number, ppid: number, name = 'python3'): string =>
  `${pid} (${name}) S ${ppid} 1 1 0 -1 4194304 100 0 0 0 150 50 0 0 20 0 1 0 100 1000000 2560 18446744073709551615`;

describe('system sampler', () => {
  test('parses /proc stat lines, even with spaces and parentheses in the command name', () => {
    assert.deepEqual(parseProcStat(stat(42, 7, 'my (weird) name')), { pid: 42, ppid: 7, cpuTicks: 200, rssPages: 2560 });
    assert.equal(parseProcStat('garbage'), undefined);
  });

  test('collects the whole process tree and nothing else', () => {
    const stats = [stat(1, 0), stat(10, 1), stat(11, 10), stat(12, 11), stat(20, 1)].map((s) => parseProcStat(s)!);
    assert.deepEqual(
      processTree(10, stats)
        .map((s) => s.pid)
        .sort(),
      [10, 11, 12],
    );
  });

  test('samples this process: RSS now, CPU % from the second sample on', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
    const sampler = new SystemSampler(process.pid);
    const start = Date.now();
    const first = sampler.sample(start);
    assert.ok(first.find((p) => p.key === 'system/rss_mb')!.value > 1);
    assert.ok(!first.some((p) => p.key === 'system/cpu_percent'));
    // Burn 300 ms of CPU on this thread, then the sampler's CPU % over the wall time must give back those 300 ms
    // (within /proc's 10 ms ticks), however loaded the machine is.
    const before = process.cpuUsage();
    const usedMs = (): number => {
      const { user, system } = process.cpuUsage(before);
      return (user + system) / 1000;
    };
    while (usedMs() < 300);
    const used = usedMs();
    const end = Date.now();
    const cpu = sampler.sample(end).find((p) => p.key === 'system/cpu_percent')!.value;
    const sampledMs = (cpu / 100) * (end - start);
    assert.ok(Math.abs(sampledMs - used) <= 40 + used * 0.1, `sampled ${sampledMs.toFixed(0)} ms of CPU, used ${used.toFixed(0)} ms`);
  });
});
