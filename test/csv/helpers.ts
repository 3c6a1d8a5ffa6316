import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChunkResult, ErrorRecord } from "../../functions/contract";
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
