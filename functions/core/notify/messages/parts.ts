import { TZDate } from "@date-fns/tz";
import { DEFAULT_FEED, SEVERITIES, UNKNOWN_FEED } from "../../../contract";
import { renderValidationMessage } from "../../csv/validation-messages";
import type { RunSummary } from "../../records/summary";
import { neutralizeFormula, singleLine, truncateChars } from "../escape";
import { texts } from "../i18n";
import { maskRecord, maskText } from "../mask";
import {
  MAX_COLUMNS_PER_EXAMPLE,
  MAX_ERROR_NAME_CHARS,
  MAX_MESSAGE_CHARS,
  MAX_VALUE_CHARS,
  SNS_LIMITS,
} from "./limits";
import { AGGREGATION_STEP, type ErrorExample, type NoticeInput } from "./notice";

/** Formats an ISO time (or Date) as local `YYYY-MM-DD HH:mm:ss` plus the zone name. */
export function formatTime(iso: string | Date, timeZone: string): string {
  const ms = typeof iso === "string" ? Date.parse(iso) : iso.getTime();
  if (Number.isNaN(ms)) return String(iso);
  const t = new TZDate(ms, timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())} ${timeZone}`;
}

/** A CSV-derived value made safe to show: masked, formula-neutralised, bounded. */
export function safeValue(value: string, max = MAX_VALUE_CHARS): string {
  // Cut before masking (bounded work on huge values), with a margin so a value cut mid-address is still masked.
  const head = value.length > max + 128 ? value.slice(0, max + 128) : value;
  return truncateChars(neutralizeFormula(maskText(head)), max);
}

/** One example as every channel shows it: heading, message and column values, each made safe to show. */
export interface PreparedExample {
  heading: string;
  message: string;
  values: { column: string; value: string }[];
}

/** The first five examples, masked and bounded, in the notice's language. */
export function prepareExamples(input: NoticeInput): PreparedExample[] {
  return prepareExampleList(input.examples, input.locale);
}

/** The first five of `examples`, masked and bounded, in `locale` (the notices and the run's report show them alike). */
export function prepareExampleList(examples: readonly ErrorExample[], locale: "ja" | "en"): PreparedExample[] {
  const t = texts(locale);
  return examples.slice(0, 5).map((e) => {
    const record = maskRecord(e.recordData ?? {});
    const columns = e.column && e.column in record ? [e.column] : Object.keys(record).slice(0, MAX_COLUMNS_PER_EXAMPLE);
    return {
      heading: t.detailHeading(
        e.rowNumber,
        safeValue(String(e.errorType), 40),
        safeValue(String(e.severity), 10),
        e.column ? safeValue(e.column, 60) : undefined,
        e.recordNumber,
      ),
      message: e.message
        ? truncateChars(
            neutralizeFormula(renderValidationMessage(e.message, locale, (v) => safeValue(v, 80))),
            MAX_MESSAGE_CHARS,
          )
        : safeValue(String(e.errorMessage ?? ""), MAX_MESSAGE_CHARS),
      values: columns.map((c) => ({ column: safeValue(c, 60), value: safeValue(record[c]) })),
    };
  });
}

/** Most dataset findings a notice lists (one per rule; a schema has few). */
const MAX_DATASET_LINES = 10;

/**
 * The dataset part every channel shows before the examples: its heading and one line per finding, `[severity]` and
 * the message in the notice's language. Undefined when the file breaks no dataset rule.
 */
export function datasetParts(input: NoticeInput): { heading: string; lines: string[] } | undefined {
  const findings = input.dataset ?? [];
  if (findings.length === 0) return undefined;
  const t = texts(input.locale);
  return {
    heading: t.datasetFindings,
    lines: findings
      .slice(0, MAX_DATASET_LINES)
      .map(
        (f) =>
          `[${safeValue(f.severity, 10)}] ${truncateChars(neutralizeFormula(renderValidationMessage(f.message, input.locale, (v) => safeValue(v, 80))), MAX_MESSAGE_CHARS)}`,
      ),
  };
}

/** What a run without errors says: that all rows were processed, or that the file had none. */
export function successText(input: NoticeInput): string {
  const t = texts(input.locale);
  return input.summary.rows.total === 0 && !input.summary.runFailed ? t.successNoRows : t.success;
}

/** The feed line's value, or undefined when the notice names no feed (the `default` one). */
export function feedValue(feed: string | undefined, locale: "ja" | "en"): string | undefined {
  if (feed === undefined || feed === DEFAULT_FEED) return undefined;
  return texts(locale).feedValue(feed === UNKNOWN_FEED ? undefined : feed);
}

/** The run's file as an `s3://` address. */
export function fileLabel(s: RunSummary): string {
  return `s3://${s.bucket}/${s.key}`;
}

/** Why the run failed, one line per reason: failed steps, a rejected file, a failed aggregation. */
export function failureLines(input: NoticeInput): string[] {
  const t = texts(input.locale);
  const s = input.summary;
  const lines = s.failureReasons.map((r) => t.failureReason(r, s.failedChunks, s.chunkCount));
  // The rejection in the notice's language; an item written before messages had keys has the English text only.
  if (s.fileDetail)
    lines.push(
      safeValue(
        renderValidationMessage(s.fileDetail, input.locale, (v) => safeValue(v, 80)),
        MAX_MESSAGE_CHARS,
      ),
    );
  else if (s.fileMessage) lines.push(safeValue(s.fileMessage, MAX_MESSAGE_CHARS));
  if (s.failure) {
    const { step, error, cause } = s.failure;
    lines.push(t.stateFailure(step, safeValue(cause === "" ? error : `${error}: ${cause}`, MAX_MESSAGE_CHARS)));
  }
  const aggregation = input.aggregationFailure;
  if (aggregation) {
    const { error, cause } = aggregation;
    lines.push(
      t.aggregationFailed,
      t.stateFailure(AGGREGATION_STEP, safeValue(cause === "" ? error : `${error}: ${cause}`, MAX_MESSAGE_CHARS)),
    );
  }
  return lines;
}

/**
 * The lines of the rejected-rows part that every channel shows: heading, folder, then either the two files or — when
 * the aggregation failed — that they could not be written (the folder still holds the chunks' parts), then which
 * chunks finished after the files were written and which left no result.
 */
export function rejectedParts(input: NoticeInput) {
  const r = input.rejected;
  if (!r || r.rows <= 0) return undefined;
  const t = texts(input.locale);
  const failed = input.aggregationFailure;
  return {
    heading: t.rejectedRows(r.rows),
    // A key is at most 1,024 bytes, so a real folder is never cut: the bound only keeps the Slack section in its limit.
    folder: truncateChars(r.folder, 1100),
    files: failed
      ? []
      : ([
          ["rows.csv", t.rejectedRowsFile],
          [
            "errors.csv",
            r.headerWarnings
              ? t.rejectedErrorsFileCapped(r.headerWarnings.listed, r.headerWarnings.total)
              : t.rejectedErrorsFile,
          ],
        ] as const),
    notWritten: failed ? t.rejectedFilesNotWritten(safeValue(failed.error, MAX_ERROR_NAME_CHARS)) : undefined,
    late: r.late && r.late.chunks > 0 ? t.rejectedLate(r.late.chunks, r.late.rows, r.late.parts) : undefined,
    note: r.missingChunks > 0 ? t.rejectedPartial(r.missingChunks) : undefined,
    url: r.url,
  };
}

/** The error counts by type and by severity (most severe first), one line each. */
export function countLines(input: NoticeInput): { byType: string[]; bySeverity: string[] } {
  const t = texts(input.locale);
  const s = input.summary;
  return {
    byType: Object.entries(s.byType).map(([type, n]) => `${safeValue(type, 40)}: ${t.count(n ?? 0)}`),
    bySeverity: [...SEVERITIES].reverse().map((sev) => `${sev}: ${t.count(s.bySeverity[sev])}`),
  };
}

/** The subject line shared by SNS and e-mail: one line, under 100 characters. */
export function noticeSubject(input: NoticeInput): string {
  const t = texts(input.locale);
  const name = input.summary.key.split("/").pop() ?? input.summary.key;
  return truncateChars(singleLine(`${t.title(input.level, input.summary.runFailed)} ${name}`), SNS_LIMITS.subjectChars);
}
