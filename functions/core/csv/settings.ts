import { ENV } from "../../contract";

/** Default chunk size: whichever limit is reached first (both grow for very large files, see csv-split). */
export const DEFAULT_CHUNK_ROWS = 5000;
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(
      `Environment variable ${name} must be a positive whole number (got ${JSON.stringify(raw)}), e.g. ${fallback}.`,
    );
  }
  return n;
}

/** Chunk limits from CHUNK_ROWS / CHUNK_BYTES; a bad value fails with the variable's name. */
export function chunkSettings(env: Record<string, string | undefined> = process.env): { rows: number; bytes: number } {
  return {
    rows: positiveInt(env, ENV.chunkRows, DEFAULT_CHUNK_ROWS),
    bytes: positiveInt(env, ENV.chunkBytes, DEFAULT_CHUNK_BYTES),
  };
}

/** Checks that `event[field]` is a non-empty string for every field; throws one message naming all missing ones. */
export function requireFields<T extends object>(
  event: unknown,
  fields: readonly (keyof T & string)[],
  what: string,
): T {
  const obj = (event ?? {}) as Record<string, unknown>;
  const missing = fields.filter((f) => obj[f] === undefined || obj[f] === null || obj[f] === "");
  if (missing.length > 0) {
    throw new Error(`${what} input lacks ${missing.join(", ")}: the state machine must pass them.`);
  }
  return obj as T;
}
