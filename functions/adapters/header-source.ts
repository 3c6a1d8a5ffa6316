import type { HeaderRange, SplitResult } from "../contract";
import { parseHeaderLine } from "../core/csv/header";
import { InputError } from "../core/errors";
import { openObject, type ReadCondition } from "./s3";

/** What locates a file's header: the names the state carried, or where the header line is in the object. */
export interface HeaderSource {
  bucket: string;
  key: string;
  header: string[];
  headerRange?: HeaderRange | null;
  encoding: SplitResult["encoding"];
}

/**
 * The file's column names: those the state carried, or — when the split left a long header in the object (the state
 * holds at most 256 KiB) — its header line read again with one ranged GET of the version the split read, and parsed
 * as the split parsed it.
 */
export async function resolveHeader(source: HeaderSource, condition: ReadCondition = {}): Promise<string[]> {
  const range = source.headerRange;
  if (source.header.length > 0 || range === undefined || range === null) return source.header;
  if (!(Number.isInteger(range.start) && Number.isInteger(range.end) && 0 <= range.start && range.start < range.end)) {
    throw new InputError(
      `the header range ${JSON.stringify(range)} of s3://${source.bucket}/${source.key} is invalid: expected 0 ≤ start < end.`,
    );
  }
  const object = await openObject(source.bucket, source.key, range, condition);
  const parts: Uint8Array[] = [];
  for await (const part of object.body) parts.push(part);
  return parseHeaderLine(Buffer.concat(parts), source.encoding);
}
