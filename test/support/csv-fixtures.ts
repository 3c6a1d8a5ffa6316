import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../../functions/adapters/clients";
import { type ChunkResult, ERROR_TABLE, type ErrorRecord, RUN_KEYS } from "../../functions/contract";
import { processChunkStream } from "../../functions/core/csv/chunk";
import { parseSchema, type RowSchema } from "../../functions/core/csv/schema";
import { type SplitOutcome, splitCsv } from "../../functions/core/csv/split";
import { sumChunkResults } from "../../functions/core/records/aggregate";

export const SAMPLES = join(__dirname, "..", "..", "samples");

/** Reads a schema from samples/. */
export function sampleSchema(name = "orders.schema.yaml"): RowSchema {
  return parseSchema(readFileSync(join(SAMPLES, name), "utf8"), name);
}

/** Yields `bytes` in pieces of `piece` bytes (to exercise boundaries inside the stream). */
export async function* pieces(bytes: Uint8Array, piece = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, Math.min(bytes.length, i + piece));
}

/** Split + process every chunk in memory (no AWS): the pipeline's CSV logic end to end. */
export async function runInMemory(
  bytes: Uint8Array,
  schema: RowSchema,
  opts: { chunkRows?: number; chunkBytes?: number; piece?: number; maxChunks?: number } = {},
): Promise<{
  split: SplitOutcome;
  results: ChunkResult[];
  records: ErrorRecord[];
  rows: { fields: readonly string[]; rowNumber: number }[];
  total: ReturnType<typeof sumChunkResults>;
}> {
  const split = await splitCsv(pieces(bytes, opts.piece), {
    totalBytes: bytes.length,
    schema,
    chunkRows: opts.chunkRows ?? 5000,
    chunkBytes: opts.chunkBytes ?? 4 * 1024 * 1024,
    maxChunks: opts.maxChunks,
  });
  const records: ErrorRecord[] = [];
  const results: ChunkResult[] = [];
  const rows: { fields: readonly string[]; rowNumber: number }[] = [];
  for (const chunk of split.chunks) {
    results.push(
      await processChunkStream(
        pieces(bytes.subarray(chunk.start, chunk.end), opts.piece),
        {
          executionName: "exec-1",
          startTime: "2024-05-01T00:00:00.000Z",
          chunk,
          header: split.header,
          encoding: split.encoding,
          schema,
          expiresAt: 1,
        },
        (r) => {
          records.push(r);
          return undefined;
        },
        (fields, rowNumber) => rows.push({ fields, rowNumber }),
      ),
    );
  }
  return { split, results, records, rows, total: sumChunkResults(results, split.chunks.length, "x") };
}

/** Every error record of an execution, through the execution index, all pages. */
export async function readRecords(errorTable: string, executionName: string): Promise<ErrorRecord[]> {
  const items: ErrorRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await clients.doc().send(
      new QueryCommand({
        TableName: errorTable,
        IndexName: ERROR_TABLE.executionIndex.name,
        KeyConditionExpression: "executionName = :e",
        ExpressionAttributeValues: { ":e": executionName },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((page.Items ?? []) as ErrorRecord[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of an execution in the runs table (file summary, chunk summaries, claim …), read consistently. */
export async function readRunItems(runsTable: string, executionName: string): Promise<Record<string, unknown>[]> {
  const page = await clients.doc().send(
    new QueryCommand({
      TableName: runsTable,
      ConsistentRead: true,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": RUN_KEYS.execution(executionName) },
    }),
  );
  return page.Items ?? [];
}
