import { ErrorWriter, putChunkSummary } from "./adapters/error-store";
import { openObject } from "./adapters/s3";
import { loadRowSchema } from "./adapters/schema-source";
import { type ChunkResult, type ChunkSummaryItem, ENV, type ProcessChunkInput, RUN_KEYS } from "./contract";
import { processChunkStream } from "./core/csv/chunk";
import { requireFields, retentionDays } from "./core/csv/settings";
import { requireEnv } from "./core/env";
import { InputError } from "./core/errors";
import { expiresAtOf } from "./core/records/error-record";

/**
 * Processes one chunk: a ranged read of the original object, streaming parse and validation, error records written
 * in batches of 25, then the chunk's summary item (one PutItem, idempotent). Returns counts only.
 */
export async function handler(event: ProcessChunkInput, _context?: unknown): Promise<ChunkResult> {
  const input = requireFields<ProcessChunkInput>(
    event,
    ["executionName", "startTime", "bucket", "key", "encoding", "header", "chunk"],
    "process-chunk",
  );
  const { chunk } = input;
  if (
    !(Number.isInteger(chunk.start) && Number.isInteger(chunk.end) && chunk.end > chunk.start && chunk.firstLine >= 1)
  ) {
    throw new InputError(
      `process-chunk input has an invalid chunk ${JSON.stringify(chunk)}: expected 0 ≤ start < end and firstLine ≥ 1.`,
    );
  }
  const errorTable = requireEnv(ENV.errorTable);
  const runsTable = requireEnv(ENV.runsTable);
  const expiresAt = expiresAtOf(Date.now(), retentionDays());
  const schema = await loadRowSchema();

  const object = await openObject(input.bucket, input.key, { start: chunk.start, end: chunk.end });
  const writer = new ErrorWriter(errorTable);
  const result = await processChunkStream(
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
