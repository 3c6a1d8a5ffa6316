/**
 * Cutting a CSV object into chunks at true row boundaries, reading it once as a stream.
 *
 * Why byte ranges instead of chunk copies: split-csv hands out `ChunkRef`s (start/end byte offsets of the original
 * object) and every chunk Lambda does one ranged GetObject. Writing copies would read the file once AND write it
 * all back (one PutObject per chunk: the transfer and request cost again, objects to clean up), and split-csv
 * would hold for the whole write. Measured on s3rver (loopback, 2 shared cores) with a 50 MiB generated orders file
 * (99 chunks; harness: bench/measure-split.ts): streaming the object once through the scanner and planning the
 * ranges took ~210 ms; reading it and writing the 99 chunk copies (without even scanning) took ~490 ms — 2.3× —
 * and on real S3 the PUT side is slower still. The chunk Lambdas pay one GET each either way.
 *
 * The scanner works on raw bytes: in UTF-8 and Shift_JIS alike the bytes `"`, `,`, CR and LF are always whole
 * characters (Shift_JIS trail bytes are ≥ 0x40), so a cut found in bytes is a cut between characters. It follows
 * the same quoting rules as csv-parse with `relax_quotes` (a quote opens a quoted field only at the start of a field;
 * `""` inside quotes is a literal quote), so a record it sees is exactly a record the parser sees.
 */
import type { ChunkRef, SplitStatus, ValidationMessage } from "../../contract";
import { MAX_CHUNKS } from "../../contract";
import { visible } from "../text";
import { uniquePartitionsFor } from "../unique/key-hash";
import { uniqueKeysOf } from "./dataset-schema";
import { decodeBytes, detectEncoding, type FileEncoding, hasUtf8Bom } from "./encoding";
import { checkHeader, parseHeaderLine } from "./header";
import { crOnlyLineEndingProblem, delimiterProblem, headerNulProblem } from "./layout";
import type { RowSchema } from "./schema";
import { notTextProblem } from "./sniff";
import type { RowProblem } from "./validate";
import { boundedParam } from "./validation-messages";

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

/**
 * Called for each record found: its byte range [start, end), the 1-based line it starts on, and whether it is a
 * blank line (only a line break: the chunk reader skips it, so it is no data record).
 */
export type RecordSink = (start: number, end: number, startLine: number, blank: boolean) => void;

/** Finds record boundaries in a byte stream fed piece by piece. */
export class RowScanner {
  private state = FIELD_START;
  private offset: number;
  private line = 1;
  private recordStart: number;
  private recordLine = 1;
  /** True once the current record has a byte other than CR and LF. */
  private content = false;

  /** @param skip bytes at the start that belong to no record (a BOM). */
  constructor(private readonly skip = 0) {
    this.offset = 0;
    this.recordStart = skip;
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.offset;
  }

  /** True when the input so far ends inside a quoted field. */
  get inQuotes(): boolean {
    return this.state === QUOTED;
  }

  /** Scans the next piece of the stream. */
  feed(buf: Uint8Array, sink: RecordSink): void {
    let state = this.state;
    let content = this.content;
    let i = 0;
    if (this.offset < this.skip) i = Math.min(buf.length, this.skip - this.offset);
    const base = this.offset;
    const len = buf.length;
    for (; i < len; i++) {
      const c = buf[i];
      if (state === QUOTED) {
        if (c === QUOTE) state = QUOTE_IN_QUOTED;
        else if (c === LF) this.line++;
        continue;
      }
      if (c === LF) {
        const end = base + i + 1;
        sink(this.recordStart, end, this.recordLine, !content);
        this.line++;
        this.recordStart = end;
        this.recordLine = this.line;
        state = FIELD_START;
        content = false;
        continue;
      }
      if (c !== CR) content = true;
      if (c === COMMA) {
        state = FIELD_START;
      } else if (c === QUOTE) {
        if (state === FIELD_START) state = QUOTED;
        else if (state === QUOTE_IN_QUOTED) state = QUOTED;
        // a quote inside an unquoted field is a literal character
      } else if (state !== UNQUOTED) {
        state = UNQUOTED;
      }
    }
    this.state = state;
    this.content = content;
    this.offset = base + len;
  }

  /** Ends the stream: a last record without a final newline is emitted. */
  finish(sink: RecordSink): void {
    if (this.offset > this.recordStart) sink(this.recordStart, this.offset, this.recordLine, !this.content);
    this.recordStart = this.offset;
  }
}

/** Chunk size limits actually used for one file. */
export interface ChunkLimits {
  rows: number;
  bytes: number;
  /** No chunk but the last is smaller than this: it keeps the number of chunks ≤ maxChunks. */
  minBytes: number;
}

/**
 * Limits for a file of `totalBytes`: the configured rows/bytes per chunk, grown so that there are never more than
 * `maxChunks` chunks (every chunk but the last holds at least ⌈totalBytes / maxChunks⌉ bytes).
 */
export function planLimits(
  totalBytes: number,
  configured: { rows: number; bytes: number },
  maxChunks: number = MAX_CHUNKS,
): ChunkLimits {
  const minBytes = Math.max(1, Math.ceil(totalBytes / maxChunks));
  return { rows: configured.rows, bytes: Math.max(configured.bytes, minBytes), minBytes };
}

/** Groups consecutive records into chunks within the limits. Pure: a function of offsets only. */
export class ChunkPlanner {
  readonly chunks: ChunkRef[] = [];
  private start = -1;
  private end = 0;
  private firstLine = 0;
  private firstRecord = 0;
  private records = 0;
  private rows = 0;

  constructor(private readonly limits: ChunkLimits) {}

  /** Adds the next record; a blank one (a line break only) is no data record and does not advance the count. */
  add(start: number, end: number, startLine: number, blank = false): void {
    if (this.start < 0) {
      this.start = start;
      this.firstLine = startLine;
      this.firstRecord = this.records + 1;
      this.rows = 0;
    }
    if (!blank) this.records++;
    this.rows++;
    this.end = end;
    const size = end - this.start;
    if (size >= this.limits.minBytes && (this.rows >= this.limits.rows || size >= this.limits.bytes)) this.close();
  }

  /** Closes the last chunk and returns them all. */
  finish(): ChunkRef[] {
    this.close();
    return this.chunks;
  }

  private close(): void {
    if (this.start < 0) return;
    this.chunks.push({
      id: this.chunks.length + 1,
      start: this.start,
      end: this.end,
      firstLine: this.firstLine,
      firstRecord: this.firstRecord,
    });
    this.start = -1;
  }
}

/** Options of one split. */
export interface SplitOptions {
  /** Size of the object (its ContentLength): chunk sizes grow with it. */
  totalBytes: number;
  schema: RowSchema;
  chunkRows: number;
  chunkBytes: number;
  maxChunks?: number;
}

/** The outcome of splitting one file. `problems` are header problems (row 1), to be recorded by the caller. */
export interface SplitOutcome {
  status: SplitStatus;
  encoding: FileEncoding;
  header: string[];
  /** Where the header line is in the object (byte offsets, BOM excluded), once it was read: a chunk can re-read it. */
  headerRange?: { start: number; end: number };
  bytes: number;
  chunks: ChunkRef[];
  /** Partitions of the file's unique-key entries (see {@link uniquePartitionsOf}); 0 for a rejected file. */
  uniquePartitions: number;
  problems: RowProblem[];
  message?: string;
}

/**
 * How many partitions the chunks spread their unique-key hashes over (P): 0 when the file has no chunk (nothing to
 * check), else as `uniquePartitionsFor` says (0 without a unique key, one per 1,000,000 key entries of the file's
 * `records` data records, 1…256). No finder then holds more than a partition's entries, whatever the file's size.
 */
export function uniquePartitionsOf(schema: RowSchema, records: number, chunkCount: number): number {
  return chunkCount === 0 ? 0 : uniquePartitionsFor(records, uniqueKeysOf(schema).length);
}

/** Bytes looked at to choose the encoding. */
const DETECT_PREFIX_BYTES = 64 * 1024;
/** A header line longer than this is refused. */
export const MAX_HEADER_BYTES = 1024 * 1024;

function concat(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

function critical(
  rule: string,
  errorType: RowProblem["errorType"],
  message: string,
  detail: ValidationMessage,
): RowProblem {
  return { rule, errorType, severity: "CRITICAL", message, detail };
}

function rejected(encoding: FileEncoding, bytes: number, header: string[], problem: RowProblem): SplitOutcome {
  // The message may quote the file's header: control characters made visible before it leaves split.
  return {
    status: "REJECTED",
    encoding,
    header,
    bytes,
    chunks: [],
    uniquePartitions: 0,
    problems: [problem],
    message: visible(problem.message),
  };
}

/**
 * Reads a CSV byte stream once and plans its chunks: detects the encoding, reads and checks the header, then groups
 * the records into byte ranges. Never holds more than the detection prefix and the header in memory.
 */
export async function splitCsv(source: AsyncIterable<Uint8Array>, opts: SplitOptions): Promise<SplitOutcome> {
  const limits = planLimits(opts.totalBytes, { rows: opts.chunkRows, bytes: opts.chunkBytes }, opts.maxChunks);
  const planner = new ChunkPlanner(limits);
  const it = source[Symbol.asyncIterator]();

  // 1. Detection prefix (also the first bytes to scan).
  const prefixParts: Uint8Array[] = [];
  let prefixLen = 0;
  let done = false;
  while (prefixLen < DETECT_PREFIX_BYTES) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    prefixParts.push(next.value);
    prefixLen += next.value.length;
  }
  const prefix = concat(prefixParts);
  const bom = hasUtf8Bom(prefix) ? 3 : 0;
  const encoding = detectEncoding(prefix.subarray(bom), opts.schema.encoding, bom > 0);
  if (prefix.length - bom === 0) {
    if (!done) await it.return?.();
    return rejected(
      encoding,
      prefix.length,
      [],
      critical(
        "file:empty",
        "SchemaError",
        "The file is empty: it needs a header line naming the columns and then the rows.",
        { key: "fileEmpty", params: {} },
      ),
    );
  }

  // Not text at all, or text whose lines end with a lone CR (the whole file would read as one line).
  const unreadable = notTextProblem(prefix) ?? crOnlyLineEndingProblem(prefix.subarray(bom));
  if (unreadable !== null) {
    if (!done) await it.return?.();
    return rejected(encoding, prefix.length, [], unreadable);
  }

  // 2. Scan: the first record is the header, the rest go to the planner.
  const scanner = new RowScanner(bom);
  let headerRange: [number, number] | null = null;
  const headerParts: Uint8Array[] = [];
  let headerLen = 0;
  let dataRecords = 0;
  const sink: RecordSink = (start, end, line, blank) => {
    if (headerRange === null) headerRange = [start, end];
    else {
      dataRecords++;
      planner.add(start, end, line, blank);
    }
  };
  const feed = (buf: Uint8Array) => {
    if (headerRange === null && headerLen < MAX_HEADER_BYTES + bom) {
      headerParts.push(buf);
      headerLen += buf.length;
    }
    scanner.feed(buf, sink);
  };

  let header: string[] | null = null;
  let headerBytes: { start: number; end: number } | undefined;
  let warnings: RowProblem[] = [];
  /** Once the header is complete: decode and check it. Returns a rejection, if any. */
  const onHeader = (): SplitOutcome | null => {
    const [start, end] = headerRange as unknown as [number, number];
    if (end > MAX_HEADER_BYTES + bom) {
      return rejected(
        encoding,
        scanner.bytes,
        [],
        critical(
          "header:too-long",
          "ParseError",
          `The header line is longer than ${MAX_HEADER_BYTES} bytes; check that the file is a CSV with a header line.`,
          { key: "headerTooLong", params: { max: MAX_HEADER_BYTES } },
        ),
      );
    }
    const headerLine = concat(headerParts);
    const nul = headerNulProblem(headerLine, start, end);
    if (nul !== null) return rejected(encoding, scanner.bytes, [], nul);
    const text = decodeBytes(headerLine.subarray(start, end), encoding);
    let fields: string[];
    try {
      fields = parseHeaderLine(headerLine.subarray(start, end), encoding);
    } catch (err) {
      const reason = boundedParam((err as Error).message);
      return rejected(
        encoding,
        scanner.bytes,
        [],
        critical(
          "header:parse",
          "ParseError",
          // The parser's reason may quote the header: bounded here, masked by whoever renders it.
          `The header line cannot be parsed (${reason}); fix its quoting and upload the file again.`,
          { key: "headerParse", params: { reason } },
        ),
      );
    }
    header = fields;
    headerBytes = { start, end };
    const verdict = checkHeader(header, opts.schema);
    // A file separated by semicolons or tabs is named as such, not by the columns a comma reading misses.
    const layout = delimiterProblem(text, header, opts.schema, verdict.reject !== undefined);
    if (layout !== null) return rejected(encoding, scanner.bytes, header, layout);
    if (verdict.reject) return rejected(encoding, scanner.bytes, header, verdict.reject);
    warnings = verdict.warnings;
    headerParts.length = 0;
    return null;
  };

  feed(prefix);
  if (headerRange !== null) {
    const r = onHeader();
    if (r) {
      if (!done) await it.return?.();
      return r;
    }
  }
  if (!done) {
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      feed(next.value);
      if (header === null && headerRange !== null) {
        const r = onHeader();
        if (r) {
          await it.return?.();
          return r;
        }
      }
    }
  }
  const endedInQuotes = scanner.inQuotes;
  scanner.finish(sink);
  if (header === null) {
    if (headerRange === null) throw new Error("scanner produced no header record for a non-empty file");
    if (endedInQuotes && dataRecords === 0) {
      return rejected(
        encoding,
        scanner.bytes,
        [],
        critical(
          "header:unclosed-quote",
          "ParseError",
          "The header line opens a quote that is never closed, so the whole file reads as one line; fix the quoting and upload the file again.",
          { key: "headerUnclosedQuote", params: {} },
        ),
      );
    }
    const r = onHeader();
    if (r) return r;
  }
  const chunks = planner.finish();
  return {
    status: "OK",
    encoding,
    header: header ?? [],
    ...(headerBytes ? { headerRange: headerBytes } : {}),
    bytes: scanner.bytes,
    chunks,
    uniquePartitions: uniquePartitionsOf(opts.schema, dataRecords, chunks.length),
    problems: warnings,
  };
}
