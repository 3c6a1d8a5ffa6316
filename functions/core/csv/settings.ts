import { ENV } from "../../contract";
import { type Env, positiveEnv } from "../env";
import { DEFAULT_RETENTION_DAYS } from "../records/error-record";

/** Default chunk size: whichever limit is reached first (both grow for very large files, see csv-split). */
export const DEFAULT_CHUNK_ROWS = 5000;
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** Chunk limits from CHUNK_ROWS / CHUNK_BYTES; a bad value fails with the variable's name. */
export function chunkSettings(env: Env = process.env): { rows: number; bytes: number } {
  return {
    rows: positiveEnv(ENV.chunkRows, DEFAULT_CHUNK_ROWS, { integer: true, env }),
    bytes: positiveEnv(ENV.chunkBytes, DEFAULT_CHUNK_BYTES, { integer: true, env }),
  };
}

/** Days error records are kept, from ERROR_RETENTION_DAYS (a positive number) or the default. */
export function retentionDays(env: Env = process.env): number {
  return positiveEnv(ENV.errorRetentionDays, DEFAULT_RETENTION_DAYS, { env });
}
