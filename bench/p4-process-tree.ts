import { readdirSync, readFileSync } from "node:fs";

/** Peak resident set size and CPU time of one process seen under this one. */
export interface TreePeak {
  pid: number;
  ppid: number;
  /** How many levels below this process (1 = a direct child). */
  depth: number;
  /** `VmHWM` from /proc: the process's own peak RSS, bytes. */
  peakRssBytes: number;
  /** User + system CPU time (`utime` + `stime` of /proc/<pid>/stat) at the last sample, seconds. */
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/<pid>/stat times (`USER_HZ`, 100 on Linux). */
const CLOCK_TICKS = 100;

function readStatus(pid: number): { ppid: number; hwmKb: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(text)?.[1]);
    const hwmKb = Number(/^VmHWM:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    return Number.isFinite(ppid) ? { ppid, hwmKb } : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, seconds (fields 14 and 15 of /proc/<pid>/stat, counted after the command name). */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples every `intervalMs` the peak RSS (`VmHWM`, Linux /proc) and the CPU time of every process below this one, so
 * a measured run that starts processes of its own is reported with all of them. VmHWM only grows, so the last sample
 * before a process exits is its peak up to one interval before the exit; its CPU time likewise misses at most the
 * last interval. `stop()` returns what was seen; on a system without /proc it returns nothing.
 */
export function sampleProcessTree(intervalMs = 100): { stop(): TreePeak[] } {
  const root = process.pid;
  const seen = new Map<number, TreePeak>();
  const sample = () => {
    let pids: number[];
    try {
      pids = readdirSync("/proc")
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
    } catch {
      return;
    }
    const parent = new Map<number, { ppid: number; hwmKb: number }>();
    for (const pid of pids) {
      const s = readStatus(pid);
      if (s) parent.set(pid, s);
    }
    for (const [pid, s] of parent) {
      let depth = 0;
      let up: number | undefined = pid;
      while (up !== undefined && up !== root && up > 1 && depth < 16) {
        up = parent.get(up)?.ppid;
        depth++;
      }
      if (up !== root || pid === root) continue;
      const prev = seen.get(pid);
      const bytes = s.hwmKb * 1024;
      const cpu = readCpuSeconds(pid) ?? prev?.cpuSeconds ?? 0;
      seen.set(pid, {
        pid,
        ppid: s.ppid,
        depth,
        peakRssBytes: Math.max(bytes, prev?.peakRssBytes ?? 0),
        cpuSeconds: Math.max(cpu, prev?.cpuSeconds ?? 0),
      });
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return [...seen.values()];
    },
  };
}
