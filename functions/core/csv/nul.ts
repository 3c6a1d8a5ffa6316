/**
 * NUL bytes in a CSV file. CSV text never holds one, yet a file may carry a stray one (a damaged export, a field
 * filled from binary data) among text rows. The rule is the same wherever the byte is: the record that holds it is
 * rejected with an `EncodingError` naming its line and the byte's offset in the file — the header's record rejects
 * the file, as any unreadable header does. A file that is mostly NUL bytes (binary data, UTF-16 text) is refused as
 * a whole by the sniffer, from its first bytes.
 */
import type { ValidationMessage } from "../../contract";
import type { RowProblem } from "./validate";
import { boundedParam, renderValidationMessage } from "./validation-messages";

/** The NUL character as it appears in decoded text (UTF-8 and Shift_JIS both decode the NUL byte to U+0000). */
export const NUL = "\u0000";

/** Number of NUL characters in `text`. */
export function countNul(text: string): number {
  let n = 0;
  for (let i = text.indexOf(NUL); i !== -1; i = text.indexOf(NUL, i + 1)) n++;
  return n;
}

/**
 * The file offsets of the NUL bytes of a byte stream read piece by piece, handed out in order as the records that
 * hold them are read. It holds only the offsets of bytes read but not yet parsed (the stream's buffers).
 */
export class NulOffsets {
  private readonly offsets: number[] = [];
  private next = 0;
  private read = 0;

  /** @param start offset in the file of the stream's first byte (a chunk's start). */
  constructor(private readonly start: number) {}

  /** Notes the NUL bytes of the next piece of the stream. */
  scan(piece: Uint8Array): void {
    for (let i = piece.indexOf(0); i !== -1; i = piece.indexOf(0, i + 1)) this.offsets.push(this.start + this.read + i);
    this.read += piece.length;
  }

  /**
   * Takes the offsets of the next `count` NUL bytes (those of one record) and returns the first, or undefined when
   * fewer were seen (which the parser's raw text and the bytes never allow).
   */
  take(count: number): number | undefined {
    const first = this.offsets[this.next];
    this.next = Math.min(this.offsets.length, this.next + count);
    if (this.next > 1024 && this.next * 2 > this.offsets.length) {
      this.offsets.splice(0, this.next);
      this.next = 0;
    }
    return first;
  }
}

/**
 * The problem of a record that holds a NUL byte: HIGH, like any record with bytes that are not text. It names the
 * columns whose values hold one when the record has the header's width (and the column when there is exactly one).
 */
export function nulRowProblem(line: number, offset: number | undefined, columns: readonly string[]): RowProblem {
  const list = columns.join(", ");
  const detail: ValidationMessage = {
    key: "rowNul",
    params: { line, offset: offset ?? "", columns: boundedParam(list), count: columns.length },
  };
  const problem: RowProblem = {
    rule: "row:nul",
    errorType: "EncodingError",
    severity: "HIGH",
    message: renderValidationMessage(detail, "en"),
    detail,
  };
  if (columns.length === 1 && columns[0] !== "") problem.column = columns[0];
  return problem;
}

/** The problem of a header that holds a NUL byte: CRITICAL, the file is rejected (its column names are not text). */
export function nulHeaderProblem(line: number, offset: number): RowProblem {
  const detail: ValidationMessage = { key: "headerNul", params: { line, offset } };
  return {
    rule: "header:nul",
    errorType: "EncodingError",
    severity: "CRITICAL",
    message: renderValidationMessage(detail, "en"),
    detail,
  };
}
