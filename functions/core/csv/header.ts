/**
 * The header line of a CSV file: parsing it, checking it against the row schema, and naming its columns in
 * messages.
 *
 * A header is the file's own text and may be anything S3 accepts: one column name of 300,000 characters, or 12,000
 * columns. Everything derived from it that leaves the function — an error record (a DynamoDB item, ≤ 400 KB), the
 * file summary, a notice, a log line, a state payload (≤ 256 KiB) — names a column shortly: a long name by its
 * position, its length and its first characters (see {@link columnNameParams}).
 */
import { parse as parseSync } from "csv-parse/sync";
import type { ValidationMessage } from "../../contract";
import { columnLabelEn, columnNameParams } from "./column-label";
import { decodeBytes, type FileEncoding } from "./encoding";
import type { RowSchema } from "./schema";
import type { RowProblem } from "./validate";
import { boundedParam } from "./validation-messages";

/**
 * Parses a complete header line (its bytes, without BOM) into trimmed column names. Throws the parser's error when
 * the line cannot be parsed.
 */
export function parseHeaderLine(bytes: Uint8Array, encoding: FileEncoding): string[] {
  const text = decodeBytes(bytes, encoding);
  const rows = parseSync(text, {
    relax_quotes: true,
    relax_column_count: true,
    record_delimiter: ["\r\n", "\n"],
  }) as string[][];
  return (rows[0] ?? [""]).map((f) => f.trim());
}

function critical(rule: string, message: string, detail: ValidationMessage): RowProblem {
  return { rule, errorType: "SchemaError", severity: "CRITICAL", message, detail };
}

/** Checks a header against the schema: rejection problems (CRITICAL) first, else LOW warnings for extra columns. */
export function checkHeader(
  header: readonly string[],
  schema: RowSchema,
): { reject?: RowProblem; warnings: RowProblem[] } {
  const first = new Map<string, number>();
  for (let i = 0; i < header.length; i++) {
    const name = header[i];
    const seen = first.get(name);
    if (seen !== undefined && name !== "") {
      const named = columnNameParams(name, i + 1);
      return {
        reject: critical(
          "header:duplicate",
          `The header names ${named.length === undefined ? "column " : ""}${columnLabelEn(named)} twice (positions ${seen + 1} and ${i + 1}); rename or remove one and upload the file again.`,
          { key: "headerDuplicate", params: { ...named, first: seen + 1, second: i + 1 } },
        ),
        warnings: [],
      };
    }
    if (seen === undefined) first.set(name, i);
  }
  const missing = schema.columns.filter((c) => c.required && !first.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    const s = missing.length === 1 ? "" : "s";
    return {
      reject: critical(
        "header:missing",
        // Bounded as the params are: a 1 MiB header quoted whole would not fit a DynamoDB item (400 KB) or the state.
        `The header lacks the required column${s} ${boundedParam(missing.join(", "))} (found: ${boundedParam(header.join(", "))}). Add the column${s} to the first line of the file, or make ${missing.length === 1 ? "it" : "them"} optional in the row schema, and upload the file again.`,
        {
          key: "headerMissing",
          params: {
            columns: boundedParam(missing.join(", ")),
            count: missing.length,
            found: boundedParam(header.join(", ")),
          },
        },
      ),
      warnings: [],
    };
  }
  const known = new Set(schema.columns.map((c) => c.name));
  const warnings: RowProblem[] = [];
  header.forEach((name, i) => {
    if (known.has(name)) return;
    if (name === "") {
      warnings.push({
        rule: `header:extra:${i}`,
        errorType: "SchemaError",
        severity: "LOW",
        message: `Header column ${i + 1} has no name; its values are not checked.`,
        column: name,
        detail: { key: "headerUnnamed", params: { position: i + 1 } },
      });
      return;
    }
    const named = columnNameParams(name, i + 1);
    const label = columnLabelEn(named);
    warnings.push({
      rule: `header:extra:${i}`,
      errorType: "SchemaError",
      severity: "LOW",
      message: `The header has ${named.length === undefined ? `a column ${label}` : label} that the row schema does not define; its values are not checked.`,
      // The column a record names: the shown form of a long name, so no record carries the name whole.
      column: named.name,
      detail: { key: "headerExtra", params: named },
    });
  });
  return { warnings };
}
