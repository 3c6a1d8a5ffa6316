import { CSV_OUTPUT_EOL } from "../../contract";

/** The UTF-8 byte order mark: Excel reads a CSV file as UTF-8 only when it begins with it. */
export const UTF8_BOM = "\uFEFF";

/** One field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One CSV line, with its line break.
 *
 * @example csvLine(["a", "b,c"]) // 'a,"b,c"\r\n'
 */
export function csvLine(fields: readonly string[]): string {
  let line = "";
  for (let i = 0; i < fields.length; i++) line += (i === 0 ? "" : ",") + csvField(fields[i]);
  return line + CSV_OUTPUT_EOL;
}
