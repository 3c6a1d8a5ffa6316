import { readChunkResult } from "./adapters/chunk-summaries";
import { ErrorWriter, putChunkSummary } from "./adapters/error-store";
import { resolveHeader } from "./adapters/header-source";
import { openObject } from "./adapters/s3";
import { writeBytes } from "./adapters/s3-bytes";
import { S3TextWriter } from "./adapters/s3-writer";
import { loadRowSchema } from "./adapters/schema-source";
import { readChunkHits } from "./adapters/unique-work";
import {
  type ChunkResult,
  type ChunkSummaryItem,
  ENV,
  OUTCOME_KEYS,
  type ProcessChunkInput,
  RUN_KEYS,
  WORK_KEYS,
} from "./contract";
import { processChunkStream } from "./core/csv/chunk";
import { retentionDays } from "./core/csv/settings";
import { FUNCTION_ENV, requireEnv } from "./core/env";
import { SourceChangedError } from "./core/errors";
import { feedOfKey, schemaLocationOf } from "./core/feeds";
import { processChunkInput } from "./core/inputs";
import { createLogger, type Logger } from "./core/log";
import { errorLineFields } from "./core/outcomes/chunk-outcomes";
import { ChunkParts } from "./core/outcomes/chunk-parts";
import { csvLine } from "./core/outcomes/csv-text";
import { outcomeSettings, outputLocale } from "./core/outcomes/settings";
import { buildErrorRecord, expiresAtOf } from "./core/records/error-record";
import { sourceChangedProblem, sourceChangedResult } from "./core/records/upload";
import { chunkSetHas } from "./core/unique/chunk-set";
import type { DuplicateHits } from "./core/unique/dups-file";
import { KeyFileBuilder } from "./core/unique/key-file";

const log: Logger = createLogger("process-chunk");

/**
 * Processes one chunk of a file of the feed its key is under (that feed's schema, and its locale in `errors.csv`;
 * records and the summary carry the feed): a ranged read of the original object — of the version split-csv read (`If-Match` on its
 * ETag, and its version id when the bucket is versioned) — streaming parse and validation, error records written in
 * batches of 25, the chunk's row outcomes written to S3 while it reads (`OUTCOME_KEYS.processedPart` unless
 * `OUTPUT_PROCESSED` is false, `rowsPart`, `errorsPart`), then the chunk's summary item (one PutItem, idempotent).
 * Returns counts only.
 *
 * The parts are finished before the summary is written, so a chunk summary means its parts exist; when anything
 * fails, the parts not yet finished are dropped and the error is rethrown. The keys are deterministic: a retried
 * chunk overwrites its parts.
 *
 * When the object was replaced since the split (S3 answers 412), the chunk counts no rows of the new version: it
 * records one CRITICAL `SourceChangedError` (and its one error line) and returns counts holding only that error, so
 * the run's check reports it and fails the run.
 *
 * Uniqueness across the file (`uniquePartitions` P > 0): the first pass also writes the chunk's key file
 * (`WORK_KEYS.uniqueKeys`, after the parts, before the summary). The second pass (`duplicatePartitions` given) reads
 * the chunk's section of each listed dups file whose chunk set (`duplicateChunks`) holds the chunk: with none, it
 * returns the stored result (consistent GetItem of its CHUNK item) without reading the CSV; else it processes the
 * chunk again with those later occurrences (parts, records and summary overwritten under the same keys, as a retried
 * chunk) and writes no key file.
 */
export async function handler(event: ProcessChunkInput, _context?: unknown): Promise<ChunkResult> {
  const input = processChunkInput(event);
  const { chunk } = input;
  const errorTable = requireEnv(ENV.errorTable);
  const runsTable = requireEnv(ENV.runsTable);
  const expiresAt = expiresAtOf(Date.now(), retentionDays());
  // The split found the key under a feed (else it failed and no chunk runs); a key under none is an InputError here.
  const entry = feedOfKey(input.bucket, input.key);
  const feed = entry.name;
  const schema = await loadRowSchema(schemaLocationOf(entry));

  const settings = outcomeSettings();
  const locale = outputLocale(FUNCTION_ENV, entry);

  const unique = {
    partitions: input.uniquePartitions ?? 0,
    duplicatePartitions: (input.duplicatePartitions ?? undefined) as number[] | undefined,
  };
  let duplicates: DuplicateHits | undefined;
  if (unique.duplicatePartitions !== undefined) {
    // Only the partitions whose finder saw later occurrences in this chunk: most chunks read no dups file at all.
    const sets = (input.duplicateChunks ?? undefined) as string[] | undefined;
    const partitions = unique.duplicatePartitions.filter(
      (_, i) => sets === undefined || chunkSetHas(sets[i], chunk.id),
    );
    const hits = await readChunkHits(input.bucket, input.executionName, chunk.id, partitions);
    if (hits.size > 0) duplicates = hits;
    else {
      const stored = await readChunkResult(runsTable, input.executionName, chunk.id);
      // Without a stored result (its first pass left none) the chunk is processed again, as a retry would.
      if (stored !== undefined) return stored;
    }
  }
  const keyEntries =
    unique.partitions > 0 && unique.duplicatePartitions === undefined
      ? new KeyFileBuilder(unique.partitions)
      : undefined;

  // A long header is not in the state: read again from the object, of the version split read, and left for the
  // aggregation as the header line of rows.csv (every chunk writes the same bytes: any completed chunk suffices).
  const condition = { ifMatch: input.etag || undefined, versionId: input.versionId };
  let header = input.header;
  /** The object was replaced before even its header was read: the chunk reads nothing, as below. */
  let replaced: SourceChangedError | undefined;
  try {
    header = await resolveHeader(input, condition);
  } catch (err) {
    if (!(err instanceof SourceChangedError)) throw err;
    replaced = err;
  }
  if (input.header.length === 0 && header.length > 0) {
    const headerPart = new S3TextWriter(input.bucket, OUTCOME_KEYS.headerPart(settings, input.executionName), { log });
    try {
      await headerPart.write(csvLine(header));
      await headerPart.end();
    } catch (err) {
      await headerPart.abort();
      throw err;
    }
  }

  const writer = new ErrorWriter(errorTable);
  const parts = new ChunkParts({
    settings,
    executionName: input.executionName,
    chunkId: chunk.id,
    header,
    open: (key) => new S3TextWriter(input.bucket, key, { log }),
  });
  let result: ChunkResult;
  try {
    try {
      if (replaced) throw replaced;
      const object = await openObject(input.bucket, input.key, { start: chunk.start, end: chunk.end }, condition);
      result = await processChunkStream(
        object.body,
        {
          executionName: input.executionName,
          startTime: input.startTime,
          chunk,
          header,
          encoding: input.encoding,
          schema,
          expiresAt,
          feed,
        },
        (record) => writer.add(record),
        { outcomes: { sink: parts.sink, locale }, keyEntries, duplicates },
      );
    } catch (err) {
      // Only the ranged read throws this, before any row reached the parts.
      if (!(err instanceof SourceChangedError)) throw err;
      log.error("the object was replaced after the split: the chunk reads nothing", {
        executionName: input.executionName,
        feed,
        chunkId: chunk.id,
        error: err,
      });
      const ctx = {
        executionName: input.executionName,
        startTime: input.startTime,
        chunkId: chunk.id,
        expiresAt,
        processingStage: "process" as const,
        feed,
      };
      const problem = sourceChangedProblem(chunk);
      const pending = writer.add(buildErrorRecord(ctx, chunk.firstLine, problem, {}));
      if (pending) await pending;
      const written = parts.sink.error(errorLineFields(undefined, chunk.firstLine, problem, locale));
      if (written) await written;
      result = sourceChangedResult(chunk.id);
    }
    await writer.flush();
    await parts.end();
  } catch (err) {
    await parts.abort();
    throw err;
  }

  // The key file before the summary: a chunk with a summary has its key file (a chunk without one is a failed chunk).
  if (keyEntries !== undefined) {
    await writeBytes(input.bucket, WORK_KEYS.uniqueKeys(input.executionName, chunk.id), keyEntries.encode());
  }

  const item: ChunkSummaryItem = {
    ...result,
    pk: RUN_KEYS.execution(input.executionName),
    sk: RUN_KEYS.chunk(chunk.id),
    executionName: input.executionName,
    feed,
    errors: Object.values(result.bySeverity).reduce((a, b) => a + b, 0),
    updatedAt: new Date().toISOString(),
    expiresAt,
  };
  await putChunkSummary(runsTable, item);
  return result;
}
