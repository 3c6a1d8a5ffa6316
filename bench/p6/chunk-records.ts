/**
 * P6's chunks, processed as process-chunk processes them (records built, validated and batched) but with a
 * BatchWriteItem sender that keeps what it is sent, so each error record can be sized by DynamoDB's rules afterwards.
 */
import type { AttributeValue, BatchWriteItemCommand, WriteRequest } from "@aws-sdk/client-dynamodb";
import { ErrorWriter } from "../../functions/adapters/error-store";
import { type ChunkResult, DEFAULT_OUTCOME_SETTINGS, ERROR_TABLE, type ErrorRecord } from "../../functions/contract";
import { processChunkStream } from "../../functions/core/csv/chunk";
import type { parseSchema } from "../../functions/core/csv/schema";
import { ChunkParts, chunkPartKeys } from "../../functions/core/outcomes/chunk-parts";
import { outputLocale } from "../../functions/core/outcomes/settings";
import { inPieces } from "../lib/generated";
import { indexEntryBytes, itemBytes } from "../lib/item-size";
import { timed } from "../lib/measure";

/** An execution name as EventBridge's StartExecution gives one (a UUID, 36 characters). */
export const EXECUTION_NAME = "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c";
export const START_TIME = "2025-06-03T02:00:00.000Z";
/** TTL as the handlers set it (30 days after the run): a 10-digit epoch. */
export const EXPIRES_AT = Math.floor(Date.parse(START_TIME) / 1000) + 30 * 86400;

/** Sizes of one error record as written: in the table and in the `ExecutionName-index` GSI. */
export interface RecordSize {
  table: number;
  gsi: number;
}

function sizeOf(item: Record<string, AttributeValue>): RecordSize {
  const gsi = indexEntryBytes(item, ERROR_TABLE, ERROR_TABLE.executionIndex);
  if (gsi === null) throw new Error(`an error record lacks the keys of ${ERROR_TABLE.executionIndex.name}`);
  return { table: itemBytes(item), gsi };
}

/**
 * A BatchWriteItem sender that answers at once and keeps what it was sent (attribute-value items, exactly as the
 * real client would send them), so the records can be sized after the timed part.
 */
function keepingSender() {
  const state = { calls: 0, items: [] as Record<string, AttributeValue>[] };
  return {
    state,
    client: {
      send: async (command: BatchWriteItemCommand) => {
        state.calls++;
        for (const list of Object.values(command.input.RequestItems ?? {})) {
          for (const w of list as WriteRequest[]) if (w.PutRequest?.Item) state.items.push(w.PutRequest.Item);
        }
        return { $metadata: {} };
      },
    },
  };
}

/** One chunk processed as process-chunk does it (records built, validated and batched), timed. */
export interface ChunkRun {
  result: ChunkResult;
  ms: number;
  batchCalls: number;
  sizes: RecordSize[];
  /** The first HIGH/CRITICAL records (examples for the check's index query). */
  examples: ErrorRecord[];
  /** The chunk's rejected-rows and error-lines parts as it wrote them (the aggregation reads these two). */
  parts: { key: string; text: string }[];
}

export async function processChunk(
  bytes: Buffer,
  chunk: { id: number; start: number; end: number; firstLine: number },
  header: string[],
  schema: ReturnType<typeof parseSchema>,
): Promise<ChunkRun> {
  const sender = keepingSender();
  const examples: ErrorRecord[] = [];
  const writer = new ErrorWriter(ERROR_TABLE.defaultName, { client: sender.client });
  const job = {
    executionName: EXECUTION_NAME,
    startTime: START_TIME,
    chunk,
    header,
    encoding: "utf-8" as const,
    schema,
    expiresAt: EXPIRES_AT,
  };
  // Row outcomes as the handler builds them (default settings); the upload is S3's work and is not timed here. The
  // processed part is only counted; the two parts the aggregation reads are kept for it.
  const read = chunkPartKeys(DEFAULT_OUTCOME_SETTINGS, EXECUTION_NAME, chunk.id);
  const kept = new Map<string, string[]>();
  const parts = new ChunkParts({
    settings: DEFAULT_OUTCOME_SETTINGS,
    executionName: EXECUTION_NAME,
    chunkId: chunk.id,
    header,
    open: (key) => {
      const pieces: string[] | undefined = key === read.rows || key === read.errors ? [] : undefined;
      if (pieces !== undefined) kept.set(key, pieces);
      return {
        write: (text: string) => {
          pieces?.push(text);
          return undefined;
        },
        end: async () => undefined,
        abort: async () => undefined,
      };
    },
  });
  const run = await timed(async () => {
    const result = await processChunkStream(
      inPieces(bytes.subarray(chunk.start, chunk.end)),
      job,
      (r) => {
        if (examples.length < 25 && (r.severity === "HIGH" || r.severity === "CRITICAL")) examples.push(r);
        return writer.add(r);
      },
      { outcomes: { sink: parts.sink, locale: outputLocale({}) } },
    );
    await writer.flush();
    await parts.end();
    return result;
  });
  return {
    result: run.value,
    ms: run.ms,
    batchCalls: sender.state.calls,
    sizes: sender.state.items.map(sizeOf),
    examples,
    parts: [...kept].map(([key, pieces]) => ({ key, text: pieces.join("") })),
  };
}
