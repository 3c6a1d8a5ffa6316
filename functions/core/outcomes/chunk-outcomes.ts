import type { RowProblem } from "../csv/validate";
import { type MessageLocale, renderValidationMessage } from "../csv/validation-messages";
import { neutralizeFormula } from "../notify/escape";
import { maskText } from "../notify/mask";
import { visible } from "../text";

/**
 * Receives the row outcomes of one chunk, in file order. Each call may return a promise (backpressure): the reader
 * waits for it before it reads on.
 */
export interface ChunkOutcomeSink {
  /**
   * A valid record's text exactly as read (decoded), without the blank lines skipped before it and without its own
   * line break; line breaks inside quoted fields stay as they were. Absent: valid rows are not wanted, and the
   * reader does no work for them.
   */
  valid?(text: string): undefined | Promise<void>;
  /** A rejected record's text as `valid` gives it, bytes that were invalid for the encoding shown as U+FFFD. */
  rejected(text: string): undefined | Promise<void>;
  /** One problem of a rejected record: the fields of its `errors.csv` line (see {@link errorLineFields}). */
  error(fields: readonly string[]): undefined | Promise<void>;
}

/**
 * A problem's message for `errors.csv`, in `locale` (rendered from its `detail`; a problem without one keeps its
 * English `message`) and masked as the notices mask it: values of sensitive columns are never in it, and e-mail
 * addresses, phone and card numbers from the file are `***`. Not yet made visible nor neutralised for spreadsheets.
 */
export function errorLineMessage(problem: Pick<RowProblem, "message" | "detail">, locale: MessageLocale): string {
  return problem.detail === undefined
    ? maskText(problem.message)
    : renderValidationMessage(problem.detail, locale, (value) => maskText(value));
}

/**
 * The fields of one `errors.csv` line, in `ERRORS_CSV_COLUMNS` order: `row` (the record number, empty when it is
 * unknown), `line` (the record's first line in the file), `column` (empty when the problem names none),
 * `errorType`, `severity`, `message` (see {@link errorLineMessage}). Every field is neutralised for spreadsheets
 * (`=…` becomes `'=…`), since the file is opened in Excel.
 *
 * @example errorLineFields(7, 9, problem, "en") // ["7", "9", "email", "ValidationError", "MEDIUM", "email must …"]
 */
export function errorLineFields(
  row: number | undefined,
  line: number,
  problem: RowProblem,
  locale: MessageLocale,
): string[] {
  const message = errorLineMessage(problem, locale);
  return [
    row === undefined ? "" : String(row),
    String(line),
    problem.column === undefined ? "" : neutralizeFormula(visible(problem.column)),
    neutralizeFormula(problem.errorType),
    neutralizeFormula(problem.severity),
    neutralizeFormula(visible(message)),
  ];
}
