import { ERROR_TYPES, SEVERITIES, type ValidationMessage } from "../../functions/contract";
import { renderValidationMessage } from "../../functions/core/csv/validation-messages";
import { neutralizeFormula } from "../../functions/core/notify/escape";
import { maskRecord, maskText } from "../../functions/core/notify/mask";
import { csvLine } from "../../functions/core/outcomes/csv-text";
import { visible } from "../../functions/core/text";
import { UsageError } from "../../local/usage-error";
import { type CommandArgs, type OpsContext, table } from "../context";
import { describeExecution, errorRecords, executionItems, unknownExecution } from "../store";
import { executionArgument } from "./show";

/** One error record as `errors` prints it: masked as in notices (e-mail, phone and card numbers are `***`). */
export interface ErrorLine {
  /** The record's number among the data records (header not counted), when known. */
  row: number | null;
  /** The line the record starts on (the header is line 1). */
  line: number;
  column: string | null;
  errorType: string;
  severity: string;
  message: string;
  /** The row's values, masked. */
  values: Record<string, string>;
}

/** Columns of `errors --format csv`, in order: those of `errors.csv`, then the row's masked values. */
export const ERRORS_COLUMNS = ["row", "line", "column", "errorType", "severity", "message", "values"] as const;

export const ERRORS_OPTIONS = {
  severity: { type: "string" },
  type: { type: "string" },
  format: { type: "string" },
} as const;

function isValidationMessage(v: unknown): v is ValidationMessage {
  return typeof v === "object" && v !== null && typeof (v as ValidationMessage).key === "string";
}

/** An error item as the operator sees it: its message in English, values masked as the notices mask them. */
export function errorLine(item: Record<string, unknown>): ErrorLine {
  const message = isValidationMessage(item.message)
    ? renderValidationMessage(item.message, "en", (v) => maskText(v))
    : maskText(String(item.errorMessage ?? ""));
  return {
    row: typeof item.recordNumber === "number" ? item.recordNumber : null,
    line: Number(item.rowNumber ?? 0),
    column: typeof item.column === "string" ? item.column : null,
    errorType: String(item.errorType ?? ""),
    severity: String(item.severity ?? ""),
    message: visible(message),
    values: maskRecord((item.recordData ?? {}) as Record<string, unknown>),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The CSV text: a header line and one line per error, CRLF, every field neutralised for spreadsheets. */
export function errorsCsv(lines: readonly ErrorLine[]): string {
  let text = csvLine([...ERRORS_COLUMNS]);
  for (const l of lines) {
    const values = Object.entries(l.values)
      .map(([c, v]) => `${visible(c)}=${visible(v)}`)
      .join("; ");
    text += csvLine(
      [
        l.row === null ? "" : String(l.row),
        String(l.line),
        l.column ?? "",
        l.errorType,
        l.severity,
        l.message,
        values,
      ].map(neutralizeFormula),
    );
  }
  return text;
}

/** `errors EXEC [--severity S] [--type T] [--format table|csv|json]`: the run's error records, most severe first. */
export async function errorsCommand(ctx: OpsContext, args: CommandArgs): Promise<number> {
  const exec = executionArgument("errors", args);
  const severity = args.values.severity as string | undefined;
  if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity))
    throw new UsageError(`--severity "${severity}" is not one of ${SEVERITIES.join(", ")}`);
  const type = args.values.type as string | undefined;
  if (type !== undefined && !(ERROR_TYPES as readonly string[]).includes(type))
    throw new UsageError(`--type "${type}" is not one of ${ERROR_TYPES.join(", ")}`);
  const format = (args.values.format as string | undefined) ?? "table";
  if (!["table", "csv", "json"].includes(format))
    throw new UsageError(`--format "${format}" is not one of table, csv, json`);

  const items = await errorRecords(ctx.clients, ctx.outputs, exec);
  if (items.length === 0) {
    // No errors, or no such run: the run's own items (or Step Functions) tell which.
    const run = await executionItems(ctx.clients, ctx.outputs, exec);
    if (run.file === undefined && run.chunks.length === 0 && !(await describeExecution(ctx.clients, ctx.outputs, exec)))
      throw unknownExecution(exec);
  }
  // The GSI orders by severity and line; records of one line (one per rule) are ordered by column and type, so the
  // same run always prints the same text.
  const lines = items
    .filter((i) => (severity === undefined || i.severity === severity) && (type === undefined || i.errorType === type))
    .map((i) => ({ order: String(i.severityRow ?? ""), line: errorLine(i) }))
    .sort(
      (a, b) =>
        compare(a.order, b.order) ||
        compare(a.line.column ?? "", b.line.column ?? "") ||
        compare(a.line.errorType, b.line.errorType),
    )
    .map((x) => x.line);
  if (format === "json") ctx.out(JSON.stringify(lines, null, 2));
  else if (format === "csv") ctx.out(errorsCsv(lines));
  else if (lines.length === 0) ctx.out("no error records");
  else
    ctx.out(
      table(
        ["SEVERITY", "TYPE", "ROW", "LINE", "COLUMN", "MESSAGE"],
        lines.map((l) => [
          l.severity,
          l.errorType,
          l.row === null ? "" : String(l.row),
          String(l.line),
          l.column ?? "",
          l.message,
        ]),
      ),
    );
  return 0;
}
