import { ErrorWriter, putFileSummary } from "./adapters/error-store";
import { openUploadedObject } from "./adapters/s3";
import { loadRowSchema } from "./adapters/schema-source";
import type { CountsByType } from "./contract";
import { ENV, type FileSummaryItem, RUN_KEYS, type SplitResult } from "./contract";
import { chunkSettings, requireFields, retentionDays } from "./core/csv/settings";
import { splitCsv } from "./core/csv/split";
import { requireEnv } from "./core/env";
import { buildErrorRecord, countRecord, emptyBySeverity, expiresAtOf } from "./core/records/error-record";

/** What the SplitCsv state passes. */
export interface SplitEvent {
  bucket: string;
  key: string;
  executionName: string;
  startTime: string;
}

/**
 * Reads the uploaded CSV once as a stream, checks its header against the row schema, records header problems, writes
 * the file summary item and returns the chunk manifest (byte ranges, at most MAX_CHUNKS).
 */
export async function handler(event: SplitEvent, _context?: unknown): Promise<SplitResult> {
  const input = requireFields<SplitEvent>(event, ["bucket", "key", "executionName", "startTime"], "split-csv");
  const errorTable = requireEnv(ENV.errorTable);
  const runsTable = requireEnv(ENV.runsTable);
  const settings = chunkSettings();
  const expiresAt = expiresAtOf(Date.now(), retentionDays());
  const schema = await loadRowSchema();

  // S3 events may carry the key URL-encoded; every later state reads the key found here (`SplitResult.key`).
  const object = await openUploadedObject(input.bucket, input.key);
  const outcome = await splitCsv(object.body, {
    totalBytes: object.contentLength,
    schema,
    chunkRows: settings.rows,
    chunkBytes: settings.bytes,
  });

  const writer = new ErrorWriter(errorTable);
  const byType: CountsByType = {};
  const bySeverity = emptyBySeverity();
  const ctx = {
    executionName: input.executionName,
    startTime: input.startTime,
    chunkId: 0,
    expiresAt,
    processingStage: "split" as const,
  };
  for (const problem of outcome.problems) {
    countRecord(byType, bySeverity, problem);
    const pending = writer.add(buildErrorRecord(ctx, 1, problem, {}));
    if (pending) await pending;
  }
  await writer.flush();

  const summary: FileSummaryItem = {
    pk: RUN_KEYS.execution(input.executionName),
    sk: RUN_KEYS.file,
    executionName: input.executionName,
    bucket: input.bucket,
    key: object.key,
    status: outcome.status,
    encoding: outcome.encoding,
    chunkCount: outcome.chunks.length,
    byType,
    bySeverity,
    errors: outcome.problems.length,
    updatedAt: new Date().toISOString(),
    expiresAt,
  };
  if (outcome.message !== undefined) summary.message = outcome.message;
  await putFileSummary(runsTable, summary);

  const result: SplitResult = {
    status: outcome.status,
    bucket: input.bucket,
    key: object.key,
    encoding: outcome.encoding,
    header: outcome.header,
    bytes: outcome.bytes,
    chunkCount: outcome.chunks.length,
    chunks: outcome.chunks,
  };
  if (outcome.message !== undefined) result.message = outcome.message;
  return result;
}
