import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { RunDocument } from "../../local/report/document";

export const ROOT = resolve(__dirname, "..", "..");

/** A weekday morning in Tokyo (outside quiet hours): notices go out at once. */
export const WEEKDAY_MORNING = "2025-06-03T10:00:00+09:00";
/** The same Tuesday, late evening in Tokyo (inside the default 22:00–07:00 quiet hours). */
export const WEEKDAY_NIGHT = "2025-06-03T23:30:00+09:00";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The temporary directory the run was given as TMPDIR. */
  tmp: string;
}

/**
 * Runs the CLI as `npm start` does (`node -r ./local/register.js local/cli/cli.ts …`) in its own process, with a fresh
 * TMPDIR so a test can check that nothing was left behind. `onStderr` sees stderr as it arrives (e.g. to interrupt).
 */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void } = {},
): Promise<CliResult> {
  const tmp = mkdtempSync(join(tmpdir(), "csv-cli-e2e-"));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["-r", "./local/register.js", "local/cli/cli.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
      opts.onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr, tmp }));
  });
}

/** Parses `--json` output, failing with the output when it is not exactly one JSON document. */
export function parseDocument(result: CliResult): RunDocument {
  try {
    return JSON.parse(result.stdout) as RunDocument;
  } catch {
    throw new Error(
      `stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\n--- stderr:\n${result.stderr}`,
    );
  }
}
