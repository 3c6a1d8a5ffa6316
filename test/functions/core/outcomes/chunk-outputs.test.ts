import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import iconv from "iconv-lite";
import { DEFAULT_OUTCOME_SETTINGS, ERRORS_CSV_COLUMNS, type OutcomeSettings } from "../../../../functions/contract";
import { CSV_PARSE_OPTIONS, processChunkStream } from "../../../../functions/core/csv/chunk";
import { parseSchema, type RowSchema } from "../../../../functions/core/csv/schema";
import { splitCsv } from "../../../../functions/core/csv/split";
import type { RowProblem } from "../../../../functions/core/csv/validate";
import type { MessageLocale } from "../../../../functions/core/csv/validation-messages";
import { errorLineFields } from "../../../../functions/core/outcomes/chunk-outcomes";
import { ChunkParts, chunkPartKeys, type PartWriter } from "../../../../functions/core/outcomes/chunk-parts";

/** A part written to memory: its text, and whether it was finished or dropped. */
class MemoryPart implements PartWriter {
  text = "";
  state: "open" | "ended" | "aborted" = "open";
  writes = 0;

  write(text: string): undefined {
    if (this.state !== "open") throw new Error(`written after ${this.state}`);
    this.text += text;
    this.writes++;
    return undefined;
  }

  async end(): Promise<void> {
    this.state = "ended";
  }

  async abort(): Promise<void> {
    if (this.state === "open") this.state = "aborted";
  }
}

/** Yields `bytes` in pieces of `piece` bytes. */
async function* inPieces(bytes: Uint8Array, piece: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, Math.min(bytes.length, i + piece));
}

/** Options of {@link writeParts}. */
interface PartsRun {
  settings?: Partial<OutcomeSettings>;
  locale?: MessageLocale;
  chunkRows?: number;
  piece?: number;
}

/**
 * Splits a file and processes each chunk into its parts in memory, as process-chunk does on S3. Returns the parts'
 * texts by object key (finished parts only; an unfinished one fails the call) and the chunk keys in order.
 */
async function writeParts(
  bytes: Uint8Array,
  schema: RowSchema,
  run: PartsRun = {},
): Promise<{ parts: Map<string, string>; chunks: ChunkParts[]; rows: number; valid: number; invalid: number }> {
  const settings = { ...DEFAULT_OUTCOME_SETTINGS, ...run.settings };
  const piece = run.piece ?? 4096;
  const split = await splitCsv(inPieces(bytes, piece), {
    totalBytes: bytes.length,
    schema,
    chunkRows: run.chunkRows ?? 5000,
    chunkBytes: 4 * 1024 * 1024,
  });
  const parts = new Map<string, string>();
  const chunks: ChunkParts[] = [];
  let rows = 0;
  let valid = 0;
  let invalid = 0;
  for (const chunk of split.chunks) {
    const memory = new Map<string, MemoryPart>();
    const chunkParts = new ChunkParts({
      settings,
      executionName: "exec-1",
      chunkId: chunk.id,
      header: split.header,
      open: (key) => {
        const part = new MemoryPart();
        memory.set(key, part);
        return part;
      },
    });
    const result = await processChunkStream(
      inPieces(bytes.subarray(chunk.start, chunk.end), piece),
      {
        executionName: "exec-1",
        startTime: "2024-05-01T00:00:00.000Z",
        chunk,
        header: split.header,
        encoding: split.encoding,
        schema,
        expiresAt: 1,
      },
      () => undefined,
      { outcomes: { sink: chunkParts.sink, locale: run.locale ?? "en" } },
    );
    await chunkParts.end();
    for (const [key, part] of memory) {
      if (part.state !== "ended") throw new Error(`${key} was not finished`);
      parts.set(key, part.text);
    }
    chunks.push(chunkParts);
    rows += result.rows;
    valid += result.valid;
    invalid += result.invalid;
  }
  return { parts, chunks, rows, valid, invalid };
}

const PROCESSED = "processed/exec-1/part-00001.csv";
const ROWS = "rejected/exec-1/parts/rows-00001.csv";
const ERRORS = "rejected/exec-1/parts/errors-00001.csv";
const BOM = "\uFEFF";

/** id (HIGH pattern), email (sensitive), and a column whose name a spreadsheet would run as a formula. */
const SCHEMA = parseSchema(
  `columns:
  - { name: id, type: string, required: true, pattern: "^A[0-9]+$", severity: HIGH }
  - { name: email, type: email, required: true, sensitive: true }
  - { name: "=note", type: string, maxLength: 10 }
`,
  "outcomes.yaml",
);

/** A file with every kind of row: valid (one with a quoted line break, after blank lines) and each kind of rejected. */
const MIXED = Buffer.concat([
  Buffer.from(
    [
      "id,email,=note",
      "A1,a@example.com,ok",
      "",
      "",
      'A2,b@example.com,"two\nlines"',
      "call 090-1234-5678,c@example.com,fine",
      "A4,,x",
      "A5,not-mail,x",
      "A6,d@example.com,this is far too long",
      "A7,e@example.com",
      "A8,f@example.com,caf",
    ].join("\n"),
  ),
  Buffer.from([0xff]),
  Buffer.from('\nA9,g@example.com,"never closed\nrest\n'),
]);

const MIXED_ROWS =
  "call 090-1234-5678,c@example.com,fine\r\n" +
  "A4,,x\r\n" +
  "A5,not-mail,x\r\n" +
  "A6,d@example.com,this is far too long\r\n" +
  "A7,e@example.com\r\n" +
  "A8,f@example.com,caf\uFFFD\r\n" +
  'A9,g@example.com,"never closed\nrest\r\n';

const MIXED_PARSE_ERRORS_EN =
  '7,11,,ParseError,HIGH,"The record on line 11 has 2 fields but the header has 3; check for an unquoted comma, a missing field or a stray line break."\r\n' +
  "8,12,'=note,EncodingError,HIGH,The record on line 12 has bytes that are not valid utf-8 in column =note; save the file as UTF-8 (or set the schema's encoding) and upload it again.\r\n" +
  '9,13,,ParseError,CRITICAL,"The record on line 13 opens a quote that is never closed, so every following line of the file was read into it and could not be checked; close the quote and upload the file again."\r\n';

const MIXED_PARSE_ERRORS_JA =
  "7,11,,ParseError,HIGH,11行目のレコードは項目が2個ですが、ヘッダーは3列です。引用符で囲まれていないカンマ、項目の不足、余分な改行がないか確認してください\r\n" +
  "8,12,'=note,EncodingError,HIGH,12行目のレコードの列 =note に utf-8 として不正なバイトがあります。ファイルを UTF-8 で保存し直して(またはスキーマの encoding を設定して)、もう一度アップロードしてください\r\n" +
  "9,13,,ParseError,CRITICAL,13行目のレコードで開いた引用符が閉じられていないため、以降の行がすべてこのレコードとして読み込まれ、チェックできませんでした。引用符を閉じて、もう一度アップロードしてください\r\n";

describe("chunk outcome parts", () => {
  it("writes valid rows as read, rejected rows as read and one masked error line per problem (en)", async () => {
    const out = await writeParts(MIXED, SCHEMA, { locale: "en", piece: 3 });

    assert.deepEqual([...out.parts.keys()], [PROCESSED, ROWS, ERRORS]);
    assert.equal(
      out.parts.get(PROCESSED),
      `${BOM}id,email,=note\r\nA1,a@example.com,ok\r\nA2,b@example.com,"two\nlines"\r\n`,
    );
    assert.equal(out.parts.get(ROWS), MIXED_ROWS);
    assert.equal(
      out.parts.get(ERRORS),
      '3,7,id,ValidationError,HIGH,"id must match ^A[0-9]+$ (got ""call ***"")"\r\n' +
        "4,8,email,ValidationError,MEDIUM,email is required but empty\r\n" +
        "5,9,email,ValidationError,MEDIUM,email must be an e-mail address such as name@example.com\r\n" +
        "6,10,'=note,ValidationError,MEDIUM,'=note must be at most 10 characters long (got 20)\r\n" +
        MIXED_PARSE_ERRORS_EN,
    );
    assert.deepEqual([out.rows, out.valid, out.invalid], [9, 2, 7]);
    assert.ok(!out.parts.get(ERRORS)!.includes("not-mail"), "the sensitive column's value is not in errors");
    assert.ok(!out.parts.get(ERRORS)!.includes("090-1234-5678"), "a phone number is masked");
  });

  it("renders validation and structural messages in the output locale (ja)", async () => {
    const out = await writeParts(MIXED, SCHEMA, { locale: "ja", piece: 1 });

    assert.equal(
      out.parts.get(ERRORS),
      '3,7,id,ValidationError,HIGH,"id は ^A[0-9]+$ に一致する必要があります(値: ""call ***"")"\r\n' +
        "4,8,email,ValidationError,MEDIUM,email は必須ですが空です\r\n" +
        "5,9,email,ValidationError,MEDIUM,email は name@example.com のようなメールアドレスにしてください\r\n" +
        "6,10,'=note,ValidationError,MEDIUM,'=note は10文字以内にしてください(20文字)\r\n" +
        MIXED_PARSE_ERRORS_JA,
    );
    assert.equal(out.parts.get(ROWS), MIXED_ROWS);
  });

  it("reads a CRLF file with a BOM: quoted CRLF kept, blank lines and line breaks dropped, no BOM when bom is off", async () => {
    const file = `${BOM}id,email,=note\r\nA1,a@example.com,"x\r\ny"\r\n\r\n\r\nB2,b@example.com,ok\r\nA3,c@example.com,z`;
    const out = await writeParts(Buffer.from(file), SCHEMA, { settings: { bom: false }, piece: 2 });

    assert.equal(out.parts.get(PROCESSED), 'id,email,=note\r\nA1,a@example.com,"x\r\ny"\r\nA3,c@example.com,z\r\n');
    assert.equal(out.parts.get(ROWS), "B2,b@example.com,ok\r\n");
    assert.equal(out.parts.get(ERRORS), '2,6,id,ValidationError,HIGH,"id must match ^A[0-9]+$ (got ""B2"")"\r\n');
  });

  it("writes a Shift_JIS file's rows decoded to UTF-8, its invalid bytes as U+FFFD", async () => {
    const schema = parseSchema(
      `encoding: shift_jis
columns:
  - { name: 名前, type: string, required: true }
  - { name: 状態, type: enum, values: [新規, 発送済] }
`,
      "sjis.yaml",
    );
    const bytes = Buffer.concat([
      iconv.encode("名前,状態\r\n山田,新規\r\n髙橋,取消\r\n", "cp932"),
      iconv.encode("佐藤,新", "cp932"),
      Buffer.from([0xff]),
      iconv.encode("\r\n", "cp932"),
    ]);
    const out = await writeParts(bytes, schema, { locale: "ja", piece: 1 });

    assert.equal(out.parts.get(PROCESSED), `${BOM}名前,状態\r\n山田,新規\r\n`);
    assert.equal(out.parts.get(ROWS), "髙橋,取消\r\n佐藤,新\uFFFD\r\n");
    assert.equal(
      out.parts.get(ERRORS),
      '2,3,状態,ValidationError,MEDIUM,"状態 は 新規, 発送済 のいずれかにしてください(値: ""取消"")"\r\n' +
        "3,4,状態,EncodingError,HIGH,4行目のレコードの列 状態 に shift_jis として不正なバイトがあります。ファイルを UTF-8 で保存し直して(またはスキーマの encoding を設定して)、もう一度アップロードしてください\r\n",
    );
    assert.ok(Buffer.from(out.parts.get(ROWS)!, "utf8").includes(Buffer.from("髙橋", "utf8")));
  });

  it("writes no processed part and hands no valid row to the sink when outputs.processed is off", async () => {
    const out = await writeParts(MIXED, SCHEMA, { settings: { processed: false } });

    assert.deepEqual([...out.parts.keys()], [ROWS, ERRORS]);
    assert.equal(out.chunks[0].sink.valid, undefined);
    assert.equal(out.parts.get(ROWS), MIXED_ROWS);
  });

  it("writes empty rows and errors parts (and a header-only processed part) for a chunk without problems", async () => {
    const out = await writeParts(Buffer.from("id,email,=note\nA1,a@example.com,ok\n"), SCHEMA);

    assert.deepEqual(Object.fromEntries(out.parts), {
      [PROCESSED]: `${BOM}id,email,=note\r\nA1,a@example.com,ok\r\n`,
      [ROWS]: "",
      [ERRORS]: "",
    });
  });

  it("gives, chunk by chunk, parts whose concatenation is the one-chunk parts", async () => {
    const whole = await writeParts(MIXED, SCHEMA);
    const head = `${BOM}id,email,=note\r\n`;
    for (const chunkRows of [1, 2, 3]) {
      const out = await writeParts(MIXED, SCHEMA, { chunkRows, piece: 5 });
      const of = (kind: string) =>
        [...out.parts]
          .filter(([key]) => key.includes(kind))
          .map(([, text]) => text)
          .join("");
      const processed = [...out.parts].filter(([key]) => key.startsWith("processed/")).map(([, t]) => t);
      assert.ok(
        processed.every((t) => t.startsWith(head)),
        "each processed part begins with the BOM and header",
      );
      assert.equal(head + processed.map((t) => t.slice(head.length)).join(""), whole.parts.get(PROCESSED));
      assert.equal(of("/rows-"), whole.parts.get(ROWS), `rows, ${chunkRows} rows a chunk`);
      assert.equal(of("/errors-"), whole.parts.get(ERRORS), `errors, ${chunkRows} rows a chunk`);
    }
  });

  it("leaves record numbers empty when the chunk has none (older manifests)", () => {
    const problem: RowProblem = { rule: "r", errorType: "ParseError", severity: "HIGH", message: "+cmd|' /C calc'!A0" };
    assert.deepEqual(errorLineFields(undefined, 12, problem, "en"), [
      "",
      "12",
      "",
      "ParseError",
      "HIGH",
      "'+cmd|' /C calc'!A0",
    ]);
    assert.equal(ERRORS_CSV_COLUMNS.length, errorLineFields(1, 2, problem, "ja").length);
  });
});

describe("ChunkParts", () => {
  const settings = {
    processedPrefix: "p/",
    rejectedPrefix: "r/",
    resultsPrefix: "x/",
    processed: true,
    bom: true,
  };

  it("names its parts by the contract's keys", () => {
    assert.deepEqual(chunkPartKeys(settings, "e1", 42), {
      processed: "p/e1/part-00042.csv",
      rows: "r/e1/parts/rows-00042.csv",
      errors: "r/e1/parts/errors-00042.csv",
    });
    assert.equal(chunkPartKeys({ ...settings, processed: false }, "e1", 42).processed, null);
  });

  it("gathers rows into few writes, and aborts every unfinished part", async () => {
    const opened = new Map<string, MemoryPart>();
    const parts = new ChunkParts({
      settings,
      executionName: "e1",
      chunkId: 1,
      header: ["a"],
      open: (key) => {
        const part = new MemoryPart();
        opened.set(key, part);
        return part;
      },
    });
    for (let i = 0; i < 20_000; i++) parts.sink.valid!(`row-${i}`);

    const processed = opened.get("p/e1/part-00001.csv")!;
    assert.ok(processed.writes > 0 && processed.writes < 10, `${processed.writes} writes for 20,000 rows`);
    await parts.abort();
    assert.deepEqual(
      [...opened.values()].map((p) => p.state),
      ["aborted", "aborted", "aborted"],
    );
  });
});

describe("chunk outcome parts (property)", () => {
  const fieldArb = fc.stringMatching(/^[a-z",\né日 ]{0,5}$/);
  const fileArb = fc.record({
    width: fc.integer({ min: 1, max: 3 }),
    rows: fc.array(fc.array(fieldArb, { minLength: 1, maxLength: 4 }), { maxLength: 20 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    trailingNewline: fc.boolean(),
    unclosed: fc.boolean(),
    chunkRows: fc.integer({ min: 1, max: 5 }),
    piece: fc.integer({ min: 1, max: 7 }),
  });
  const encode = (value: string, eol: string) => {
    const v = value.replace(/\n/g, eol);
    return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  };

  /** Every row's fields, by processing `text` as one chunk (the rows csv-parse gives, unclosed quotes aside). */
  async function rowsOf(text: string, schema: ReturnType<typeof parseSchema>, header: string[]) {
    const bytes = Buffer.from(text);
    const rows: string[][] = [];
    const result = await processChunkStream(
      inPieces(bytes, 64),
      {
        executionName: "e",
        startTime: "t",
        chunk: { id: 1, start: 0, end: bytes.length, firstLine: 2, firstRecord: 1 },
        header,
        encoding: "utf-8",
        schema,
        expiresAt: 1,
      },
      () => undefined,
      (fields) => void rows.push([...fields]),
    );
    return { rows, result };
  }

  it("splits every row into exactly one of the parts, as read, and each part reads back as the same rows", async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async (f) => {
        const eol = f.crlf ? "\r\n" : "\n";
        const header = Array.from({ length: f.width }, (_, i) => `c${i}`);
        const schema = parseSchema(
          `columns:\n${header.map((h) => `  - { name: ${h}, type: string, pattern: "^[a-z ]*$" }`).join("\n")}\n`,
          "p.yaml",
        );
        const lines = [header.join(","), ...f.rows.map((r) => r.map((v) => encode(v, eol)).join(","))];
        const text =
          (f.bom ? BOM : "") +
          lines.join(eol) +
          (f.unclosed ? `${eol}"open${eol}end` : "") +
          (f.trailingNewline ? eol : "");
        const out = await writeParts(Buffer.from(text), schema, { chunkRows: f.chunkRows, piece: f.piece });
        const all = await rowsOf(text.slice(f.bom ? 1 : 0).slice(lines[0].length + eol.length), schema, header);

        const head = `${BOM}${header.join(",")}\r\n`;
        const processed = [...out.parts].filter(([k]) => k.startsWith("processed/")).map(([, t]) => t);
        assert.ok(processed.every((t) => t.startsWith(head)));
        const valid = await rowsOf(processed.map((t) => t.slice(head.length)).join(""), schema, header);
        const rejectedText = [...out.parts]
          .filter(([k]) => k.includes("/rows-"))
          .map(([, t]) => t)
          .join("");
        const rejected = await rowsOf(rejectedText, schema, header);
        const errorLines = [...out.parts]
          .filter(([k]) => k.includes("/errors-"))
          .map(([, t]) => t)
          .join("");

        // Counts: every row is in one part; re-running the parts gives no invalid valid row and the same errors.
        assert.equal(out.valid + out.invalid, out.rows);
        assert.equal(valid.result.rows, out.valid);
        assert.equal(valid.result.invalid, 0);
        assert.equal(rejected.result.rows, out.invalid);
        assert.equal(rejected.result.invalid, out.invalid);
        const errors = parse(errorLines, { ...CSV_PARSE_OPTIONS, record_delimiter: ["\r\n"] }) as string[][];
        const total = (byType: Record<string, number | undefined>) =>
          Object.values(byType).reduce<number>((a, b) => a + (b ?? 0), 0);
        assert.equal(errors.length, total(rejected.result.byType));
        assert.deepEqual(rejected.result.byType, Object.fromEntries(countTypes(errors)));

        // Fields: the parts hold the rows' fields exactly, in file order.
        let v = 0;
        let r = 0;
        for (const fields of all.rows) {
          if (v < valid.rows.length && JSON.stringify(valid.rows[v]) === JSON.stringify(fields)) v++;
          else {
            assert.deepEqual(rejected.rows[r], fields);
            r++;
          }
        }
        assert.deepEqual([v, r], [valid.rows.length, rejected.rows.length]);
      }),
      { numRuns: 200, seed: 20240513 },
    );
  });
});

function countTypes(errors: string[][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of errors) counts.set(e[3], (counts.get(e[3]) ?? 0) + 1);
  return counts;
}
