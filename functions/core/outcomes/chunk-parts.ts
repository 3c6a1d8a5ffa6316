import { CSV_OUTPUT_EOL, OUTCOME_KEYS, type OutcomeSettings } from "../../contract";
import type { ChunkOutcomeSink } from "./chunk-outcomes";
import { csvLine, UTF8_BOM } from "./csv-text";

/**
 * One text object being written piece by piece (`S3TextWriter` in the functions, memory in tests). `write` may
 * return a promise: the caller waits for it before writing more.
 */
export interface PartWriter {
  write(text: string): undefined | Promise<void>;
  /** Finishes the object: it exists when this resolves. */
  end(): Promise<void>;
  /** Drops the object: nothing of it is left under its key. Never throws. */
  abort(): Promise<void>;
}

/** Characters gathered before one write: row texts are short, and a write per row would cost more than the row. */
const BATCH_CHARS = 64 * 1024;

/** Gathers short pieces of text into writes of about {@link BATCH_CHARS} characters. */
class TextBatch {
  private pending = "";

  constructor(readonly writer: PartWriter) {}

  add(text: string): undefined | Promise<void> {
    this.pending += text;
    return this.pending.length >= BATCH_CHARS ? this.flush() : undefined;
  }

  flush(): undefined | Promise<void> {
    if (this.pending === "") return undefined;
    const text = this.pending;
    this.pending = "";
    return this.writer.write(text);
  }
}

/** The object keys of one chunk's parts; `processed` is null when the valid rows are not written. */
export interface ChunkPartKeys {
  processed: string | null;
  rows: string;
  errors: string;
}

/** The keys a chunk writes its parts under (`OUTCOME_KEYS`), deterministic so that a retried chunk overwrites them. */
export function chunkPartKeys(settings: OutcomeSettings, executionName: string, chunkId: number): ChunkPartKeys {
  return {
    processed: settings.processed ? OUTCOME_KEYS.processedPart(settings, executionName, chunkId) : null,
    rows: OUTCOME_KEYS.rowsPart(settings, executionName, chunkId),
    errors: OUTCOME_KEYS.errorsPart(settings, executionName, chunkId),
  };
}

/** What {@link ChunkParts} needs. */
export interface ChunkPartsOptions {
  settings: OutcomeSettings;
  executionName: string;
  chunkId: number;
  /** The file's header (decoded): the first line of the processed part. */
  header: readonly string[];
  /** Opens the writer of one object key. */
  open: (key: string) => PartWriter;
}

/**
 * The three objects one chunk writes while it reads, and the sink that feeds them:
 * - the processed part (only when `settings.processed`): a BOM when `settings.bom`, the header, then each valid row;
 * - the rows part: each rejected row as read, without header or BOM (composed into `rows.csv`);
 * - the errors part: one `errors.csv` line per problem, without header or BOM (composed into `errors.csv`).
 * Every row and line ends with `CSV_OUTPUT_EOL`. `end()` writes all of them, empty ones too; `abort()` leaves none
 * that was not finished.
 *
 * @example
 * const parts = new ChunkParts({ settings, executionName, chunkId: 3, header, open: (key) => new S3TextWriter(bucket, key) });
 * try { await processChunkStream(body, job, emit, { outcomes: { sink: parts.sink, locale } }); await parts.end(); }
 * catch (err) { await parts.abort(); throw err; }
 */
export class ChunkParts {
  readonly keys: ChunkPartKeys;
  readonly sink: ChunkOutcomeSink;
  private readonly writers: PartWriter[] = [];
  private readonly batches: TextBatch[] = [];

  constructor(opts: ChunkPartsOptions) {
    this.keys = chunkPartKeys(opts.settings, opts.executionName, opts.chunkId);
    const batch = (key: string): TextBatch => {
      const writer = opts.open(key);
      this.writers.push(writer);
      const b = new TextBatch(writer);
      this.batches.push(b);
      return b;
    };
    const processed = this.keys.processed === null ? null : batch(this.keys.processed);
    const rows = batch(this.keys.rows);
    const errors = batch(this.keys.errors);
    const eol = CSV_OUTPUT_EOL;
    this.sink = {
      rejected: (text) => rows.add(text + eol),
      error: (fields) => errors.add(csvLine(fields)),
    };
    if (processed !== null) {
      processed.add((opts.settings.bom ? UTF8_BOM : "") + csvLine(opts.header));
      this.sink.valid = (text) => processed.add(text + eol);
    }
  }

  /** Writes what is gathered and finishes every part: they all exist when this resolves. */
  async end(): Promise<void> {
    for (const b of this.batches) {
      const pending = b.flush();
      if (pending !== undefined) await pending;
    }
    await Promise.all(this.writers.map((w) => w.end()));
  }

  /** Drops every part that is not finished (a finished one stays: it is whole, and a retry overwrites it). */
  async abort(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.abort()));
  }
}
