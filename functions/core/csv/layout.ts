/**
 * How a file is laid out when it is text but not the CSV the pipeline reads: separated by semicolons or tabs instead
 * of commas, or with lines that end with a lone CR (classic Mac OS). Read as comma-separated lines ending in LF or
 * CRLF, such a file gives a header of one long column, or the whole file as one line, and the sender would be told
 * about missing or duplicated columns. These checks name the real cause and what to do about it.
 */
import { parse as parseSync } from "csv-parse/sync";
import type { ValidationMessage } from "../../contract";
import { nulHeaderProblem } from "./nul";
import type { RowSchema } from "./schema";
import type { RowProblem } from "./validate";
import { renderValidationMessage } from "./validation-messages";

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

function fileProblem(rule: string, errorType: RowProblem["errorType"], detail: ValidationMessage): RowProblem {
  return { rule, errorType, severity: "CRITICAL", message: renderValidationMessage(detail, "en"), detail };
}

/**
 * The problem of a file whose first line ends with a lone CR (followed by more text, not by LF), from the first bytes
 * of the file (BOM excluded); null when the first line ends with LF or CRLF, or no line ends in `bytes`. A CR or LF
 * inside a quoted field ends no line (quotes as the scanner reads them: `""` inside quotes is a literal quote).
 */
export function crOnlyLineEndingProblem(bytes: Uint8Array): RowProblem | null {
  // A quote opens a quoted field only at the start of a field, and closes it when not doubled (as RowScanner reads).
  let fieldStart = true;
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (quoted) {
      if (c === QUOTE) {
        if (bytes[i + 1] === QUOTE) i++;
        else quoted = false;
      }
      continue;
    }
    if (c === LF) return null;
    if (c === CR) {
      if (i + 1 >= bytes.length || bytes[i + 1] === LF) return null;
      return fileProblem("file:cr-line-endings", "ParseError", { key: "fileLineEnding", params: {} });
    }
    if (c === QUOTE && fieldStart) quoted = true;
    fieldStart = c === COMMA;
  }
  return null;
}

/** The problem of a header record (bytes [start, end) of `bytes`, from the file's first byte) that holds a NUL byte. */
export function headerNulProblem(bytes: Uint8Array, start: number, end: number): RowProblem | null {
  const at = bytes.subarray(start, end).indexOf(0);
  if (at === -1) return null;
  let line = 1;
  for (let i = start; i < start + at; i++) if (bytes[i] === LF) line++;
  return nulHeaderProblem(line, start + at);
}

/** Delimiters a CSV file is often saved with instead of commas, by the name the message uses. */
const OTHER_DELIMITERS = [
  { delimiter: ";", name: "semicolon" },
  { delimiter: "\t", name: "tab" },
] as const;

/** The header's column names when `text` (the header record) is read with `delimiter`, or null when it cannot be. */
function headerWith(text: string, delimiter: string): string[] | null {
  try {
    const rows = parseSync(text, {
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      record_delimiter: ["\r\n", "\n"],
    }) as string[][];
    return (rows[0] ?? []).map((f) => f.trim());
  } catch {
    return null;
  }
}

/**
 * The problem of a file separated by semicolons or tabs, told from its header record (`text`, decoded) and the
 * columns read with commas (`commaHeader`). Asked only when the comma reading does not fit the schema (`misfit`: a
 * required column is missing, or the header is one column the schema does not know): the file is named as separated
 * by another delimiter when that delimiter splits the header into columns that fit — every required column, and at
 * least one column the schema defines. Null otherwise: then the comma reading's own message stands.
 */
export function delimiterProblem(
  text: string,
  commaHeader: readonly string[],
  schema: RowSchema,
  misfit: boolean,
): RowProblem | null {
  const known = new Set(schema.columns.map((c) => c.name));
  if (!misfit && !(commaHeader.length === 1 && !known.has(commaHeader[0]))) return null;
  for (const { delimiter, name } of OTHER_DELIMITERS) {
    if (!text.includes(delimiter)) continue;
    const header = headerWith(text, delimiter);
    if (header === null || header.length < 2) continue;
    const names = new Set(header);
    const fits =
      schema.columns.every((c) => !c.required || names.has(c.name)) && header.some((column) => known.has(column));
    if (fits) return fileProblem("file:delimiter", "ParseError", { key: "fileDelimiter", params: { delimiter: name } });
  }
  return null;
}
