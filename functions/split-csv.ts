import { recordFeedRun } from "./adapters/arrival-store";
import { ErrorWriter, putFileSummary } from "./adapters/error-store";
import { decodeEventKey, openUploadedObject } from "./adapters/s3";
import { loadRowSchema } from "./adapters/schema-source";
import { claimUpload } from "./adapters/upload-claim";
import type { CountsByType, HeaderRange } from "./contract";
import {
  ENV,
  type FileSummaryItem,
  type FileWarning,
  HEADER_INLINE_MAX_BYTES,
  MAX_FILE_WARNINGS,
  RUN_KEYS,
  type SplitResult,
} from "./contract";
import { chunkSettings, retentionDays } from "./core/csv/settings";
import { splitCsv } from "./core/csv/split";
import type { RowProblem } from "./core/csv/validate";
import { requireEnv } from "./core/env";
import { feedOfKey, findFeed, schemaLocationOf } from "./core/feeds";
import { type SplitInput, splitInput } from "./core/inputs";
import { createLogger } from "./core/log";
import {
  buildErrorRecord,
  countRecord,
  emptyBySeverity,
  expiresAtOf,
  visibleMessage,
} from "./core/records/error-record";
import { takeOverRequest, uploadFields } from "./core/records/upload";
import { visible } from "./core/text";

const log = createLogger("split-csv");

/** A header problem as the file summary keeps it: the file's text made visible, as in every error record. */
function fileWarning(problem: RowProblem): FileWarning {
  const warning: FileWarning = {
    errorType: problem.errorType,
    severity: problem.severity,
    message: visible(problem.message),
  };
  if (problem.column !== undefined) warning.column = visible(problem.column);
  if (problem.detail !== undefined) warning.detail = visibleMessage(problem.detail);
  return warning;
}

/**
 * The header as the state carries it: the names when they are small ({@link HEADER_INLINE_MAX_BYTES} as JSON), else
 * only where the header line is in the object, for the chunks and the aggregation to read.
 */
export function headerForState(
  header: string[],
  range: HeaderRange | undefined,
): Pick<SplitResult, "header" | "headerRange"> {
  const inline = Buffer.byteLength(JSON.stringify(header)) <= HEADER_INLINE_MAX_BYTES;
  if (inline) return { header, headerRange: range ?? null };
  if (range === undefined) return { header: [], headerRange: null };
  return { header: [], headerRange: range };
}

/**
 * Finds the upload's feed from its key (an {@link InputError} when the key is under no feed's prefix: nothing is
 * claimed or written), claims the upload for this execution, then reads the uploaded CSV once as a stream, checks its header against the
 * feed's row schema, records header problems, writes the file summary item and returns the chunk manifest (byte ranges, at
 * most MAX_CHUNKS) with the ETag and version id it read. When the input names the upload's ETag or version id, only
 * that version is read. When another execution that is running or succeeded already claimed the same upload (an event
 * delivered twice), nothing is read further or written and the result's status is `DUPLICATE`; a claim held by an
 * execution that failed, timed out or was aborted is taken over, so a failed run can run again.
 */
export async function handler(event: SplitInput, _context?: unknown): Promise<SplitResult> {
  const input = splitInput(event);
  const errorTable = requireEnv(ENV.errorTable);
  const runsTable = requireEnv(ENV.runsTable);
  const settings = chunkSettings();
  const expiresAt = expiresAtOf(Date.now(), retentionDays());

  // A key under no feed fails before anything is read or written: the role may read only the feeds' prefixes (S3
  // would answer 403), and the message names every feed's prefix. The event's key may be URL-encoded: either form.
  if (!findFeed(input.key) && !findFeed(decodeEventKey(input.key))) feedOfKey(input.bucket, input.key);

  // S3 events may carry the key URL-encoded; every later state reads the key found here (`SplitResult.key`).
  const named = uploadFields(input.upload);
  const object = await openUploadedObject(input.bucket, input.key, {
    ifMatch: named.etag,
    versionId: named.versionId,
    size: named.size,
  });
  // The feed comes before the claim: an upload under no feed is not this stack's to process, and a claim would make
  // a re-run of the same object — once the configuration gives its prefix a feed — a duplicate that reads nothing.
  let feed: string;
  let schema: Awaited<ReturnType<typeof loadRowSchema>>;
  try {
    const entry = feedOfKey(input.bucket, object.key);
    feed = entry.name;
    schema = await loadRowSchema(schemaLocationOf(entry));
  } catch (err) {
    object.discard();
    throw err;
  }
  const claim = await claimUpload(
    runsTable,
    {
      bucket: input.bucket,
      key: object.key,
      etag: object.etag,
      versionId: object.versionId,
      sequencer: named.sequencer,
    },
    input.executionName,
    expiresAt,
    { takeOverFrom: takeOverRequest(input.upload) },
  ).catch((err: unknown) => {
    object.discard();
    throw err;
  });
  if (!claim.claimed) {
    object.discard();
    log.info("upload already claimed by another execution: nothing to do", {
      executionName: input.executionName,
      bucket: input.bucket,
      key: object.key,
      feed,
      etag: object.etag,
      claimedBy: claim.holder,
      claimedByStatus: claim.holderStatus,
    });
    return {
      status: "DUPLICATE",
      bucket: input.bucket,
      key: object.key,
      feed,
      encoding: "utf-8",
      header: [],
      headerRange: null,
      bytes: object.contentLength,
      chunkCount: 0,
      chunks: [],
      uniquePartitions: 0,
      etag: object.etag,
      versionId: object.versionId,
    };
  }

  if (claim.takenOverFrom !== undefined) {
    const why = claim.takenOverFrom.forced
      ? "a forced rerun took it over from the execution it reruns"
      : "the execution that held it ended without succeeding";
    log.warn(`upload claimed again: ${why}`, {
      executionName: input.executionName,
      bucket: input.bucket,
      key: object.key,
      feed,
      earlierExecution: claim.takenOverFrom.executionName,
      earlierStatus: claim.takenOverFrom.status,
    });
  }

  // The feed's latest run is what its arrival check reads.
  await recordFeedRun(runsTable, {
    feed,
    executionName: input.executionName,
    startTime: input.startTime,
    key: object.key,
    expiresAt,
  }).catch((err: unknown) => {
    object.discard();
    throw err;
  });

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
    feed,
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
    feed,
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
  const rejection = outcome.status === "REJECTED" ? outcome.problems.find((p) => p.severity !== "LOW") : undefined;
  if (rejection?.detail !== undefined) summary.detail = visibleMessage(rejection.detail);
  if (rejection?.column !== undefined) summary.column = rejection.column;
  // An accepted file's header warnings go to errors.csv too (the aggregation lists them first, as line 1).
  const warnings = outcome.status === "REJECTED" ? [] : outcome.problems.slice(0, MAX_FILE_WARNINGS);
  if (warnings.length > 0) summary.warnings = warnings.map(fileWarning);
  // The rules about the whole file travel with the run, so the check and the aggregation read no schema.
  const { rowCount, completeness, history } = schema.dataset ?? {};
  if (rowCount || completeness || history) summary.dataset = { rowCount, completeness, history };
  await putFileSummary(runsTable, summary);

  const result: SplitResult = {
    status: outcome.status,
    bucket: input.bucket,
    key: object.key,
    feed,
    encoding: outcome.encoding,
    ...headerForState(outcome.header, outcome.headerRange),
    bytes: outcome.bytes,
    chunkCount: outcome.chunks.length,
    chunks: outcome.chunks,
    uniquePartitions: outcome.uniquePartitions,
    etag: object.etag,
    versionId: object.versionId,
  };
  if (outcome.message !== undefined) result.message = outcome.message;
  return result;
}
