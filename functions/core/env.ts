import { EnvironmentError } from "./errors";

/**
 * The one reader of the functions' environment: no other module of `functions/` reads `process.env`. Every failure
 * is a {@link EnvironmentError} that names the variable, says what it must hold and, where there is one, shows a
 * valid value.
 */

/** Where variables are read from: the function's own environment by default, a plain object in tests. */
export type Env = Record<string, string | undefined>;

/**
 * The function's own environment (`process.env`, the live object: the local runner sets the variables of each run
 * on it, and tests theirs).
 */
export const FUNCTION_ENV: Env = process.env;

/**
 * A setting read from the function's environment once, and read again only when one of the variables `names`
 * changed: on Lambda they stay as deployed, so it is read once per container; the local runner and tests set them
 * per run. A bad value is not kept: every call fails with its error until the variable is fixed.
 *
 * @example const chunkRows = readOnce([ENV.chunkRows], (env) => positiveEnv(ENV.chunkRows, 5000, { env }));
 */
export function readOnce<T>(names: readonly string[], read: (env: Env) => T): () => T {
  let cached: { key: string; value: T } | undefined;
  return () => {
    const key = JSON.stringify(names.map((name) => FUNCTION_ENV[name] ?? null));
    if (cached?.key !== key) cached = { key, value: read(FUNCTION_ENV) };
    return cached.value;
  };
}

/** An optional variable: unset or empty gives `undefined`. */
export function optionalEnv(name: string, env: Env = FUNCTION_ENV): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** An optional `"true"` / `"false"`; unset or empty gives `fallback`. */
export function flagEnv(name: string, fallback: boolean, env: Env = FUNCTION_ENV): boolean {
  const value = optionalEnv(name, env);
  if (value === undefined) return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new EnvironmentError(
    `Environment variable ${name} must be "true" or "false" (got ${JSON.stringify(value)}), e.g. ${fallback}.`,
  );
}

/** An optional S3 key prefix, which must end with `/`; unset or empty gives `fallback`. */
export function prefixEnv(name: string, fallback: string, env: Env = FUNCTION_ENV): string {
  const value = optionalEnv(name, env);
  if (value === undefined) return fallback;
  if (!value.endsWith("/")) {
    throw new EnvironmentError(
      `Environment variable ${name} must end with "/" (got ${JSON.stringify(value)}), e.g. ${JSON.stringify(fallback)}.`,
    );
  }
  return value;
}

/**
 * An optional choice among `values`, matched without regard to case; unset or empty gives `fallback`.
 *
 * @example choiceEnv("LOG_LEVEL", ["DEBUG", "INFO", "WARN", "ERROR"], "INFO") // "WARN" for LOG_LEVEL=warn
 */
export function choiceEnv<T extends string>(
  name: string,
  values: readonly T[],
  fallback: T,
  env: Env = FUNCTION_ENV,
): T {
  const value = optionalEnv(name, env);
  if (value === undefined) return fallback;
  const found = values.find((v) => v.toLowerCase() === value.toLowerCase());
  if (found !== undefined) return found;
  throw new EnvironmentError(
    `Environment variable ${name} must be one of ${values.join(", ")} (got ${JSON.stringify(value)}), e.g. ${fallback}.`,
  );
}

/** A required variable; missing or empty fails with its name. */
export function requireEnv(name: string, env: Env = FUNCTION_ENV): string {
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
  const raw = (opts.env ?? FUNCTION_ENV)[name];
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
export function timeEnv(name: string, env: Env = FUNCTION_ENV): Date | undefined {
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
