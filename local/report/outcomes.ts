/**
 * A run's row outcomes as the local runner sees them: the manifest read from the local S3, and, with `--out`, the
 * files copied out of it before the local services stop. The runner reads with its own full-access key (as the user
 * who owns the bucket would), never with a function's role.
 */
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { readRunSummaries } from "../../functions/adapters/chunk-summaries";
import { OUTCOME_KEYS, type OutcomeSettings, type RunManifest } from "../../functions/contract";
import { type ChunkPartKeys, chunkPartKeys } from "../../functions/core/outcomes/chunk-parts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../services/services";
import type { RunOutcomes } from "./document";
import { createWriteStreamNoFollow, ensureRealDirectory, refuseSymlink } from "./out-files";

/** Where `--out` puts the row outcomes, relative to its directory. */
export const OUT_PATHS = {
  manifest: "results.json",
  /** The run's report as the check wrote it to the bucket (`results/<exec>.html`), byte for byte. */
  report: "results.html",
  rejectedRows: join("rejected", "rows.csv"),
  rejectedErrors: join("rejected", "errors.csv"),
  /** The parts of the chunks that completed after the files were composed (named as in the bucket). */
  rejectedPartsDir: join("rejected", "parts"),
  processedDir: "processed",
} as const;

/**
 * A chunk that completed after AggregateResults composed `rows.csv` and `errors.csv` (a failed Map is caught at once
 * while other chunks still run): the manifest names it missing, yet its outcome is in its parts, and the check counts
 * it (it reads the runs table later).
 */
export interface LateChunk {
  chunkId: number;
  keys: ChunkPartKeys;
}

/** The object keys a run's outcomes have, whether or not they were written. */
export interface OutcomeKeys {
  manifest: string;
  rejectedFolder: string;
  rejectedRows: string;
  rejectedErrors: string;
  processedFolder: string;
  /** The run's report, which the error check writes beside the manifest. */
  report: string;
}

/** The keys of execution `exec`'s outcomes under `settings`. */
export function outcomeKeys(settings: OutcomeSettings, exec: string): OutcomeKeys {
  return {
    manifest: OUTCOME_KEYS.manifest(settings, exec),
    rejectedFolder: OUTCOME_KEYS.rejectedFolder(settings, exec),
    rejectedRows: OUTCOME_KEYS.rejectedRows(settings, exec),
    rejectedErrors: OUTCOME_KEYS.rejectedErrors(settings, exec),
    processedFolder: `${settings.processedPrefix}${exec}/`,
    report: OUTCOME_KEYS.report(settings, exec),
  };
}

/**
 * The chunks the manifest names missing that have reported to the runs table since (their summaries are there), in
 * chunk order: their outcomes are only in their parts. The runs table is what the check counts from.
 */
export async function readLateChunks(
  runsTable: string,
  settings: OutcomeSettings,
  manifest: RunManifest | undefined,
): Promise<LateChunk[]> {
  if (!manifest || manifest.chunks.missing.length === 0) return [];
  const { chunks } = await readRunSummaries(runsTable, manifest.executionName);
  const reported = new Set(chunks.map((c) => Number(c.chunkId)));
  return manifest.chunks.missing
    .filter((id) => reported.has(id))
    .map((chunkId) => ({ chunkId, keys: chunkPartKeys(settings, manifest.executionName, chunkId) }));
}

/** The document's view of a manifest, with the chunks that completed after it was composed. */
export function outcomesOf(manifest: RunManifest, manifestKey: string, late: readonly LateChunk[] = []): RunOutcomes {
  return {
    manifest: manifestKey,
    rejectedRows: manifest.rejected.rows,
    rejectedErrors: manifest.rejected.errors,
    processedParts: manifest.processed?.parts ?? [],
    rowCount: manifest.rejected.rowCount,
    errorCount: manifest.rejected.errorCount,
    missingChunks: manifest.chunks.missing,
    lateChunks: late.map((c) => c.chunkId),
  };
}

/** What `--out` received of the row outcomes: absolute paths of the files copied. */
export interface OutcomeFiles {
  manifest?: string;
  /** The check's report, copied from the bucket. */
  report?: string;
  rejectedRows?: string;
  rejectedErrors?: string;
  processedParts: string[];
  /** The late chunks' rejected rows and error lines (`rejected/parts/rows-NNNNN.csv`, `errors-NNNNN.csv`). */
  lateParts: { chunkId: number; rows?: string; errors?: string }[];
  /** Keys that were to be copied and did not exist (nothing is written in their place). */
  absent: string[];
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

/** Reads the local S3 as the bucket's owner. */
export class OutcomeReader {
  private readonly s3: S3Client;

  /** `endpoint`: the local S3's URL (the runner's own key has full access there). */
  constructor(
    endpoint: string,
    readonly bucket: string,
  ) {
    this.s3 = new S3Client({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
      // Byte copies of what the functions wrote: nothing to verify against (s3rver sends no checksums).
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  /** The object's body as a stream, or `undefined` when there is no such object. */
  private async open(key: string): Promise<Readable | undefined> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return res.Body as Readable | undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** The run's manifest, or `undefined` when none was written. Throws when it is not a manifest (naming the key). */
  async manifest(key: string): Promise<RunManifest | undefined> {
    const body = await this.open(key);
    if (body === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    const text = Buffer.concat(chunks).toString("utf8");
    let parsed: Partial<RunManifest>;
    try {
      parsed = JSON.parse(text) as Partial<RunManifest>;
    } catch (err) {
      throw new Error(`s3://${this.bucket}/${key} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    if (
      typeof parsed?.rejected?.rows !== "string" ||
      typeof parsed.rejected.errors !== "string" ||
      !Array.isArray(parsed.chunks?.missing)
    ) {
      throw new Error(`s3://${this.bucket}/${key} is not a run manifest (no rejected.rows, rejected.errors or chunks)`);
    }
    return parsed as RunManifest;
  }

  /** Every key under `prefix`, in key order. */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  /**
   * Streams the object into `path` byte for byte (through a temporary name, so a failed copy leaves no file).
   * Returns false, writing nothing, when the object does not exist. Never writes through a symbolic link: the
   * folders from `root` (the `--out` directory) down to the file, and the file's own name, must not be links.
   */
  async copy(key: string, path: string, root = dirname(path)): Promise<boolean> {
    const body = await this.open(key);
    if (body === undefined) return false;
    const partial = join(dirname(path), `.${basename(path)}.copying`);
    ensureRealDirectory(dirname(path), root);
    refuseSymlink(path);
    try {
      await pipeline(body, createWriteStreamNoFollow(partial));
      refuseSymlink(path);
      renameSync(partial, path);
    } catch (err) {
      rmSync(partial, { force: true });
      throw err;
    }
    return true;
  }

  close(): void {
    this.s3.destroy();
  }
}

/** Removes what an earlier run left in `dir`'s outcome paths, so that every outcome file there is this run's. */
function clearEarlierOutcomes(dir: string): void {
  // A linked folder's files are someone else's: never listed, never removed (a linked file is only unlinked).
  refuseSymlink(dir);
  refuseSymlink(join(dir, dirname(OUT_PATHS.rejectedRows)));
  rmSync(join(dir, OUT_PATHS.manifest), { force: true });
  rmSync(join(dir, OUT_PATHS.report), { force: true });
  rmSync(join(dir, OUT_PATHS.rejectedRows), { force: true });
  rmSync(join(dir, OUT_PATHS.rejectedErrors), { force: true });
  const clear = (folder: string, name: RegExp) => {
    refuseSymlink(folder);
    if (!existsSync(folder)) return;
    for (const f of readdirSync(folder)) if (name.test(f)) rmSync(join(folder, f), { force: true });
  };
  clear(join(dir, OUT_PATHS.processedDir), /^part-\d+\.csv$/);
  clear(join(dir, OUT_PATHS.rejectedPartsDir), /^(rows|errors)-\d+\.csv$/);
}

/**
 * Copies a run's outcomes into `dir`: `results.json` (the manifest), `results.html` (the check's report), `rejected/rows.csv`, `rejected/errors.csv` and
 * `processed/part-NNNNN.csv`, and for each late chunk its parts: `processed/part-NNNNN.csv` beside the others,
 * `rejected/parts/rows-NNNNN.csv` and `errors-NNNNN.csv`. Whatever exists is copied, also after a failed run;
 * nothing is made up for what does not. The parts are the manifest's, or, without a manifest, whatever is under the
 * run's processed folder.
 */
export async function copyOutcomeFiles(
  reader: OutcomeReader,
  keys: OutcomeKeys,
  manifest: RunManifest | undefined,
  dir: string,
  late: readonly LateChunk[] = [],
): Promise<OutcomeFiles> {
  clearEarlierOutcomes(dir);
  const files: OutcomeFiles = { processedParts: [], lateParts: [], absent: [] };
  const copy = async (key: string, path: string): Promise<string | undefined> => {
    if (await reader.copy(key, path, dir)) return path;
    files.absent.push(key);
    return undefined;
  };
  const copied = {
    manifest: manifest ? await copy(keys.manifest, join(dir, OUT_PATHS.manifest)) : undefined,
    report: await copy(keys.report, join(dir, OUT_PATHS.report)),
    rejectedRows: await copy(manifest?.rejected.rows ?? keys.rejectedRows, join(dir, OUT_PATHS.rejectedRows)),
    rejectedErrors: await copy(manifest?.rejected.errors ?? keys.rejectedErrors, join(dir, OUT_PATHS.rejectedErrors)),
  };
  for (const [name, path] of Object.entries(copied)) if (path !== undefined) files[name as keyof typeof copied] = path;
  const parts = manifest
    ? (manifest.processed?.parts ?? [])
    : (await reader.list(keys.processedFolder)).filter((k) => /\/part-\d+\.csv$/.test(k));
  const lateProcessed = late.map((c) => c.keys.processed).filter((k): k is string => k !== null);
  for (const key of [...parts, ...lateProcessed]) {
    const path = await copy(key, join(dir, OUT_PATHS.processedDir, basename(key)));
    if (path) files.processedParts.push(path);
  }
  files.processedParts.sort();
  for (const { chunkId, keys: part } of late) {
    const rows = await copy(part.rows, join(dir, OUT_PATHS.rejectedPartsDir, basename(part.rows)));
    const errors = await copy(part.errors, join(dir, OUT_PATHS.rejectedPartsDir, basename(part.errors)));
    files.lateParts.push({ chunkId, ...(rows ? { rows } : {}), ...(errors ? { errors } : {}) });
  }
  return files;
}
