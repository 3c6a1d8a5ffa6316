import { EnvironmentError } from "./errors";

/**
 * The one reader of the functions' environment. Every failure is a {@link EnvironmentError} that names the variable,
 * says what it must hold and, where there is one, shows a valid value.
 */

/** Where variables are read from: `process.env` by default, a plain object in tests. */
export type Env = Record<string, string | undefined>;

/** A required variable; missing or empty fails with its name. */
export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new EnvironmentError(`Missing environment variable ${name}: the function's configuration must set it.`);
  }
  return value;
}

/**
 * An optional positive number (`integer` for whole numbers only); unset or empty gives `fallback`.
 *
 * @example positiveEnv("CHUNK_ROWS", 5000, { integer: true }) // 5000 when CHUNK_ROWS is unset
 */
export function positiveEnv(name: string, fallback: number, opts: { integer?: boolean; env?: Env } = {}): number {
  const raw = (opts.env ?? process.env)[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  const ok = opts.integer ? Number.isInteger(n) : Number.isFinite(n);
  if (!ok || n <= 0) {
    throw new EnvironmentError(
      `Environment variable ${name} must be a positive ${opts.integer ? "whole number" : "number"} (got ${JSON.stringify(raw)}), e.g. ${fallback}.`,
    );
  }
  return n;
}

/** An optional ISO-8601 time with a zone; unset or empty gives `undefined`. */
export function timeEnv(name: string, env: Env = process.env): Date | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const t = new Date(raw);
  if (Number.isNaN(t.getTime())) {
    throw new EnvironmentError(
      `Environment variable ${name} must be an ISO-8601 time (got ${JSON.stringify(raw)}), e.g. 2025-06-03T10:00:00+09:00.`,
    );
  }
  return t;
}
