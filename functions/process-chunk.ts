import { ErrorWriter, putChunkSummary } from "./adapters/error-store";
import { openObject } from "./adapters/s3";
import { loadRowSchema } from "./adapters/schema-source";
import { type ChunkResult, type ChunkSummaryItem, ENV, type ProcessChunkInput, RUN_KEYS } from "./contract";
import { processChunkStream } from "./core/csv/chunk";
import { requireFields, retentionDays } from "./core/csv/settings";
import { requireEnv } from "./core/env";
import { InputError, SourceChangedError } from "./core/errors";
import { log } from "./core/log";
import { buildErrorRecord, expiresAtOf } from "./core/records/error-record";
import { sourceChangedProblem, sourceChangedResult } from "./core/records/upload";

/**
 * Processes one chunk: a ranged read of the original object — of the version split-csv read (`If-Match` on its
 * ETag, and its version id when the bucket is versioned) — streaming parse and validation, error records written in
 * batches of 25, then the chunk's summary item (one PutItem, idempotent). Returns counts only.
 *
 * When the object was replaced since the split (S3 answers 412), the chunk counts no rows of the new version: it
 * records one CRITICAL `SourceChangedError` and returns counts holding only that error, so the run's check reports
 * it and fails the run.
 */
export async function handler(event: ProcessChunkInput, _context?: unknown): Promise<ChunkResult> {
  const input = requireFields<ProcessChunkInput>(
    event,
    ["executionName", "startTime", "bucket", "key", "encoding", "header", "chunk"],
    "process-chunk",
  );
  const { chunk } = input;
  if (
    !(
      Number.isInteger(chunk.start) &&
      Number.isInteger(chunk.end) &&
      chunk.end > chunk.start &&
      chunk.firstLine >= 1 &&
      (chunk.firstRecord === undefined || (Number.isInteger(chunk.firstRecord) && chunk.firstRecord >= 1))
    )
  ) {
    throw new InputError(
      `process-chunk input has an invalid chunk ${JSON.stringify(chunk)}: expected 0 ≤ start < end, firstLine ≥ 1 and, when given, a whole firstRecord ≥ 1.`,
    );
  }
  const errorTable = requireEnv(ENV.errorTable);
  const runsTable = requireEnv(ENV.runsTable);
  const expiresAt = expiresAtOf(Date.now(), retentionDays());
  const schema = await loadRowSchema();

  const writer = new ErrorWriter(errorTable);
  let result: ChunkResult;
  try {
    const object = await openObject(
      input.bucket,
      input.key,
      { start: chunk.start, end: chunk.end },
      { ifMatch: input.etag || undefined, versionId: input.versionId },
    );
    result = await processChunkStream(
      object.body,
      {
        executionName: input.executionName,
        startTime: input.startTime,
        chunk,
        header: input.header,
        encoding: input.encoding,
        schema,
        expiresAt,
      },
      (record) => writer.add(record),
    );
  } catch (err) {
    if (!(err instanceof SourceChangedError)) throw err;
    log("ERROR", "the object was replaced after the split: the chunk reads nothing", {
      executionName: input.executionName,
      chunkId: chunk.id,
      error: err,
    });
    const ctx = {
      executionName: input.executionName,
      startTime: input.startTime,
      chunkId: chunk.id,
      expiresAt,
      processingStage: "process" as const,
    };
    const pending = writer.add(buildErrorRecord(ctx, chunk.firstLine, sourceChangedProblem(chunk), {}));
    if (pending) await pending;
    result = sourceChangedResult(chunk.id);
  }
  await writer.flush();

  const item: ChunkSummaryItem = {
    ...result,
    pk: RUN_KEYS.execution(input.executionName),
    sk: RUN_KEYS.chunk(chunk.id),
    executionName: input.executionName,
    errors: Object.values(result.bySeverity).reduce((a, b) => a + b, 0),
    updatedAt: new Date().toISOString(),
    expiresAt,
  };
  await putChunkSummary(runsTable, item);
  return result;
}
