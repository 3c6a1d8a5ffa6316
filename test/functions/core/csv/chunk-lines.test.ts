import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { CSV_PARSE_OPTIONS, processChunkStream } from "../../../../functions/core/csv/chunk";
import { parseSchema } from "../../../../functions/core/csv/schema";

const SCHEMA = join(__dirname, "..", "..", "..", "..", "samples", "orders.schema.yaml");
const HEADER = ["order_id", "email", "amount", "quantity", "status", "ordered_at", "updated_at", "note"];

/** Row numbers and raw texts of a chunk starting at line 10, read in pieces of `piece` bytes. */
async function read(text: string, piece: number) {
  const bytes = Buffer.from(text);
  const rows: [readonly string[], number][] = [];
  const records: [number, string | undefined][] = [];
  await processChunkStream(
    (async function* () {
      for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
    })(),
    {
      executionName: "e",
      startTime: "t",
      chunk: { id: 0, start: 0, end: bytes.length, firstLine: 10 },
      header: HEADER,
      encoding: "utf-8",
      schema: parseSchema(readFileSync(SCHEMA, "utf8"), SCHEMA),
      expiresAt: 1,
    },
    (r) => {
      records.push([r.rowNumber, r.recordData.raw]);
      return undefined;
    },
    (fields, n) => rows.push([fields, n]),
  );
  return { rows, records };
}

// Expected figures are what the chunk reader gave when it took line numbers from csv-parse's own line counter; the
// reader now derives them from each record's raw text (for throughput) and must agree on every edge of the format.
const CASES: { input: string; rows: [string[], number][]; records: [number, string][] }[] = [
  {
    input: "a,b\n\n\nc,d\n",
    rows: [
      [["a", "b"], 10],
      [["c", "d"], 13],
    ],
    records: [
      [10, "a,***"],
      [13, "c,***"],
    ],
  },
  {
    input: "a,b\r\n\r\n\r\nc,d\r\n",
    rows: [
      [["a", "b"], 10],
      [["c", "d"], 13],
    ],
    records: [
      [10, "a,***"],
      [13, "c,***"],
    ],
  },
  {
    input: "a,b\n\r\n\nc,d",
    rows: [
      [["a", "b"], 10],
      [["c", "d"], 13],
    ],
    records: [
      [10, "a,***"],
      [13, "c,***"],
    ],
  },
  {
    input: "\r\r\n,x\n",
    rows: [
      [["\r"], 10],
      [["", "x"], 11],
    ],
    records: [
      [10, ""],
      [11, ",***"],
    ],
  },
  {
    input: "a\n\r",
    rows: [
      [["a"], 10],
      [["\r"], 11],
    ],
    records: [
      [10, "a"],
      [11, ""],
    ],
  },
  {
    input: "a\n\r\r",
    rows: [
      [["a"], 10],
      [["\r\r"], 11],
    ],
    records: [
      [10, "a"],
      [11, ""],
    ],
  },
  {
    input: 'a\r\n\r\r\n"q\r\nr",b\r\n\n\rz,y\n',
    rows: [
      [["a"], 10],
      [["\r"], 11],
      [["q\r\nr", "b"], 12],
      [["\rz", "y"], 15],
    ],
    records: [
      [10, "a"],
      [11, ""],
      // The stored raw line shows the quoted line break as text (control characters made visible).
      [12, '"q\\x0d\\x0ar",***'],
      [15, "z,***"],
    ],
  },
  {
    input: '\r"",x\n\r\n\rb\n',
    rows: [
      [['\r""', "x"], 10],
      [["\rb"], 12],
    ],
    records: [
      [10, '"",***'],
      [12, "b"],
    ],
  },
  {
    input: 'x\n"open,\n\nrest\n',
    rows: [[["x"], 10]],
    records: [
      [10, "x"],
      [11, '"open,***'],
    ],
  },
  {
    // Blank CRLF lines before an unclosed quote leave one CR each ahead of its text.
    input: 'x\r\n\r\n\r\n"open,\r\nrest\r\n',
    rows: [[["x"], 10]],
    records: [
      [10, "x"],
      [13, '"open,***'],
    ],
  },
];

describe("processChunkStream line numbers", () => {
  for (const c of CASES) {
    it(`numbers the rows of ${JSON.stringify(c.input)} by their first line, whatever the read size`, async () => {
      for (const piece of [1, 3, 1 << 16]) {
        const got = await read(c.input, piece);
        assert.deepEqual(got.rows, c.rows, `rows, read ${piece} bytes at a time`);
        assert.deepEqual(got.records, c.records, `error records, read ${piece} bytes at a time`);
      }
    });
  }
});

describe("processChunkStream row texts for the outcome sink", () => {
  // One column, no rules: one-field rows are valid, the others rejected (column count).
  const schema = parseSchema("columns:\n  - { name: a, type: string }\n", "one.yaml");

  async function texts(input: string, piece: number): Promise<string[]> {
    const bytes = Buffer.from(input);
    const out: string[] = [];
    const collect = (text: string) => void out.push(text);
    await processChunkStream(
      (async function* () {
        for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
      })(),
      {
        executionName: "e",
        startTime: "t",
        chunk: { id: 0, start: 0, end: bytes.length, firstLine: 10 },
        header: ["a"],
        encoding: "utf-8",
        schema,
        expiresAt: 1,
      },
      () => undefined,
      { outcomes: { sink: { valid: collect, rejected: collect, error: () => undefined }, locale: "en" } },
    );
    return out;
  }

  for (const c of CASES) {
    it(`gives each row of ${JSON.stringify(c.input)} as read, without blank lines or its own line break`, async () => {
      for (const piece of [1, 3, 1 << 16]) {
        const got = await texts(c.input, piece);
        const reread = parse(got.map((t) => `${t}\r\n`).join(""), {
          ...CSV_PARSE_OPTIONS,
          record_delimiter: [...CSV_PARSE_OPTIONS.record_delimiter],
        }) as string[][];
        assert.deepEqual(
          reread,
          c.rows.map(([fields]) => fields),
          `texts ${JSON.stringify(got)}, read ${piece} bytes at a time`,
        );
        assert.ok(got.every((t) => !/^\r?\n/.test(t)));
      }
    });
  }

  it("keeps a record's quoted line breaks and drops its own CRLF", async () => {
    assert.deepEqual(await texts('"x\r\ny"\r\n\r\nb,c\r\n', 2), ['"x\r\ny"', "b,c"]);
  });
});

describe("record numbers in error records", () => {
  it("numbers data records from the chunk's first record, beside the line each starts on", async () => {
    const text = 'ORD-1,a\n\n"x\ny",b\nORD-2,c\n';
    const bytes = Buffer.from(text);
    const records: [number, number | undefined][] = [];

    await processChunkStream(
      (async function* () {
        yield bytes;
      })(),
      {
        executionName: "e",
        startTime: "t",
        chunk: { id: 0, start: 0, end: bytes.length, firstLine: 10, firstRecord: 7 },
        header: HEADER,
        encoding: "utf-8",
        schema: parseSchema(readFileSync(SCHEMA, "utf8"), SCHEMA),
        expiresAt: 1,
      },
      (r) => {
        records.push([r.rowNumber, r.recordNumber]);
        return undefined;
      },
    );

    assert.deepEqual(records, [
      [10, 7],
      [12, 8],
      [14, 9],
    ]);
  });
});
