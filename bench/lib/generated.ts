import { type ExpectedCounts, emptyExpected, generateOrderLines } from "../../scripts/generate-csv";

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
