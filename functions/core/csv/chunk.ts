import { Readable, type Transform } from "node:stream";
import { parse } from "csv-parse";
import iconv from "iconv-lite";
import type { ChunkRef, ChunkResult, CountsByType, ErrorRecord } from "../../contract";
import { type ChunkOutcomeSink, errorLineFields } from "../outcomes/chunk-outcomes";
import {
  boundedRawLine,
  boundedRecordData,
  buildErrorRecord,
  countRecord,
  emptyBySeverity,
  type RecordContext,
} from "../records/error-record";
import type { DuplicateHits } from "../unique/dups-file";
import type { KeyFileBuilder } from "../unique/key-file";
import { ChunkUniqueness } from "../unique/row-keys";
import { columnNameParams, longColumnEn } from "./column-label";
import { uniqueKeysOf } from "./dataset-schema";
import { type FileEncoding, iconvName, REPLACEMENT_CHAR } from "./encoding";
import { countNul, NUL, NulOffsets, nulRowProblem } from "./nul";
import type { RowSchema } from "./schema";
import { INVALID_UTF8_MARK, Utf8Guard } from "./utf8";
import { type RowProblem, RowValidator } from "./validate";
import { boundedParam, type MessageLocale } from "./validation-messages";

/** Everything needed to process one chunk. */
export interface ChunkJob {
  executionName: string;
  startTime: string;
  chunk: ChunkRef;
  header: string[];
  encoding: FileEncoding;
  schema: RowSchema;
  /** TTL of the records (epoch seconds). */
  expiresAt: number;
  /** The feed of the file: each error record carries it. */
  feed?: string;
}

/** Receives each error record; may return a promise to apply backpressure. */
export type RecordEmitter = (record: ErrorRecord) => undefined | Promise<void>;

/** Sees every parsed row: its fields and the line it starts on (tests, tools). */
export type RowObserver = (fields: readonly string[], rowNumber: number) => void;

/** Where a chunk's row outcomes go, and the language of their error messages. */
export interface ChunkOutcomes {
  sink: ChunkOutcomeSink;
  locale: MessageLocale;
}

/** Optional parts of {@link processChunkStream}. */
export interface ChunkStreamOptions {
  onRow?: RowObserver;
  /** Receives each row's outcome (valid text, rejected text, error lines) in file order. */
  outcomes?: ChunkOutcomes;
  /** Uniqueness, first pass: the key entries of every row that takes part in a unique key (see `core/unique`). */
  keyEntries?: KeyFileBuilder;
  /** Uniqueness, second pass: the chunk's later occurrences, by record number; each adds a `DuplicateError`. */
  duplicates?: DuplicateHits;
}

/** Options of csv-parse used for chunks and, in tests, for whole files (so both read records the same way). */
export const CSV_PARSE_OPTIONS = {
  relax_quotes: true,
  relax_column_count: true,
  skip_empty_lines: true,
  skip_records_with_error: true,
  record_delimiter: ["\r\n", "\n"],
} as const;

interface Skipped {
  code: string;
  raw: string;
  message: string;
  /** Records csv-parse had given before it skipped this one. */
  after: number;
}

interface ParsedRecord {
  record: string[];
  /** The record's text as read, preceded by one CR or LF per blank line skipped before it (see `blankLinesBefore`). */
  raw: string;
}

/** Line feeds inside a record's fields (the record spans that many more lines of the file). */
function lineFeedsIn(fields: readonly string[]): number {
  let lf = 0;
  for (const f of fields) {
    for (let k = f.indexOf("\n"); k !== -1; k = f.indexOf("\n", k + 1)) lf++;
  }
  return lf;
}

const CR = 13;
const LF = 10;

/**
 * Blank lines csv-parse skipped before a record. Its `raw` text keeps one character of each (the LF of a blank "\n"
 * line, the CR of a blank "\r\n" line) ahead of the record's own text, and ends with the first character of the
 * record's own line break when it has one (`terminated`). An unquoted first field may itself begin with lone CRs
 * (data, not line breaks): then the raw text from those CRs on reads exactly as the field's value.
 */
function blankLinesBefore(raw: string, fields: readonly string[], terminated: boolean): number {
  let k = 0;
  while (k < raw.length && (raw.charCodeAt(k) === CR || raw.charCodeAt(k) === LF)) k++;
  if (k === 0) return 0;
  const first = fields[0] ?? "";
  if (k === raw.length) {
    // Nothing but line-break characters: a one-field record of lone CRs, followed by its own line break, if any.
    return Math.max(0, k - first.length - (terminated ? 1 : 0));
  }
  let data = 0;
  while (data < first.length && data < k && first.charCodeAt(data) === CR) data++;
  return data > 0 && raw.startsWith(first, k - data) ? k - data : k;
}

function stripBreaks(raw: string): string {
  return raw.replace(/^[\r\n]+/, "").replace(/[\r\n]+$/, "");
}

/** A record's own text: its `raw` without the blank lines before it and without the first character of its line break. */
function recordText(raw: string, blank: number, terminated: boolean): string {
  return raw.slice(blank, terminated ? raw.length - 1 : raw.length);
}

/** Leading CR and LF characters of a skipped record's raw text: one per blank line csv-parse skipped before it. */
function leadingBreaks(raw: string): number {
  let k = 0;
  while (k < raw.length && (raw.charCodeAt(k) === CR || raw.charCodeAt(k) === LF)) k++;
  return k;
}

/**
 * The problem of a record with bytes that are invalid in `encoding`, in the columns named (header order). It names
 * its column when there is exactly one (with a name), so errors.csv and notices can point at it; the message lists
 * them all either way.
 */
function encodingProblem(rowNumber: number, encoding: FileEncoding, columns: readonly string[]): RowProblem {
  const list = boundedParam(columns.join(", "));
  const problem: RowProblem = {
    rule: "row:encoding",
    errorType: "EncodingError",
    severity: "HIGH",
    message: `The record on line ${rowNumber} has bytes that are not valid ${encoding} in column${columns.length === 1 ? "" : "s"} ${list}; save the file as UTF-8 (or set the schema's encoding) and upload it again.`,
    detail: {
      key: "rowEncoding",
      params: { line: rowNumber, encoding, columns: list, count: columns.length },
    },
  };
  if (columns.length === 1 && columns[0] !== "") problem.column = columns[0];
  return problem;
}

/**
 * The problem of a record csv-parse skipped with error `code` and its `reason`: an unclosed quote (CRITICAL: it
 * swallowed the rest of the chunk) or another parse error (HIGH).
 */
export function skippedRecordProblem(code: string, reason: string, rowNumber: number): RowProblem {
  if (code === "CSV_QUOTE_NOT_CLOSED") {
    return {
      rule: "row:unclosed-quote",
      errorType: "ParseError",
      severity: "CRITICAL",
      message: `The record on line ${rowNumber} opens a quote that is never closed, so every following line of the file was read into it and could not be checked; close the quote and upload the file again.`,
      detail: { key: "rowUnclosedQuote", params: { line: rowNumber } },
    };
  }
  return {
    rule: `row:${code}`,
    errorType: "ParseError",
    severity: "HIGH",
    message: `The record on line ${rowNumber} cannot be parsed: ${reason}`,
    // The parser's reason may quote the file: bounded here, masked by whoever renders it.
    detail: { key: "rowUnparsable", params: { line: rowNumber, reason: boundedParam(reason) } },
  };
}

/**
 * Parses one chunk (a byte stream of whole records, without the header), validates every row and emits one error
 * record per problem. Returns exact counts: rows = valid + invalid; a row with several problems is one invalid row.
 * Row numbers are the row's first line in the original file.
 *
 * With `options.outcomes`, every row's outcome also goes to its sink, in file order: a valid row's text (only when
 * the sink takes valid rows: otherwise valid rows cost nothing more), or a rejected row's text followed by one error
 * line per problem. `options.onRow` (or a function given in its place) sees every parsed row.
 *
 * Uniqueness across the file, when the schema has a unique key: `options.keyEntries` receives the key entries of
 * every row that takes part (first pass); `options.duplicates` adds a `DuplicateError` per key a row repeats and
 * makes the row invalid (second pass). Without a unique key, rows do no uniqueness work.
 */
export async function processChunkStream(
  source: AsyncIterable<Uint8Array>,
  job: ChunkJob,
  emit: RecordEmitter,
  options: RowObserver | ChunkStreamOptions = {},
): Promise<ChunkResult> {
  const { onRow, outcomes, keyEntries, duplicates }: ChunkStreamOptions =
    typeof options === "function" ? { onRow: options } : options;
  const sink = outcomes?.sink;
  const onValid = sink?.valid?.bind(sink);
  const validator = new RowValidator(job.schema, job.header);
  const sensitive = validator.sensitive;
  const width = job.header.length;
  const keys = keyEntries === undefined && duplicates === undefined ? [] : uniqueKeysOf(job.schema);
  // Without a unique key (the usual case) rows do no uniqueness work at all.
  const uniqueness =
    keys.length === 0 ? undefined : new ChunkUniqueness(keys, job.header, sensitive, keyEntries, duplicates);
  const ctx: RecordContext = {
    executionName: job.executionName,
    startTime: job.startTime,
    chunkId: job.chunk.id,
    expiresAt: job.expiresAt,
    processingStage: "process",
    feed: job.feed,
  };
  const byType: CountsByType = {};
  const bySeverity = emptyBySeverity();
  let rows = 0;
  let invalid = 0;
  const skipped: Skipped[] = [];

  const parser = parse({
    ...CSV_PARSE_OPTIONS,
    record_delimiter: [...CSV_PARSE_OPTIONS.record_delimiter],
    // `raw` (not `info`): line numbers come from the raw text; `info` builds two objects per record and, with `raw`,
    // converts the raw text twice, which cost half of the chunk's throughput.
    raw: true,
    on_skip: (err, raw) => {
      skipped.push({
        code: (err as { code?: string }).code ?? "CSV_ERROR",
        raw: raw ?? "",
        message: err?.message ?? "",
        after: parser.info.records,
      });
      return undefined;
    },
  });
  // The last byte of the chunk tells whether its last record ends with a line break (see `blankLinesBefore`).
  let lastByte = -1;
  // UTF-8 is checked by a strict decoder: invalid bytes become a mark that literal text never holds (a literal U+FFFD
  // is data). Other encodings decode invalid bytes to U+FFFD, which they cannot encode, so there it is the mark.
  const guard = job.encoding === "utf-8" ? new Utf8Guard() : null;
  const invalidMark = guard === null ? REPLACEMENT_CHAR : INVALID_UTF8_MARK;
  const shown = (text: string) => (guard === null ? text : text.replaceAll(invalidMark, REPLACEMENT_CHAR));
  // NUL bytes are found in the bytes as read (any piece boundary), so each one's offset in the file is known.
  const nuls = new NulOffsets(job.chunk.start);
  async function* tracked(): AsyncGenerator<Uint8Array> {
    for await (const piece of source) {
      if (piece.length > 0) lastByte = piece[piece.length - 1];
      nuls.scan(piece);
      yield guard === null ? piece : guard.push(piece);
    }
    if (guard !== null) yield guard.end();
  }
  const input = Readable.from(tracked(), { objectMode: false });
  const streams: (Readable | Transform)[] = [input];
  if (job.encoding !== "utf-8") streams.push(iconv.decodeStream(iconvName(job.encoding)) as unknown as Transform);
  streams.push(parser);
  for (let i = 0; i + 1 < streams.length; i++) {
    streams[i].on("error", (err) => parser.destroy(err));
    streams[i].pipe(streams[i + 1] as Transform);
  }

  const problems: RowProblem[] = [];
  // Line bookkeeping: the last line (relative to the chunk) of the previous record.
  let lastEndLine = 0;

  const firstRecord = job.chunk.firstRecord;
  // The index of the n-th record csv-parse gives, in the chunk: n, plus the records it skipped before that one (it
  // calls `on_skip` before it gives the next record). With these options it only skips an unclosed quote, which
  // runs to the end of the chunk, so the skipped records are the chunk's last ones and are reported last.
  const indexOf = (n: number): number => {
    let index = n;
    for (const s of skipped) if (s.after < n) index++;
    return index;
  };
  const report = async (
    rowNumber: number,
    list: RowProblem[],
    recordData: Record<string, string>,
    recordNumber: number | undefined,
    rejectedText: string | undefined,
  ) => {
    invalid++;
    if (rejectedText !== undefined && sink !== undefined) {
      const pending = sink.rejected(rejectedText);
      if (pending !== undefined) await pending;
    }
    for (const p of list) {
      countRecord(byType, bySeverity, p);
      const pending = emit(buildErrorRecord(ctx, rowNumber, p, recordData, recordNumber));
      if (pending !== undefined) await pending;
      if (outcomes !== undefined) {
        const written = outcomes.sink.error(errorLineFields(recordNumber, rowNumber, p, outcomes.locale));
        if (written !== undefined) await written;
      }
    }
  };

  const handle = async (item: ParsedRecord, terminated: boolean): Promise<void> => {
    const fields = item.record;
    const blank = blankLinesBefore(item.raw, fields, terminated);
    const startLine = lastEndLine + 1 + blank;
    lastEndLine = startLine + lineFeedsIn(fields);
    const rowNumber = job.chunk.firstLine + startLine - 1;
    rows++;
    const recordNumber =
      firstRecord === undefined ? undefined : firstRecord - 1 + (skipped.length === 0 ? rows : indexOf(rows));
    if (onRow !== undefined) onRow(fields, rowNumber);
    problems.length = 0;
    const nulCount = countNul(item.raw);
    if (nulCount > 0) {
      // Before any other check: the record is not text, whatever else is wrong with it.
      const fit = fields.length === width;
      const columns = fit ? job.header.filter((_, i) => fields[i].includes(NUL)) : [];
      problems.push(nulRowProblem(rowNumber, nuls.take(nulCount), columns));
      await report(
        rowNumber,
        problems,
        fit
          ? boundedRecordData(job.header, fields.map(shown), sensitive)
          : { raw: boundedRawLine(shown(stripBreaks(item.raw)), sensitive) },
        recordNumber,
        sink === undefined ? undefined : shown(recordText(item.raw, blank, terminated)),
      );
      return;
    }
    if (fields.length !== width) {
      problems.push({
        rule: "row:columns",
        errorType: "ParseError",
        severity: "HIGH",
        message: `The record on line ${rowNumber} has ${fields.length} field${fields.length === 1 ? "" : "s"} but the header has ${width}; check for an unquoted comma, a missing field or a stray line break.`,
        detail: { key: "rowColumns", params: { line: rowNumber, fields: fields.length, width } },
      });
      await report(
        rowNumber,
        problems,
        { raw: boundedRawLine(stripBreaks(item.raw).replaceAll(invalidMark, REPLACEMENT_CHAR), sensitive) },
        recordNumber,
        sink === undefined ? undefined : shown(recordText(item.raw, blank, terminated)),
      );
      return;
    }
    let badColumns: string[] | null = null;
    for (let i = 0; i < width; i++) {
      if (!fields[i].includes(invalidMark)) continue;
      if (badColumns === null) badColumns = [];
      // A long name as a message names it (position, length, first characters): records stay small.
      const named = columnNameParams(job.header[i] ?? "", i + 1);
      badColumns.push(named.length === undefined ? named.name : longColumnEn(named));
    }
    if (badColumns !== null) {
      problems.push(encodingProblem(rowNumber, job.encoding, badColumns));
    } else {
      validator.validate(fields, problems);
      // A row that breaks other rules still takes part: a later copy of it is still its duplicate.
      if (uniqueness !== undefined) uniqueness.take(fields, recordNumber, rowNumber, problems);
      if (problems.length === 0) {
        if (onValid !== undefined) {
          const pending = onValid(recordText(item.raw, blank, terminated));
          if (pending !== undefined) await pending;
        }
        return;
      }
    }
    const values = badColumns === null ? fields : fields.map((f) => f.replaceAll(invalidMark, REPLACEMENT_CHAR));
    await report(
      rowNumber,
      problems,
      boundedRecordData(job.header, values, sensitive),
      recordNumber,
      sink === undefined ? undefined : shown(recordText(item.raw, blank, terminated)),
    );
  };

  // One record of lookahead: only the last record may lack a line break of its own, and only when no skipped record
  // (an unclosed quote, read to the end of the chunk) follows it.
  let pending: ParsedRecord | undefined;
  for await (const item of parser as AsyncIterable<ParsedRecord>) {
    if (pending !== undefined) await handle(pending, true);
    pending = item;
  }
  if (pending !== undefined) await handle(pending, lastByte === LF || skipped.length > 0);

  for (let j = 0; j < skipped.length; j++) {
    const skip = skipped[j];
    rows++;
    // The record runs to the end of the chunk: its text has no line break of its own, and the line breaks it ends
    // with are inside its open quote.
    const blank = leadingBreaks(skip.raw);
    const text = skip.raw.slice(blank).replace(/[\r\n]+$/, "");
    const startLine = lastEndLine + 1 + blank;
    lastEndLine = startLine + (text.match(/\n/g)?.length ?? 0);
    const rowNumber = job.chunk.firstLine + startLine - 1;
    const recordNumber = firstRecord === undefined ? undefined : firstRecord + skip.after + j;
    await report(
      rowNumber,
      [skippedRecordProblem(skip.code, skip.message, rowNumber)],
      { raw: boundedRawLine(text.replaceAll(invalidMark, REPLACEMENT_CHAR), sensitive) },
      recordNumber,
      sink === undefined ? undefined : text.replaceAll(invalidMark, REPLACEMENT_CHAR),
    );
  }

  return { chunkId: job.chunk.id, rows, valid: rows - invalid, invalid, byType, bySeverity };
}
