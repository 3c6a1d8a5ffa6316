import { putJson } from "./adapters/s3";
import { type AggregateOutput, type ChunkResult, ENV, PREFIXES } from "./contract";
import { requireFields } from "./core/csv/settings";
import { sumChunkResults } from "./core/records/aggregate";

/** What the AggregateResults state passes. */
export interface AggregateEvent {
  executionName: string;
  startTime: string;
  bucket: string;
  key: string;
  chunkCount: number;
  chunkResults: ChunkResult[];
}

/**
 * Sums the chunk results of one execution, writes them as JSON to
 * `s3://{RESULTS_BUCKET or bucket}/{RESULTS_PREFIX or "results/"}{executionName}.json` and returns them.
 */
export async function handler(event: AggregateEvent, _context?: unknown): Promise<AggregateOutput> {
  const input = requireFields<AggregateEvent>(event, ["executionName", "bucket", "key"], "aggregate-results");
  const bucket = process.env[ENV.resultsBucket] || input.bucket;
  const prefix = process.env[ENV.resultsPrefix] ?? PREFIXES.results;
  const resultKey = `${prefix}${input.executionName}.json`;
  const output = sumChunkResults(input.chunkResults ?? [], Number(input.chunkCount ?? 0), resultKey);
  await putJson(bucket, resultKey, output);
  return output;
}
