/**
 * Measuring a multi-process system from the outside for the cluster benchmark: CPU and RSS of
 * every process from /proc, how busy the rest of the machine was meanwhile, forced garbage
 * collections before memory readings, and V8 CPU profiles over the inspector.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningSystem } from './cluster-systems.js';
import {
  type CpuProfile,
  cpuSeconds,
  httpGet,
  Inspector,
  machineCpu,
  type ProfileRow,
  rssBytes,
  sleep,
  topSelfTime,
} from './lib.js';

export interface CpuWindow {
  /** Wall-clock seconds. */
  elapsed: number;
  /** CPU seconds per process name. */
  perProcess: Map<string, number>;
  total: number;
  /** Cores used by everything else on the machine (not the system, not this load generator). */
  others: number;
  /** Cores this load generator used. */
  loadGenerator: number;
}

/** Starts a CPU window over the system's processes; `end()` closes it. */
export function cpuWindow(system: RunningSystem): { end(): CpuWindow } {
  const start = new Map(system.processes.map((p) => [p.name, cpuSeconds(p.pid)]));
  const machine0 = machineCpu();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    end() {
      const elapsed = (performance.now() - t0) / 1000;
      const perProcess = new Map<string, number>();
      let total = 0;
      for (const p of system.processes) {
        const used = cpuSeconds(p.pid) - (start.get(p.name) ?? 0);
        perProcess.set(p.name, used);
        total += used;
      }
      const own = process.cpuUsage(own0);
      const ownSeconds = (own.user + own.system) / 1e6;
      const machine = machineCpu().busy - machine0.busy;
      return {
        elapsed,
        perProcess,
        total,
        others: Math.max(0, (machine - ownSeconds - total) / elapsed),
        loadGenerator: ownSeconds / elapsed,
      };
    },
  };
}

/** Waits until the system used less than `cores` for half a second (at most `maxMs`). */
export async function waitIdle(system: RunningSystem, maxMs = 15_000, cores = 0.1): Promise<void> {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const window = cpuWindow(system);
    await sleep(500);
    const { total, elapsed } = window.end();
    if (total / elapsed < cores) return;
  }
}

/** Sum of the processes' RSS, after a full GC in each that can be asked for one. */
export async function memory(system: RunningSystem, gc: boolean): Promise<Map<string, number>> {
  if (gc) {
    await Promise.all(
      system.processes.map(async (p) => {
        if (p.inspectPort !== undefined) {
          const inspector = await Inspector.attach(p.inspectPort);
          try {
            await inspector.collectGarbage();
          } finally {
            inspector.close();
          }
        } else if (p.gcUrl !== undefined) {
          await httpGet(p.gcUrl, 10_000).catch(() => undefined);
        }
      }),
    );
    await sleep(200);
  }
  return new Map(system.processes.map((p) => [p.name, rssBytes(p.pid)]));
}

export interface ProcessProfile {
  process: string;
  /** Sampled non-idle milliseconds. */
  busyMs: number;
  /** Self time by function, largest first; share of the non-idle time. */
  top: ProfileRow[];
}

/**
 * Samples the CPU of the named Node processes (every 100 µs) while `during` runs. The
 * profiler slows a process down noticeably: use the shares, not absolute figures.
 */
export async function profileDuring(
  system: RunningSystem,
  names: readonly string[],
  during: () => Promise<void>,
  limit = 12,
  /** Also write each process's `.cpuprofile` here as `<label>-<process>.cpuprofile`. */
  save?: { dir: string; label: string },
): Promise<ProcessProfile[]> {
  const targets = system.processes.filter((p) => names.includes(p.name) && p.inspectPort !== undefined);
  const inspectors = await Promise.all(targets.map((p) => Inspector.attach(p.inspectPort!)));
  try {
    for (const inspector of inspectors) {
      await inspector.call('Profiler.enable');
      await inspector.call('Profiler.setSamplingInterval', { interval: 100 });
      await inspector.call('Profiler.start');
    }
    await during();
    const profiles = await Promise.all(
      inspectors.map(async (inspector) => (await inspector.call('Profiler.stop'))['profile'] as CpuProfile),
    );
    if (save) {
      mkdirSync(save.dir, { recursive: true });
      for (const [i, profile] of profiles.entries())
        writeFileSync(
          join(save.dir, `${save.label}-${targets[i]!.name}.cpuprofile`),
          JSON.stringify(profile),
        );
    }
    return profiles.map((profile, i) => {
      const rows = topSelfTime(profile, limit + 2);
      const idle = rows.find((r) => r.name === '(idle)');
      const idleShare = idle?.share ?? 0;
      const totalMs = rows.length > 0 && rows[0]!.share > 0 ? rows[0]!.ms / rows[0]!.share : 0;
      const busyShare = 1 - idleShare;
      return {
        process: targets[i]!.name,
        busyMs: totalMs * busyShare,
        top: rows
          .filter((r) => r.name !== '(idle)')
          .slice(0, limit)
          .map((r) => ({ ...r, share: busyShare > 0 ? r.share / busyShare : 0 })),
      };
    });
  } finally {
    for (const inspector of inspectors) inspector.close();
  }
}
