import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chmodSync, mkdirSync, mkdtempSync, openSync, closeSync, fsyncSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { GpuSampler, parseNvidiaSmi } from '../../src/capture/gpuSampler';
import { nextSampleDelay, parseNetDev, parseProcIo, parseProcStat, processTree, SystemSampler } from '../../src/capture/systemSampler';

const NVIDIA_SMI = join(__dirname, '..', 'fixtures', 'nvidia-smi', 'query-gpu.csv');
const ROOT = join(__dirname, '..', '..');

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

  test('reads the bytes a process made the disk read and write, and network bytes off loopback', () => {
    const io = 'rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 0\nread_bytes: 4096\nwrite_bytes: 8400896\ncancelled_write_bytes: 0\n';
    assert.deepEqual(parseProcIo(io), { readBytes: 4096, writeBytes: 8400896 });
    assert.equal(parseProcIo(''), undefined);
    const netDev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 3720863453 1685529    0    0    0     0          0         0 3720863453 1685529    0    0    0     0       0          0',
      '  eth0: 2480962965  168391    0    0    0     0          0         0 14977304  139025    0    0    0     0       0          0',
      '  eth1:       100       1    0    0    0     0          0         0       50       1    0    0    0     0       0          0',
    ].join('\n');
    assert.deepEqual(parseNetDev(netDev), { recvBytes: 2480963065, sentBytes: 14977354 });
  });

  test('counts the disk bytes the process tree wrote since the first sample', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
    const sampler = new SystemSampler(process.pid);
    const before = sampler.sample().find((p) => p.key === 'system/disk_write_mb')!.value;
    // Under the checkout, not the temp folder: tmpfs does not count written bytes.
    const dir = join(ROOT, 'test-output');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `io-${process.pid}.bin`);
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, Buffer.alloc(8 * 1024 * 1024, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      rmSync(file, { force: true });
    }
    const after = sampler.sample().find((p) => p.key === 'system/disk_write_mb')!.value;
    assert.ok(after - before >= 8, `${after - before} MB written`);
  });

  test('samples every second in the first minute, then at the interval', () => {
    assert.equal(nextSampleDelay(0, 5000, 1000), 1000);
    assert.equal(nextSampleDelay(59_999, 5000, 1000), 1000);
    assert.equal(nextSampleDelay(60_000, 5000, 1000), 5000);
  });
});

describe('GPU sampler', () => {
  test("parses nvidia-smi's CSV query output, leaving out fields a device reports as [N/A]", () => {
    const gpus = parseNvidiaSmi(readFileSync(NVIDIA_SMI, 'utf8'));
    assert.equal(gpus.length, 3);
    assert.deepEqual(gpus[0], {
      index: 0,
      name: 'NVIDIA A100-SXM4-40GB',
      driver: '535.104.05',
      utilizationPercent: 87,
      memoryUsedMb: 30215,
      memoryTotalMb: 40960,
      powerWatts: 312.45,
      temperatureC: 64,
    });
    assert.equal(gpus[2].powerWatts, undefined);
    assert.deepEqual(parseNvidiaSmi('No devices were found\n'), []);
  });

  test('samples each device as system/gpu<i>/… metrics through nvidia-smi, and nothing without it', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'labbook-nvidia-'));
    try {
      const fake = join(bin, 'nvidia-smi');
      writeFileSync(fake, `#!/bin/sh\ncat '${NVIDIA_SMI}'\n`);
      chmodSync(fake, 0o755);
      const points = await new GpuSampler(fake).sample(1000);
      const gpu0 = Object.fromEntries(points.filter((p) => p.key.startsWith('system/gpu0/')).map((p) => [p.key, p.value]));
      assert.deepEqual(gpu0, {
        'system/gpu0/utilization_percent': 87,
        'system/gpu0/memory_used_mb': 30215,
        'system/gpu0/memory_percent': 73.8,
        'system/gpu0/power_watts': 312.45,
        'system/gpu0/temperature_c': 64,
      });
      assert.ok(!points.some((p) => p.key === 'system/gpu2/power_watts'));
      const missing = new GpuSampler(join(bin, 'absent'));
      assert.deepEqual(await missing.sample(), []);
      assert.deepEqual(await missing.sample(), []);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
