import { Readable, type Transform } from "node:stream";
import { type CastingContext, type Info, parse } from "csv-parse";
import iconv from "iconv-lite";
import type { ChunkRef, ChunkResult, CountsByType, ErrorRecord } from "../contract";
import { type FileEncoding, iconvName, REPLACEMENT_CHAR } from "./csv-encoding";
import {
  boundedRawLine,
  boundedRecordData,
  buildErrorRecord,
  countRecord,
  emptyBySeverity,
  type RecordContext,
} from "./records";
import { type RowProblem, RowValidator } from "./rows-validate";
import type { RowSchema } from "./schema";

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
}

/** Receives each error record; may return a promise to apply backpressure. */
export type RecordEmitter = (record: ErrorRecord) => undefined | Promise<void>;

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
}

interface ParsedRecord {
  record: string[];
  info: Info & CastingContext & { raw?: string };
}

/**
 * Line breaks inside a record's fields, counted two ways: `csv` as csv-parse's `info.lines` counts them (inside
 * quotes every CR and every LF counts, so a quoted CRLF counts twice) and `lf` as lines of the file (LF only).
 */
function breaksIn(fields: readonly string[], out: { csv: number; lf: number }): void {
  out.csv = 0;
  out.lf = 0;
  for (const f of fields) {
    if (f.indexOf("\n") === -1 && f.indexOf("\r") === -1) continue;
    for (let k = 0; k < f.length; k++) {
      const c = f.charCodeAt(k);
      if (c === 10) {
        out.csv++;
        out.lf++;
      } else if (c === 13) out.csv++;
    }
  }
}

function stripBreaks(raw: string): string {
  return raw.replace(/^[\r\n]+/, "").replace(/[\r\n]+$/, "");
}

/**
 * Parses one chunk (a byte stream of whole records, without the header), validates every row and emits one error
 * record per problem. Returns exact counts: rows = valid + invalid; a row with several problems is one invalid row.
 * Row numbers are the row's first line in the original file. `onRow` sees every parsed row (tests, tools).
 */
export async function processChunkStream(
  source: AsyncIterable<Uint8Array>,
  job: ChunkJob,
  emit: RecordEmitter,
  onRow?: (fields: readonly string[], rowNumber: number) => void,
): Promise<ChunkResult> {
  const validator = new RowValidator(job.schema, job.header);
  const sensitive = validator.sensitive;
  const width = job.header.length;
  const ctx: RecordContext = {
    executionName: job.executionName,
    startTime: job.startTime,
    chunkId: job.chunk.id,
    expiresAt: job.expiresAt,
    processingStage: "process",
  };
  const byType: CountsByType = {};
  const bySeverity = emptyBySeverity();
  let rows = 0;
  let invalid = 0;
  const skipped: Skipped[] = [];

  const parser = parse({
    ...CSV_PARSE_OPTIONS,
    record_delimiter: [...CSV_PARSE_OPTIONS.record_delimiter],
    info: true,
    raw: true,
    on_skip: (err, raw) => {
      skipped.push({
        code: (err as { code?: string }).code ?? "CSV_ERROR",
        raw: raw ?? "",
        message: err?.message ?? "",
      });
      return undefined;
    },
  });
  const input = Readable.from(source, { objectMode: false });
  const streams: (Readable | Transform)[] = [input];
  if (job.encoding !== "utf-8") streams.push(iconv.decodeStream(iconvName(job.encoding)) as unknown as Transform);
  streams.push(parser);
  for (let i = 0; i + 1 < streams.length; i++) {
    streams[i].on("error", (err) => parser.destroy(err));
    streams[i].pipe(streams[i + 1] as Transform);
  }

  const problems: RowProblem[] = [];
  // Line bookkeeping: csv-parse's line counter (to see skipped blank lines) and the file's own line numbers.
  const breaks = { csv: 0, lf: 0 };
  let parserLines = 0;
  let lastEndLine = 0;

  const report = async (rowNumber: number, list: RowProblem[], recordData: Record<string, string>) => {
    invalid++;
    for (const p of list) {
      countRecord(byType, bySeverity, p);
      const pending = emit(buildErrorRecord(ctx, rowNumber, p, recordData));
      if (pending !== undefined) await pending;
    }
  };

  for await (const item of parser as AsyncIterable<ParsedRecord>) {
    const fields = item.record;
    breaksIn(fields, breaks);
    const blankBefore = item.info.lines - parserLines - 1 - breaks.csv;
    parserLines = item.info.lines;
    const startLine = lastEndLine + 1 + Math.max(0, blankBefore);
    lastEndLine = startLine + breaks.lf;
    const rowNumber = job.chunk.firstLine + startLine - 1;
    rows++;
    if (onRow !== undefined) onRow(fields, rowNumber);
    problems.length = 0;
    if (fields.length !== width) {
      problems.push({
        rule: "row:columns",
        errorType: "ParseError",
        severity: "HIGH",
        message: `Row ${rowNumber} has ${fields.length} field${fields.length === 1 ? "" : "s"} but the header has ${width}; check for an unquoted comma, a missing field or a stray line break.`,
      });
      await report(rowNumber, problems, { raw: boundedRawLine(stripBreaks(item.info.raw ?? ""), sensitive) });
      continue;
    }
    let badColumns: string[] | null = null;
    for (let i = 0; i < width; i++) {
      if (!fields[i].includes(REPLACEMENT_CHAR)) continue;
      if (badColumns === null) badColumns = [];
      badColumns.push(job.header[i]);
    }
    if (badColumns !== null) {
      problems.push({
        rule: "row:encoding",
        errorType: "EncodingError",
        severity: "HIGH",
        message: `Row ${rowNumber} has bytes that are not valid ${job.encoding} in column${badColumns.length === 1 ? "" : "s"} ${badColumns.join(", ")}; save the file as UTF-8 (or set the schema's encoding) and upload it again.`,
      });
    } else if (validator.validate(fields, problems) === 0) {
      continue;
    }
    await report(rowNumber, problems, boundedRecordData(job.header, fields, sensitive));
  }

  for (const skip of skipped) {
    rows++;
    const raw = skip.raw.replace(/^\r/, "");
    const leading = raw.length - raw.replace(/^(?:\r?\n)+/, "").length;
    const rowNumber =
      job.chunk.firstLine + lastEndLine + (leading > 0 ? raw.slice(0, leading).split("\n").length - 1 : 0);
    const unclosed = skip.code === "CSV_QUOTE_NOT_CLOSED";
    const problem: RowProblem = unclosed
      ? {
          rule: "row:unclosed-quote",
          errorType: "ParseError",
          severity: "CRITICAL",
          message: `Row ${rowNumber} opens a quote that is never closed, so every following line of the file was read into it and could not be checked; close the quote and upload the file again.`,
        }
      : {
          rule: `row:${skip.code}`,
          errorType: "ParseError",
          severity: "HIGH",
          message: `Row ${rowNumber} cannot be parsed: ${skip.message}`,
        };
    await report(rowNumber, [problem], { raw: boundedRawLine(stripBreaks(raw), sensitive) });
  }

  return { chunkId: job.chunk.id, rows, valid: rows - invalid, invalid, byType, bySeverity };
}
