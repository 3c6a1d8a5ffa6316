import { ENV } from "../../contract";
import { type Env, positiveEnv, readOnce } from "../env";
import { DEFAULT_RETENTION_DAYS } from "../records/error-record";

/** Default chunk size: whichever limit is reached first (both grow for very large files, see csv-split). */
export const DEFAULT_CHUNK_ROWS = 5000;
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

function readChunkSettings(env: Env): { rows: number; bytes: number } {
  return {
    rows: positiveEnv(ENV.chunkRows, DEFAULT_CHUNK_ROWS, { integer: true, env }),
    bytes: positiveEnv(ENV.chunkBytes, DEFAULT_CHUNK_BYTES, { integer: true, env }),
  };
}

function readRetentionDays(env: Env): number {
  return positiveEnv(ENV.errorRetentionDays, DEFAULT_RETENTION_DAYS, { env });
}

const functionChunkSettings = readOnce([ENV.chunkRows, ENV.chunkBytes], readChunkSettings);
const functionRetentionDays = readOnce([ENV.errorRetentionDays], readRetentionDays);

/**
 * Chunk limits from CHUNK_ROWS / CHUNK_BYTES (of `env`, else of the function's environment, read once); a bad value
 * fails with the variable's name.
 */
export function chunkSettings(env?: Env): { rows: number; bytes: number } {
  return env ? readChunkSettings(env) : functionChunkSettings();
}

/** Days error records are kept, from ERROR_RETENTION_DAYS (a positive number) or the default. */
export function retentionDays(env?: Env): number {
  return env ? readRetentionDays(env) : functionRetentionDays();
}
