import type { RunFailureReason } from "../records/summary";
import type { NoticeLevel, QuietReason } from "./policy-rules";

/** Every sentence a notice shows, per locale. The only place notice wording lives. */
export interface NoticeTexts {
  title(level: NoticeLevel, runFailed: boolean): string;
  /** Label of the feed line. */
  feed: string;
  /** The feed line's value: its name, or what to say when the key is under no feed's prefix (`name` undefined). */
  feedValue(name: string | undefined): string;
  execution: string;
  file: string;
  startTime: string;
  totals: string;
  /** `warnings` is said only when there are any, so a run without warnings reads as before warnings were counted. */
  totalsValue(errors: number, critical: number, rows: number, invalid: number, warnings?: number): string;
  byType: string;
  bySeverity: string;
  /** Heading of the warnings part (findings that reject no row). */
  warnings: string;
  /** What the warnings are and that they reject no row. */
  warningsNote: string;
  count(n: number): string;
  details: string;
  /** `record` is the data record's index (header excluded) when known; `row` the line it starts on. */
  detailHeading(row: number, type: string, severity: string, column?: string, record?: number): string;
  runFailed: string;
  failureReason(reason: RunFailureReason, failedChunks: number, chunkCount: number): string;
  stateFailure(step: string, error: string): string;
  /** The aggregation failed: what the run is missing. */
  aggregationFailed: string;
  escalation(count: number, prefix: string): string;
  suppressed(count: number, since: string): string;
  success: string;
  /** What a clean run of a file with a header and no rows says instead of {@link success}. */
  successNoRows: string;
  /** Heading of the dataset part: the rules about the file as a whole that it breaks. */
  datasetFindings: string;
  action: string;
  openExecution: string;
  openLogs: string;
  /** The run's report (HTML) in the S3 console. */
  openReport: string;
  /** Heading of the rejected-rows part: how many rows were rejected. */
  rejectedRows(n: number): string;
  rejectedFolder: string;
  /** What `rows.csv` and `errors.csv` in the rejected folder hold. */
  rejectedRowsFile: string;
  rejectedErrorsFile: string;
  /** What `errors.csv` holds when the file had more header warnings than it lists (the first `listed` of `total`). */
  rejectedErrorsFileCapped(listed: number, total: number): string;
  /** Chunks that left no result: their rows are in neither file. */
  rejectedPartial(failedChunks: number): string;
  /**
   * Chunks that finished after `rows.csv` and `errors.csv` were written: their `rows` rejected rows and their errors
   * are only in the per-chunk files under `parts` (a folder inside the rejected folder).
   */
  rejectedLate(chunks: number, rows: number, parts: string): string;
  /** The aggregation failed: `rows.csv` and `errors.csv` may be missing (`error`: the error's name). */
  rejectedFilesNotWritten(error: string): string;
  openRejected: string;
  moreBlocks(n: number): string;
  truncated: string;
  digestTitle(runs: number): string;
  digestIntro(reason: QuietReason | "window"): string;
  /** `rejected`: the run's rejected rows, when it rejected any; `warnings`: its warnings, when it has any. */
  digestLine(level: string, file: string, errors: number, time: string, rejected?: number, warnings?: number): string;
  digestMore(n: number): string;
}

const ja: NoticeTexts = {
  title: (level, runFailed) =>
    runFailed
      ? "🚨 CSV処理失敗 [CRITICAL]"
      : level === "SUCCESS"
        ? "✅ CSV処理完了"
        : level === "WARNING"
          ? "ℹ️ CSV処理完了(警告あり)"
          : `${level === "CRITICAL" ? "🚨" : level === "HIGH" ? "⚠️" : "ℹ️"} CSV処理エラー [${level}]`,
  feed: "フィード",
  feedValue: (name) => name ?? "不明(どのフィードのプレフィックスにも属さないキー)",
  execution: "実行名",
  file: "ファイル",
  startTime: "開始時刻",
  totals: "件数",
  totalsValue: (e, c, r, i, w) => `エラー ${e}件(重要 ${c}件) / 行 ${r}件(不正 ${i}件)${w ? ` / 警告 ${w}件` : ""}`,
  byType: "エラータイプ別内訳",
  bySeverity: "重要度別内訳",
  warnings: "警告(行は却下されません)",
  warningsNote:
    "ヘッダーに行スキーマで定義されていない列(または名前のない列)があります。その列の値は検査されません。エラーではなく、オンコールへの呼び出しもありません。",
  count: (n) => `${n}件`,
  details: "重要なエラー詳細(最大5件)",
  detailHeading: (row, type, sev, col, record) =>
    `${record === undefined ? `${row}行目` : `レコード${record}(${row}行目)`} ${type} [${sev}]${col ? ` 列: ${col}` : ""}`,
  runFailed: "処理が完了していません。行エラーの有無にかかわらず重大として扱います。",
  failureReason: (reason, failed, total) =>
    ({
      "state-failed": "ステートマシンの処理が失敗しました",
      "file-rejected": "ファイルが拒否されました(必須列の欠落など)",
      "split-not-run": "CSV分割処理が実行されていません",
      "chunks-failed": `${total}チャンク中 ${failed}チャンクの結果がありません`,
      "summary-missing": "ファイルの集計結果が見つかりません",
      "source-changed":
        "処理中にファイルが置き換えられました。アップロードが完了してから、もう一度アップロードしてください",
    })[reason],
  stateFailure: (step, error) => `${step} が失敗しました: ${error}`,
  aggregationFailed:
    "結果の集計が失敗しました。却下行のファイルと実行結果のマニフェストが作成されていない可能性があります",
  escalation: (n, prefix) =>
    `同じプレフィックス ${prefix} で ${n}回連続してエラーが発生したため、オンコールへエスカレーションします`,
  suppressed: (n, since) => `レート制限により ${since} 以降 ${n}件の通知を抑止しました`,
  success: "全件正常に処理されました。",
  successNoRows: "ヘッダーのみでデータ行がありません(0行)。",
  datasetFindings: "データセットの検査結果",
  action: "至急確認をお願いします。",
  openExecution: "実行を開く",
  openLogs: "ログを開く",
  openReport: "レポートを開く",
  rejectedRows: (n) => `却下された行: ${n}行`,
  rejectedFolder: "却下フォルダ",
  rejectedRowsFile: "修正して再アップロードする行",
  rejectedErrorsFile: "すべてのエラー(行番号・列・理由)",
  rejectedErrorsFileCapped: (listed, total) =>
    `エラー(行番号・列・理由)。ただしヘッダーの警告は ${total}件のうち先頭の ${listed}件のみ`,
  rejectedPartial: (n) => `結果のない ${n}チャンクの行はどちらのファイルにも含まれていません`,
  rejectedLate: (n, rows, parts) =>
    `rows.csv と errors.csv の作成後に ${n}チャンクが完了しました。その却下行(${rows}行)とエラーは、却下フォルダの ${parts} にあるチャンクごとのファイルにのみあります`,
  rejectedFilesNotWritten: (e) => `却下行のファイル(rows.csv / errors.csv)を作成できませんでした: ${e}`,
  openRejected: "却下フォルダを開く",
  moreBlocks: (n) => `他 ${n}件は省略しました`,
  truncated: "\n\n[サイズ上限のため以降を省略しました]",
  digestTitle: (n) => `🌙 通知ダイジェスト(${n}件)`,
  digestIntro: (r) =>
    r === "window" ? "静穏時間帯に保留された通知です。" : "静穏時間帯(夜間・週末・祝日)に保留された通知です。",
  digestLine: (level, file, errors, time, rejected, warnings) =>
    `[${level}] ${file} エラー ${errors}件${rejected ? ` / 却下された行 ${rejected}行` : ""}${warnings ? ` / 警告 ${warnings}件` : ""} (${time})`,
  digestMore: (n) => `他 ${n}件`,
};

const en: NoticeTexts = {
  title: (level, runFailed) =>
    runFailed
      ? "🚨 CSV processing failed [CRITICAL]"
      : level === "SUCCESS"
        ? "✅ CSV processing completed"
        : level === "WARNING"
          ? "ℹ️ CSV processing completed with warnings"
          : `${level === "CRITICAL" ? "🚨" : level === "HIGH" ? "⚠️" : "ℹ️"} CSV processing errors [${level}]`,
  feed: "Feed",
  feedValue: (name) => name ?? "unknown (the key is under no feed's prefix)",
  execution: "Execution",
  file: "File",
  startTime: "Started",
  totals: "Totals",
  totalsValue: (e, c, r, i, w) =>
    `${e} errors (${c} critical) / ${r} rows (${i} invalid)${w ? ` / ${w} ${w === 1 ? "warning" : "warnings"}` : ""}`,
  byType: "Errors by type",
  bySeverity: "Errors by severity",
  warnings: "Warnings (no row rejected)",
  warningsNote:
    "The header has columns the row schema does not define (or without a name): their values are not checked. They are not errors and page no one.",
  count: (n) => String(n),
  details: "Critical errors (up to 5)",
  detailHeading: (row, type, sev, col, record) =>
    `${record === undefined ? `Row ${row}` : `Record ${record} (line ${row})`} ${type} [${sev}]${col ? ` column: ${col}` : ""}`,
  runFailed: "The run did not complete. It is treated as critical whatever the number of row errors.",
  failureReason: (reason, failed, total) =>
    ({
      "state-failed": "A state of the state machine failed",
      "file-rejected": "The file was rejected (e.g. a required column is missing)",
      "split-not-run": "The CSV split step did not run",
      "chunks-failed": `${failed} of ${total} chunks produced no result`,
      "summary-missing": "The file summary is missing",
      "source-changed":
        "The file was replaced while it was being processed; upload it again once the upload is complete",
    })[reason],
  stateFailure: (step, error) => `${step} failed: ${error}`,
  aggregationFailed: "Aggregating the results failed: the rejected-row files and the run manifest may be missing",
  escalation: (n, prefix) => `${n} consecutive runs with errors under ${prefix}: escalated to on-call`,
  suppressed: (n, since) => `${n} notices suppressed by the rate limit since ${since}`,
  success: "All rows were processed successfully.",
  successNoRows: "The file has a header but no rows (0 rows).",
  datasetFindings: "Dataset findings",
  action: "Please check at once.",
  openExecution: "Open execution",
  openLogs: "Open logs",
  openReport: "Open report",
  rejectedRows: (n) => `Rejected rows: ${n}`,
  rejectedFolder: "Rejected folder",
  rejectedRowsFile: "the rows to fix and re-upload",
  rejectedErrorsFile: "every error (row, column, reason)",
  rejectedErrorsFileCapped: (listed, total) =>
    `every error (row, column, reason), except that of the ${total} header warnings only the first ${listed} are listed`,
  rejectedPartial: (n) => `Rows of the ${n} ${n === 1 ? "chunk" : "chunks"} that left no result are in neither file`,
  rejectedLate: (n, rows, parts) =>
    `${n} ${n === 1 ? "chunk" : "chunks"} finished after rows.csv and errors.csv were written: ${n === 1 ? "its" : "their"} rejected rows (${rows}) and errors are only in the per-chunk files under ${parts} in the rejected folder`,
  rejectedFilesNotWritten: (e) => `The rejected-row files (rows.csv, errors.csv) could not be written: ${e}`,
  openRejected: "Open rejected folder",
  moreBlocks: (n) => `${n} more omitted`,
  truncated: "\n\n[Truncated: the message reached the size limit]",
  digestTitle: (n) => `🌙 Notification digest (${n})`,
  digestIntro: (r) =>
    r === "window"
      ? "Notices held back during quiet hours."
      : "Notices held back during quiet hours (night, weekend, holiday).",
  digestLine: (level, file, errors, time, rejected, warnings) =>
    `[${level}] ${file}: ${errors} errors${rejected ? `, ${rejected} rejected ${rejected === 1 ? "row" : "rows"}` : ""}${warnings ? `, ${warnings} ${warnings === 1 ? "warning" : "warnings"}` : ""} (${time})`,
  digestMore: (n) => `${n} more`,
};

/** Notice texts for a locale. */
export function texts(locale: "ja" | "en"): NoticeTexts {
  return locale === "en" ? en : ja;
}
