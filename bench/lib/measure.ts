import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Root of the repository. */
export const ROOT = resolve(__dirname, "..", "..");
/** Preload that writes the process's peak RSS (bytes) and CPU seconds to `BENCH_USAGE_FILE` when it exits. */
export const USAGE_PRELOAD = join(__dirname, "usage-preload.js");

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty list");
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` once and returns its result with the elapsed milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** What a child process run reports. */
export interface ChildRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** Peak resident set size of the child, bytes. */
  maxRssBytes: number;
  /** CPU time the child used (user + system), seconds; 0 when it did not report one. */
  cpuSeconds: number;
}

/**
 * Runs `node -r ./local/register.js <args>` in the repository with the usage preload and returns its output, wall
 * time and peak RSS. Rejects when the child cannot start; a non-zero exit is reported in `code`.
 */
export function runNode(
  args: string[],
  opts: { env?: Record<string, string | undefined>; nodeFlags?: string[]; timeoutMs?: number } = {},
): Promise<ChildRun> {
  const usageFile = join(tmpdir(), `bench-usage-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const t0 = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [...(opts.nodeFlags ?? []), "-r", USAGE_PRELOAD, "-r", "./local/register.js", ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...opts.env, BENCH_USAGE_FILE: usageFile },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer =
      opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs).unref();
    child.on("error", reject);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      const ms = performance.now() - t0;
      let maxRssBytes = 0;
      let cpuSeconds = 0;
      try {
        const usage = JSON.parse(readFileSync(usageFile, "utf8"));
        maxRssBytes = usage.maxRssBytes;
        cpuSeconds = usage.cpuSeconds;
      } catch {
        maxRssBytes = 0;
      }
      rmSync(usageFile, { force: true });
      resolvePromise({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ms,
        maxRssBytes,
        cpuSeconds,
      });
    });
  });
}

/**
 * The node flags `npm start` runs the local runner with (the words between `node` and its first `-r` in
 * package.json's `start` script), so a measured run starts as the user's does.
 */
export function startScriptNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? "").trim().split(/\s+/);
  if (words[0] !== "node") throw new Error(`package.json's start script does not run node: ${pkg.scripts?.start}`);
  const end = words.indexOf("-r");
  return words.slice(1, end === -1 ? undefined : end).filter((w) => w.startsWith("--"));
}

/** Parses the last JSON line a child printed on stdout; the error names the script and shows its stderr. */
export function lastJson<T>(run: ChildRun, what: string): T {
  const lines = run.stdout.trim().split("\n").filter(Boolean);
  const last = lines[lines.length - 1];
  if (run.code !== 0 || last === undefined) {
    throw new Error(`${what} exited with code ${run.code}; stderr:\n${run.stderr.slice(-4000)}`);
  }
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${what} did not print JSON on its last stdout line; got: ${last.slice(0, 500)}`);
  }
}

/** Samples `process.memoryUsage().heapUsed` while `fn` runs; returns the peak above the heap in use at the start. */
export async function peakHeapDuring<T>(
  fn: (sample: () => void) => Promise<T>,
): Promise<{ value: T; peakHeapBytes: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = () => {
    const h = process.memoryUsage().heapUsed;
    if (h > peak) peak = h;
  };
  const timer = setInterval(sample, 1);
  try {
    const value = await fn(sample);
    sample();
    return { value, peakHeapBytes: peak - base };
  } finally {
    clearInterval(timer);
  }
}
