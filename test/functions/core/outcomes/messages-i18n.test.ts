import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { itemBytes, toItem } from "../../../../bench/lib/item-size";
import type { ErrorRecord } from "../../../../functions/contract";
import { processChunkStream, skippedRecordProblem } from "../../../../functions/core/csv/chunk";
import { parseSchema, type RowSchema } from "../../../../functions/core/csv/schema";
import { MAX_HEADER_BYTES, splitCsv } from "../../../../functions/core/csv/split";
import type { RowProblem } from "../../../../functions/core/csv/validate";
import {
  isValidationMessageKey,
  type MessageLocale,
  renderValidationMessage,
} from "../../../../functions/core/csv/validation-messages";
import { errorLineFields } from "../../../../functions/core/outcomes/chunk-outcomes";
import { csvLine } from "../../../../functions/core/outcomes/csv-text";
import { buildErrorRecord } from "../../../../functions/core/records/error-record";
import { sourceChangedProblem } from "../../../../functions/core/records/upload";

/** Yields `bytes` in pieces of `piece` bytes. */
async function* inPieces(bytes: Uint8Array, piece: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, Math.min(bytes.length, i + piece));
}

/**
 * Splits a file and processes its chunks as process-chunk does, with a sink that writes the error lines as the
 * errors part does (one `csvLine` per problem). Returns that text and the error records.
 */
async function errorsOf(
  bytes: Uint8Array,
  schema: RowSchema,
  locale: MessageLocale,
): Promise<{ errors: string; records: ErrorRecord[] }> {
  const split = await splitCsv(inPieces(bytes, 7), {
    totalBytes: bytes.length,
    schema,
    chunkRows: 5000,
    chunkBytes: 4 * 1024 * 1024,
  });
  assert.equal(split.status, "OK", split.message);
  let errors = "";
  const records: ErrorRecord[] = [];
  for (const chunk of split.chunks) {
    await processChunkStream(
      inPieces(bytes.subarray(chunk.start, chunk.end), 5),
      {
        executionName: "exec-1",
        startTime: "2024-05-01T00:00:00.000Z",
        chunk,
        header: split.header,
        encoding: split.encoding,
        schema,
        expiresAt: 1,
      },
      (record) => void records.push(record),
      {
        outcomes: {
          locale,
          sink: {
            rejected: () => undefined,
            error: (fields) => {
              errors += csvLine(fields);
              return undefined;
            },
          },
        },
      },
    );
  }
  return { errors, records };
}

/** The `errors.csv` line of a problem about line `line` with no record number (header, file, replaced upload). */
const lineOf = (problem: RowProblem, line: number, locale: MessageLocale) =>
  csvLine(errorLineFields(undefined, line, problem, locale));

/** The one problem the split finds in `bytes` (rejections first, else the first warning). */
async function splitProblem(bytes: Uint8Array, schema: RowSchema): Promise<RowProblem> {
  const out = await splitCsv(inPieces(bytes, 4096), {
    totalBytes: bytes.length,
    schema,
    chunkRows: 5000,
    chunkBytes: 4 * 1024 * 1024,
  });
  assert.equal(out.problems.length, 1, JSON.stringify(out.problems));
  return out.problems[0];
}

const SCHEMA = parseSchema(
  `columns:
  - { name: id, type: string, required: true }
  - { name: name, type: string }
  - { name: note, type: string }
`,
  "i18n.yaml",
);

/** A valid row, a ragged row, bad bytes in one column, bad bytes in two, and a quote never closed. */
const STRUCTURAL = Buffer.concat([
  Buffer.from("id,name,note\nA1,Taro,ok\nA2,Jiro\nA3,Sab"),
  Buffer.from([0xff]),
  Buffer.from(",ok\nA4,"),
  Buffer.from([0xff]),
  Buffer.from("x,"),
  Buffer.from([0xfe]),
  Buffer.from('y\nA5,"open\nmore\n'),
]);

describe("structural messages in errors.csv", () => {
  it("writes the ragged row, bad bytes and unclosed quote lines in English as the records' messages", async () => {
    const out = await errorsOf(STRUCTURAL, SCHEMA, "en");

    assert.equal(
      out.errors,
      '2,3,,ParseError,HIGH,"The record on line 3 has 2 fields but the header has 3; check for an unquoted comma, a missing field or a stray line break."\r\n' +
        "3,4,name,EncodingError,HIGH,The record on line 4 has bytes that are not valid utf-8 in column name; save the file as UTF-8 (or set the schema's encoding) and upload it again.\r\n" +
        '4,5,,EncodingError,HIGH,"The record on line 5 has bytes that are not valid utf-8 in columns name, note; save the file as UTF-8 (or set the schema\'s encoding) and upload it again."\r\n' +
        '5,6,,ParseError,CRITICAL,"The record on line 6 opens a quote that is never closed, so every following line of the file was read into it and could not be checked; close the quote and upload the file again."\r\n',
    );
    for (const record of out.records) {
      assert.ok(record.message, `record of line ${record.rowNumber} has a message key`);
      assert.equal(renderValidationMessage(record.message, "en"), record.errorMessage);
    }
  });

  it("writes the same lines in Japanese", async () => {
    const out = await errorsOf(STRUCTURAL, SCHEMA, "ja");

    assert.equal(
      out.errors,
      "2,3,,ParseError,HIGH,3行目のレコードは項目が2個ですが、ヘッダーは3列です。引用符で囲まれていないカンマ、項目の不足、余分な改行がないか確認してください\r\n" +
        "3,4,name,EncodingError,HIGH,4行目のレコードの列 name に utf-8 として不正なバイトがあります。ファイルを UTF-8 で保存し直して(またはスキーマの encoding を設定して)、もう一度アップロードしてください\r\n" +
        '4,5,,EncodingError,HIGH,"5行目のレコードの列 name, note に utf-8 として不正なバイトがあります。ファイルを UTF-8 で保存し直して(またはスキーマの encoding を設定して)、もう一度アップロードしてください"\r\n' +
        "5,6,,ParseError,CRITICAL,6行目のレコードで開いた引用符が閉じられていないため、以降の行がすべてこのレコードとして読み込まれ、チェックできませんでした。引用符を閉じて、もう一度アップロードしてください\r\n",
    );
  });

  it("names the one column with bad bytes in the record, and none when several have them", async () => {
    const { records } = await errorsOf(STRUCTURAL, SCHEMA, "en");
    const encoding = records.filter((r) => r.errorType === "EncodingError");

    assert.deepEqual(
      encoding.map((r) => [r.rowNumber, r.column, r.message]),
      [
        [4, "name", { key: "rowEncoding", params: { line: 4, encoding: "utf-8", columns: "name", count: 1 } }],
        [5, undefined, { key: "rowEncoding", params: { line: 5, encoding: "utf-8", columns: "name, note", count: 2 } }],
      ],
    );
  });

  it("writes another parse error with its reason masked, in both languages", () => {
    const problem = skippedRecordProblem(
      "CSV_INVALID_CLOSING_QUOTE",
      'Invalid Closing Quote: got "taro@example.jp"',
      9,
    );

    assert.equal(
      csvLine(errorLineFields(4, 9, problem, "en")),
      '4,9,,ParseError,HIGH,"The record on line 9 cannot be parsed: Invalid Closing Quote: got ""***"""\r\n',
    );
    assert.equal(
      csvLine(errorLineFields(4, 9, problem, "ja")),
      '4,9,,ParseError,HIGH,"9行目のレコードを解析できません: Invalid Closing Quote: got ""***"""\r\n',
    );
    assert.equal(
      problem.message,
      'The record on line 9 cannot be parsed: Invalid Closing Quote: got "taro@example.jp"',
    );
  });

  it("writes the replaced-upload line in both languages", () => {
    const problem = sourceChangedProblem({ id: 3, start: 100, end: 200, firstLine: 41, firstRecord: 40 });

    assert.equal(
      lineOf(problem, 41, "en"),
      ",41,,SourceChangedError,CRITICAL,The file was replaced while it was being processed: rows from line 41 of this chunk were not read. Upload the file again once the upload is complete.\r\n",
    );
    assert.equal(
      lineOf(problem, 41, "ja"),
      ",41,,SourceChangedError,CRITICAL,処理中にファイルが置き換えられたため、このチャンクの41行目以降の行は読み込まれていません。アップロードが完了してから、もう一度アップロードしてください\r\n",
    );
  });
});

describe("header and file messages in errors.csv", () => {
  const cases: { name: string; bytes: Buffer; en: string; ja: string }[] = [
    {
      name: "a missing required column (the header's names masked)",
      bytes: Buffer.from("name,taro@example.jp\nx,y\n"),
      en: ',1,,SchemaError,CRITICAL,"The header lacks the required column id (found: name, ***). Add the column to the first line of the file, or make it optional in the row schema, and upload the file again."\r\n',
      ja: ',1,,SchemaError,CRITICAL,"ヘッダーに必須列 id がありません(ヘッダーの列: name, ***)。ファイルの1行目に列を追加するか、行スキーマで任意の列にして、もう一度アップロードしてください"\r\n',
    },
    {
      name: "a column named twice",
      bytes: Buffer.from("id,name,id\nA1,x,A1\n"),
      en: ',1,,SchemaError,CRITICAL,"The header names column ""id"" twice (positions 1 and 3); rename or remove one and upload the file again."\r\n',
      ja: ',1,,SchemaError,CRITICAL,"ヘッダーに列 ""id"" が2回あります(1番目と3番目)。どちらかの名前を変えるか削除して、もう一度アップロードしてください"\r\n',
    },
    {
      name: "a column the schema does not define",
      bytes: Buffer.from("id,name,note,extra\nA1,x,y,z\n"),
      en: ',1,extra,SchemaError,LOW,"The header has a column ""extra"" that the row schema does not define; its values are not checked."\r\n',
      ja: ',1,extra,SchemaError,LOW,"ヘッダーの列 ""extra"" は行スキーマに定義されていないため、値はチェックされません"\r\n',
    },
    {
      name: "a column without a name",
      bytes: Buffer.from("id,name,note,\nA1,x,y,z\n"),
      en: ",1,,SchemaError,LOW,Header column 4 has no name; its values are not checked.\r\n",
      ja: ",1,,SchemaError,LOW,ヘッダーの4列目に名前がないため、値はチェックされません\r\n",
    },
    {
      name: "an empty file",
      bytes: Buffer.from(""),
      en: ",1,,SchemaError,CRITICAL,The file is empty: it needs a header line naming the columns and then the rows.\r\n",
      ja: ",1,,SchemaError,CRITICAL,ファイルが空です。1行目に列名を並べたヘッダー行、その後にデータ行が必要です\r\n",
    },
    {
      name: "a gzip file",
      bytes: gzipSync(Buffer.from("id,name,note\nA1,x,y\n")),
      en: ',1,,EncodingError,CRITICAL,"The file is not CSV text: it is gzip-compressed. To fix it, decompress it (gunzip) and upload the CSV inside."\r\n',
      ja: ",1,,EncodingError,CRITICAL,ファイルが CSV テキストではありません: gzip で圧縮されています。展開(gunzip)して、中の CSV ファイルをアップロードしてください\r\n",
    },
    {
      name: "a header line too long",
      bytes: Buffer.from(`${"h".repeat(MAX_HEADER_BYTES + 1)}\nx\n`),
      en: `,1,,ParseError,CRITICAL,The header line is longer than ${MAX_HEADER_BYTES} bytes; check that the file is a CSV with a header line.\r\n`,
      ja: `,1,,ParseError,CRITICAL,ヘッダー行が ${MAX_HEADER_BYTES} バイトを超えています。ヘッダー行のある CSV ファイルか確認してください\r\n`,
    },
    {
      name: "a header quote never closed",
      bytes: Buffer.from('id,"name,note\nA1,x,y\n'),
      en: ',1,,ParseError,CRITICAL,"The header line opens a quote that is never closed, so the whole file reads as one line; fix the quoting and upload the file again."\r\n',
      ja: ",1,,ParseError,CRITICAL,ヘッダー行で開いた引用符が閉じられていないため、ファイル全体が1行として読み込まれます。引用符を修正して、もう一度アップロードしてください\r\n",
    },
  ];

  for (const c of cases) {
    it(`writes ${c.name} in English (as the record's message) and in Japanese`, async () => {
      const problem = await splitProblem(c.bytes, SCHEMA);

      assert.equal(lineOf(problem, 1, "en"), c.en);
      assert.equal(lineOf(problem, 1, "ja"), c.ja);
      assert.ok(problem.detail, "the problem has a message key");
      assert.equal(renderValidationMessage(problem.detail, "en"), problem.message);
    });
  }

  it("writes an unparsable header line in both languages, its reason masked", () => {
    const detail = { key: "headerParse" as const, params: { reason: "Invalid Opening Quote: a@example.com" } };
    const problem: RowProblem = {
      rule: "header:parse",
      errorType: "ParseError",
      severity: "CRITICAL",
      message: "unused",
      detail,
    };

    assert.equal(
      lineOf(problem, 1, "en"),
      ",1,,ParseError,CRITICAL,The header line cannot be parsed (Invalid Opening Quote: ***); fix its quoting and upload the file again.\r\n",
    );
    assert.equal(
      lineOf(problem, 1, "ja"),
      ",1,,ParseError,CRITICAL,ヘッダー行を解析できません(Invalid Opening Quote: ***)。引用符を修正して、もう一度アップロードしてください\r\n",
    );
  });
});

describe("structural messages in error records", () => {
  const ctx = {
    executionName: "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c",
    startTime: "2025-06-03T02:00:00.000Z",
    chunkId: 12,
    expiresAt: 1_751_508_000,
    processingStage: "process" as const,
  };

  it("stores a key a reader knows and string or number params, and stays within 1 KB", async () => {
    const { records } = await errorsOf(STRUCTURAL, SCHEMA, "en");

    assert.equal(records.length, 4);
    for (const record of records) {
      assert.ok(isValidationMessageKey(record.message?.key), `line ${record.rowNumber}`);
      for (const v of Object.values(record.message?.params ?? {})) assert.ok(["string", "number"].includes(typeof v));
      const bytes = itemBytes(toItem({ ...record }));
      assert.ok(bytes <= 1024, `the record of line ${record.rowNumber} is ${bytes} bytes`);
    }
  });

  it("keeps the params of long header names and reasons small", async () => {
    const wide = Array.from({ length: 40 }, (_, i) => `column_with_a_long_name_${String(i).padStart(3, "0")}`);
    const missing = await splitProblem(Buffer.from(`${wide.join(",")}\n`), SCHEMA);
    // A row whose every field is one invalid byte.
    const badRow = Buffer.from(wide.map(() => "?").join(",")).map((b) => (b === 0x3f ? 0xff : b));
    const encoding = await errorsOf(
      Buffer.concat([Buffer.from(`${wide.join(",")}\n`), badRow, Buffer.from("\n")]),
      parseSchema(`columns:\n  - { name: ${wide[0]}, type: string }\n`, "wide.yaml"),
      "en",
    );
    const unparsable = skippedRecordProblem("CSV_X", "r".repeat(5000), 2);

    /** Bytes of the record's `message` attribute (its name, key and params). */
    const messageBytes = (record: ErrorRecord) => itemBytes(toItem({ message: record.message }));
    const records = [
      buildErrorRecord({ ...ctx, processingStage: "split", chunkId: 0 }, 1, missing, {}),
      ...encoding.records,
      buildErrorRecord(ctx, 2, unparsable, { raw: "x" }),
    ];
    assert.equal(records.length, 3);
    for (const record of records) {
      const bytes = messageBytes(record);
      assert.ok(bytes <= 400, `${record.errorType}: its message key and params are ${bytes} bytes`);
    }
    assert.ok(String(records[1].message?.params.columns).endsWith("…"), "the column list is cut");
  });
});
