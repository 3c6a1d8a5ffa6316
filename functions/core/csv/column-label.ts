/**
 * How a message names one header column. A header is the file's own text: a column name may be 300,000 characters
 * long. Every message, record, notice and log line names a long one by its position, its length and its first
 * characters, so nothing derived from the header outgrows a DynamoDB item (400 KB) or a state payload (256 KiB).
 * (No imports: the message templates use it, and the functions that only render messages stay free of the parser.)
 */

/** Longest column name a message shows whole. */
export const COLUMN_NAME_SHOWN_CHARS = 60;
/** Characters a message shows of a longer name (then `…`). */
export const COLUMN_PREVIEW_CHARS = 24;

/**
 * The params that name one header column in a message: `name` whole when it is short; else its first characters
 * (ending in `…`) with its 1-based `position` and its `length` in characters, so the reader can still find it.
 * @example columnNameParams("x".repeat(300_000), 3) // { name: "xxxxxxxxxxxxxxxxxxxxxxxx…", position: 3, length: 300000 }
 */
export function columnNameParams(name: string, position: number): { name: string; position?: number; length?: number } {
  if (name.length <= COLUMN_NAME_SHOWN_CHARS) return { name };
  let end = COLUMN_PREVIEW_CHARS;
  // Never cut a surrogate pair in half.
  const last = name.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return { name: `${name.slice(0, end)}…`, position, length: name.length };
}

/**
 * A column as English text names it: `"order_id"`, or `column 3 (300,000 characters: "abcdef…")` for a long name.
 * `show` is the caller's masking hook for the file's text.
 */
export function columnLabelEn(
  p: { name?: unknown; position?: unknown; length?: unknown },
  show: (value: string) => string = (v) => v,
): string {
  if (p.length === undefined) return `"${show(String(p.name ?? ""))}"`;
  return `column ${longColumnEn(p, show)}`;
}

/** A long column after the word "column": `3 (300,000 characters: "abcdef…")`. */
export function longColumnEn(
  p: { name?: unknown; position?: unknown; length?: unknown },
  show: (value: string) => string = (v) => v,
): string {
  return `${String(p.position)} (${Number(p.length).toLocaleString("en-US")} characters: "${show(String(p.name ?? ""))}")`;
}

/** A column as Japanese text names it: `"order_id"`, or `3列目(300,000文字: "abcdef…")` for a long name. */
export function columnLabelJa(
  p: { name?: unknown; position?: unknown; length?: unknown },
  show: (value: string) => string = (v) => v,
): string {
  const name = show(String(p.name ?? ""));
  if (p.length === undefined) return `"${name}"`;
  return `${String(p.position)}列目(${Number(p.length).toLocaleString("en-US")}文字: "${name}")`;
}
