import assert from "node:assert/strict";
import { clients } from "../../../../functions/adapters/clients";
import { ErrorWriter } from "../../../../functions/adapters/error-store";
import { dynamoRunStore } from "../../../../functions/adapters/run-store";
import type { ErrorRecord } from "../../../../functions/contract";
import { processChunkStream } from "../../../../functions/core/csv/chunk";
import { parseSchema } from "../../../../functions/core/csv/schema";
import { splitCsv } from "../../../../functions/core/csv/split";
import {
  buildEmailNotice,
  buildSlackNotice,
  type ErrorExample,
  type NoticeInput,
} from "../../../../functions/core/notify/messages";
import { buildErrorRecord } from "../../../../functions/core/records/error-record";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { restoreEnv } from "../../../support/env";
import { sampleSummary } from "../../../support/notify-world";

const SCHEMA = parseSchema(
  `columns:
  - { name: id, type: string, required: true }
  - { name: name, type: string }
  - { name: note, type: string }
`,
  "structural.yaml",
);

/** A valid row, a ragged row (ParseError) and a row with an invalid byte in `name` (EncodingError). */
const FILE = Buffer.concat([
  Buffer.from("id,name,note\nA1,Taro,ok\nA2,Jiro\nA3,Sab"),
  Buffer.from([0xff]),
  Buffer.from(",ok\n"),
]);

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The error records of FILE, as process-chunk builds them. */
async function recordsOf(executionName: string): Promise<ErrorRecord[]> {
  const split = await splitCsv(once(FILE), {
    totalBytes: FILE.length,
    schema: SCHEMA,
    chunkRows: 100,
    chunkBytes: 1 << 20,
  });
  const records: ErrorRecord[] = [];
  for (const chunk of split.chunks) {
    await processChunkStream(
      once(FILE.subarray(chunk.start, chunk.end)),
      {
        executionName,
        startTime: "2025-06-02T03:00:00.000Z",
        chunk,
        header: split.header,
        encoding: split.encoding,
        schema: SCHEMA,
        expiresAt: 2_000_000_000,
      },
      (record) => void records.push(record),
    );
  }
  return records;
}

function notice(examples: ErrorExample[], locale: "ja" | "en" = "ja"): NoticeInput {
  return {
    summary: sampleSummary({ byType: { ParseError: 1, EncodingError: 1 } }),
    level: "HIGH",
    examples,
    locale,
    timeZone: "Asia/Tokyo",
    links: {},
  };
}

/** The example part of a plain-text notice: from the first example's heading to the line before the closing words. */
function exampleLines(text: string): string[] {
  const lines = text.split("\n");
  const first = lines.findIndex((l) => l.startsWith("- レコード") || l.startsWith("- Record"));
  assert.ok(first >= 0, text);
  const end = lines.findIndex((l, i) => i > first && l === "");
  return lines.slice(first, end < 0 ? undefined : end);
}

describe("structural messages in notices", () => {
  let svc: LocalServices;
  const saved = { ...process.env };

  before(async () => {
    svc = await startLocalServices();
    Object.assign(process.env, svc.env);
    clients.reset();
  });
  after(async () => {
    restoreEnv(saved);
    clients.reset();
    await svc.stop();
  });

  it("shows a ParseError and an EncodingError in Japanese, read back from the error table", async () => {
    const records = await recordsOf("exec-structural");
    const writer = new ErrorWriter(svc.errorTable);
    for (const r of records) await writer.add(r);
    await writer.flush();
    const store = dynamoRunStore({ runsTable: svc.runsTable, errorTable: svc.errorTable });

    const examples = await store.readExamples("exec-structural", 5);
    const text = buildEmailNotice(notice(examples)).text;

    assert.deepEqual(exampleLines(text), [
      "- レコード2(3行目) ParseError [HIGH]",
      "  3行目のレコードは項目が2個ですが、ヘッダーは3列です。引用符で囲まれていないカンマ、項目の不足、余分な改行がないか確認してください",
      "  raw: A2,Jiro",
      "- レコード3(4行目) EncodingError [HIGH] 列: name",
      "  4行目のレコードの列 name に utf-8 として不正なバイトがあります。ファイルを UTF-8 で保存し直して(またはスキーマの encoding を設定して)、もう一度アップロードしてください",
      "  name: Sab\uFFFD",
    ]);
    assert.doesNotMatch(text, /The record on line/);
  });

  it("shows the same examples in English with locale en, as the records' English messages", async () => {
    const examples = (await recordsOf("exec-structural-en")).map((r) => ({ ...r }) as ErrorExample);

    const lines = exampleLines(buildEmailNotice(notice(examples, "en")).text);

    assert.equal(lines[1], `  ${examples[0].errorMessage}`);
    assert.equal(lines[4], `  ${examples[1].errorMessage}`);
  });

  it("masks the header names a header message quotes, in Japanese in Slack", async () => {
    const bytes = Buffer.from("name,taro@example.jp\nx,y\n");
    const split = await splitCsv(once(bytes), {
      totalBytes: bytes.length,
      schema: SCHEMA,
      chunkRows: 100,
      chunkBytes: 1 << 20,
    });
    const record = buildErrorRecord(
      { executionName: "exec-header", startTime: "t", chunkId: 0, expiresAt: 1, processingStage: "split" },
      1,
      split.problems[0],
      {},
    );

    const slack = JSON.stringify(buildSlackNotice(notice([{ ...record, severity: "CRITICAL" }])));

    assert.ok(
      slack.includes(
        "ヘッダーに必須列 id がありません(ヘッダーの列: name, ***)。ファイルの1行目に列を追加するか、行スキーマで任意の列にして、もう一度アップロードしてください",
      ),
      slack,
    );
    assert.equal(slack.includes("taro@example.jp"), false);
  });
});
