import iconv from "iconv-lite";
import type { SplitResult } from "../../contract";
import type { SchemaEncoding } from "./schema";

/** Encodings a file can be read with. */
export type FileEncoding = SplitResult["encoding"];

/** The UTF-8 byte order mark. */
export const UTF8_BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

/** What a decoder puts where bytes are invalid for the encoding. */
export const REPLACEMENT_CHAR = "\uFFFD";

/** True when the bytes start with the UTF-8 BOM. */
export function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** iconv-lite's name for a file encoding (Shift_JIS is read as CP932, its Windows superset). */
export function iconvName(encoding: FileEncoding): string {
  return encoding === "shift_jis" ? "cp932" : "utf8";
}

function countReplacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf(REPLACEMENT_CHAR); i !== -1; i = text.indexOf(REPLACEMENT_CHAR, i + 1)) n++;
  return n;
}

/**
 * Chooses the encoding of a file from a prefix of its bytes (BOM excluded). A UTF-8 BOM wins (the pipeline's own
 * outputs, such as a rejected `rows.csv` fixed and uploaded again, are UTF-8 with a BOM whatever the schema says);
 * then an explicit schema setting; `auto` picks UTF-8 when the prefix is valid UTF-8 (a multi-byte sequence cut at the end of the
 * prefix is fine), otherwise the encoding that decodes the prefix with fewer invalid sequences (Shift_JIS on a tie
 * is impossible: a tie means both are equally broken and UTF-8 is kept).
 */
export function detectEncoding(prefix: Uint8Array, setting: SchemaEncoding, hadBom: boolean): FileEncoding {
  if (hadBom) return "utf-8";
  if (setting !== "auto") return setting;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(prefix, { stream: true });
    return "utf-8";
  } catch {
    // not UTF-8: compare how badly each candidate decodes
  }
  // Drop a possibly cut trailing character before counting.
  const body = prefix.length > 4 ? prefix.subarray(0, prefix.length - 2) : prefix;
  const utf8Bad = countReplacements(new TextDecoder("utf-8").decode(body));
  const sjisBad = countReplacements(iconv.decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), "cp932"));
  return sjisBad < utf8Bad ? "shift_jis" : "utf-8";
}

/** Decodes a complete byte string (e.g. the header line). */
export function decodeBytes(bytes: Uint8Array, encoding: FileEncoding): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), iconvName(encoding));
}
