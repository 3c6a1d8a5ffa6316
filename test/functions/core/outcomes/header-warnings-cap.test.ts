import assert from "node:assert/strict";
import {
  DEFAULT_OUTCOME_SETTINGS,
  type FileSummaryItem,
  type FileWarning,
  MAX_FILE_WARNINGS,
  RUN_KEYS,
} from "../../../../functions/contract";
import { rejectedRowsOf } from "../../../../functions/core/notify/check";
import { buildEmailNotice, type NoticeInput } from "../../../../functions/core/notify/messages";
import { parseNotifyPolicy } from "../../../../functions/core/notify/policy";
import { buildManifest, composition, type RunOutcomeInput } from "../../../../functions/core/outcomes/manifest";
import { headerWarningsOf } from "../../../../functions/core/records/summary";
import { sampleSummary } from "../../../support/notify-world";

const warning = (i: number): FileWarning => ({
  errorType: "SchemaError",
  severity: "LOW",
  message: `The header has a column "x${i}" that the row schema does not define; its values are not checked.`,
  column: `x${i}`,
});

/** An accepted file whose header had `total` unknown columns, of which the split kept `kept` for errors.csv. */
function fileWith(total: number, kept: number): FileSummaryItem {
  return {
    pk: RUN_KEYS.execution("e1"),
    sk: RUN_KEYS.file,
    executionName: "e1",
    bucket: "in",
    key: "incoming/wide.csv",
    status: "OK",
    encoding: "utf-8",
    chunkCount: 0,
    byType: { SchemaError: total },
    bySeverity: { LOW: total, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    errors: total,
    warnings: Array.from({ length: kept }, (_, i) => warning(i + 1)),
    updatedAt: "2025-06-02T03:00:00.000Z",
    expiresAt: 2_000_000_000,
  };
}

const input = (file: FileSummaryItem, locale: "en" | "ja"): RunOutcomeInput => ({
  executionName: "e1",
  bucket: "in",
  key: "incoming/wide.csv",
  chunkCount: 0,
  header: ["order_id"],
  splitStatus: "OK",
  file,
  chunks: [],
  settings: { ...DEFAULT_OUTCOME_SETTINGS, bom: false },
  locale,
});

describe("the cap on header warnings in errors.csv", () => {
  const capped = fileWith(MAX_FILE_WARNINGS + 50, MAX_FILE_WARNINGS);

  it("ends the header warnings of errors.csv with a line that says how many are not listed (English)", () => {
    const head = composition(input(capped, "en")).errors.head;
    const lines = head.split("\r\n");

    assert.equal(lines.length, 1 + MAX_FILE_WARNINGS + 1 + 1, "header, kept warnings, the cap line, end");
    assert.equal(
      lines[MAX_FILE_WARNINGS],
      ',1,x100,SchemaError,LOW,"The header has a column ""x100"" that the row schema does not define; its values are not checked."',
    );
    assert.equal(
      lines[MAX_FILE_WARNINGS + 1],
      ",1,,SchemaError,LOW,50 more header warnings (columns the row schema does not define) are not listed: errors.csv lists the first 100 of 150. The counts include them all.",
    );
    assert.equal(buildManifest(input(capped, "en"), "t").rejected.errorCount, MAX_FILE_WARNINGS + 1);
  });

  it("says it in Japanese for a Japanese run", () => {
    const head = composition(input(capped, "ja")).errors.head;

    assert.ok(
      head.endsWith(
        ",1,,SchemaError,LOW,ヘッダーの警告はほかに 50件あります(行スキーマにない列)。errors.csv には 150件のうち先頭の 100件のみを記載しています。件数にはすべて含まれます。\r\n",
      ),
      head.slice(-300),
    );
  });

  it("adds no line when errors.csv lists every header warning", () => {
    for (const file of [fileWith(MAX_FILE_WARNINGS, MAX_FILE_WARNINGS), fileWith(3, 3)]) {
      const lines = composition(input(file, "en")).errors.head.split("\r\n");
      assert.equal(lines.length, 1 + Number(file.errors) + 1);
      assert.equal(headerWarningsOf(file), undefined);
    }
  });

  it("tells the notice's reader that errors.csv lists only the first header warnings", () => {
    const cfg = { pipelineName: "p", policy: parseNotifyPolicy({}), consoleRegion: "ap-northeast-1" };
    const summary = sampleSummary({ headerWarnings: headerWarningsOf(capped) });
    const notice = (locale: "en" | "ja"): NoticeInput => ({
      summary,
      level: "MEDIUM",
      examples: [],
      locale,
      timeZone: "Asia/Tokyo",
      links: {},
      rejected: rejectedRowsOf(summary, cfg),
    });

    assert.ok(
      buildEmailNotice(notice("ja")).text.includes(
        "- errors.csv: エラー(行番号・列・理由)。ただしヘッダーの警告は 150件のうち先頭の 100件のみ\n",
      ),
      buildEmailNotice(notice("ja")).text,
    );
    assert.ok(
      buildEmailNotice(notice("en")).text.includes(
        "- errors.csv: every error (row, column, reason), except that of the 150 header warnings only the first 100 are listed\n",
      ),
      buildEmailNotice(notice("en")).text,
    );
    const uncapped = sampleSummary();
    assert.ok(
      buildEmailNotice({ ...notice("ja"), summary: uncapped, rejected: rejectedRowsOf(uncapped, cfg) }).text.includes(
        "- errors.csv: すべてのエラー(行番号・列・理由)\n",
      ),
    );
  });
});
