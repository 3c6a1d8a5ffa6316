import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChunkJob } from "../../functions/core/csv/chunk";
import { parseSchema } from "../../functions/core/csv/schema";
import { type ExpectedCounts, emptyExpected, generateOrderLines } from "../../scripts/generate-csv";

/** The sample's row schema, which the generated files follow. */
export const SAMPLE_SCHEMA_PATH = join(__dirname, "..", "..", "samples", "orders.schema.yaml");

/** A generated order file held in memory (the generator's default 10 % of bad rows, fixed seed). */
export function generatedFile(
  rows: number,
  seed = 7,
): { bytes: Buffer; header: string[]; headerBytes: number; expected: ExpectedCounts } {
  const expected = emptyExpected();
  const parts: string[] = [];
  for (const line of generateOrderLines({ rows, errorRate: 0.1, seed }, expected)) parts.push(line);
  const bytes = Buffer.from(parts.join(""));
  const headerBytes = bytes.indexOf(10) + 1;
  const header = bytes
    .subarray(0, headerBytes - 1)
    .toString("utf8")
    .split(",");
  return { bytes, header, headerBytes, expected };
}

/** Yields `bytes` in 64 KiB pieces, as a network or file stream delivers them. */
export async function* inPieces(bytes: Uint8Array, piece = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, Math.min(bytes.length, i + piece));
}

/** The job of one chunk spanning a generated file's whole body, checked against the sample's schema. */
export function wholeFileJob(file: { bytes: Buffer; header: string[]; headerBytes: number }, executionName: string) {
  return {
    executionName,
    startTime: "2025-06-03T02:00:00.000Z",
    chunk: { id: 0, start: file.headerBytes, end: file.bytes.length, firstLine: 2 },
    header: file.header,
    encoding: "utf-8" as const,
    schema: parseSchema(readFileSync(SAMPLE_SCHEMA_PATH, "utf8"), SAMPLE_SCHEMA_PATH),
    expiresAt: 2_000_000_000,
  } satisfies ChunkJob;
}
