import { TZDate } from "@date-fns/tz";
import { DEFAULT_FEED, SEVERITIES, STATE_NAMES, UNKNOWN_FEED, type ValidationMessage } from "../../contract";
import { renderValidationMessage } from "../csv/validation-messages";
import type { RunSummary } from "../records/summary";
import {
  escapeHtml,
  escapeMrkdwn,
  neutralizeFormula,
  singleLine,
  slackCode,
  slackLink,
  truncateChars,
  truncateUtf8,
} from "./escape";
import { texts } from "./i18n";
import { maskRecord, maskText } from "./mask";
import type { NoticeLevel } from "./policy-rules";
import { warningParts, withoutErrors } from "./warnings";

/** Slack limits (Block Kit): section text, header text, blocks per message. */
export const SLACK_LIMITS = { sectionText: 3000, headerText: 150, blocks: 50, fieldText: 2000 } as const;
/** SNS limits: subject under 100 characters; message (with attributes) at most 256 KB. */
export const SNS_LIMITS = { subjectChars: 99, messageBytes: 262_144, attributeReserve: 1024 } as const;
/** Longest CSV value shown in a notice, in characters. */
export const MAX_VALUE_CHARS = 200;
/** Longest error message shown in a notice, in characters. */
export const MAX_MESSAGE_CHARS = 500;
/** Record columns shown per example when the error names no column. */
export const MAX_COLUMNS_PER_EXAMPLE = 6;

/** One HIGH/CRITICAL error shown as an example (fields of the error record). */
export interface ErrorExample {
  rowNumber: number;
  /** The data record's index (header excluded), when the record has one. */
  recordNumber?: number;
  errorType: string;
  severity: string;
  column?: string;
  errorMessage: string;
  /** The validation message as a key and values, shown in the notice's language instead of `errorMessage`. */
  message?: ValidationMessage;
  recordData: Record<string, string>;
}

/**
 * The run's rejected rows and where they are: the rejected folder holds `rows.csv` (the rows as in the file, to fix
 * and upload again) and `errors.csv` (every error). Given only when the run rejected rows.
 */
export interface RejectedRows {
  /** Rows rejected (the summary's `rows.invalid`). */
  rows: number;
  /** `s3://<bucket>/<rejected prefix><execution>/`. */
  folder: string;
  /** The folder in the S3 console; absent when the link would be too long for a notice. */
  url?: string;
  /** Chunks that left no result: their rows are in neither file. */
  missingChunks: number;
  /**
   * Chunks the check counted that finished after `rows.csv` and `errors.csv` were written (a failed Map is caught at
   * once while other chunks still run): their rejected rows (`rows`, exact) and errors are only in the chunks' parts,
   * under `parts` (relative to the folder). Absent when every counted chunk was composed or the check was not told.
   */
  late?: { chunks: number; rows: number; parts: string };
  /** When the file had more header warnings than `errors.csv` lists: it lists the first `listed` of `total`. */
  headerWarnings?: { listed: number; total: number };
}

/** State name of the aggregation step, as the definition names it. */
export const AGGREGATION_STEP = STATE_NAMES.aggregateResults;

/**
 * AggregateResults failed after its retries (the sequential pattern tells the check): the rejected files and the
 * manifest may be missing. A notice shows the error's name and a short cause; the whole cause goes to the logs.
 */
export interface AggregationFailure {
  /** The error's name, e.g. `ProcessingError`, `States.Timeout`. */
  error: string;
  /** The cause without trace or file paths, bounded (see `shortCause`). */
  cause: string;
}

/** Everything a run notice shows. */
export interface NoticeInput {
  summary: RunSummary;
  /**
   * The run's feed: a notice names it on a line of its own unless it is `default` (or unset), and says so when the
   * key is under no feed's prefix (`UNKNOWN_FEED`).
   */
  feed?: string;
  level: NoticeLevel;
  examples: ErrorExample[];
  locale: "ja" | "en";
  timeZone: string;
  links: { execution?: string; logs?: string };
  rejected?: RejectedRows;
  /** The aggregation failed: the rejected-rows part says its files could not be written. */
  aggregationFailure?: AggregationFailure;
  escalation?: { count: number; prefix: string };
  /** Notices the rate limit held back on this channel before this one. */
  suppressed?: { count: number; since: string };
}

/** A Slack incoming-webhook payload. */
export interface SlackPayload {
  text: string;
  blocks: Record<string, unknown>[];
}

/** An SNS Publish of a notice. */
export interface SnsNotice {
  subject: string;
  message: string;
  severity: string;
  executionName: string;
  /** The `feed` message attribute, always set (`default` when unset): subscriptions of a feed's on-call match it. */
  feed?: string;
  truncated: boolean;
}

/** An SES e-mail of a notice. */
export interface EmailNotice {
  subject: string;
  text: string;
  html: string;
}

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

interface PreparedExample {
  heading: string;
  message: string;
  values: { column: string; value: string }[];
}

function prepareExamples(input: NoticeInput): PreparedExample[] {
  const t = texts(input.locale);
  return input.examples.slice(0, 5).map((e) => {
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
            neutralizeFormula(renderValidationMessage(e.message, input.locale, (v) => safeValue(v, 80))),
            MAX_MESSAGE_CHARS,
          )
        : safeValue(String(e.errorMessage ?? ""), MAX_MESSAGE_CHARS),
      values: columns.map((c) => ({ column: safeValue(c, 60), value: safeValue(record[c]) })),
    };
  });
}

/** The feed line's value, or undefined when the notice names no feed (the `default` one). */
export function feedValue(feed: string | undefined, locale: "ja" | "en"): string | undefined {
  if (feed === undefined || feed === DEFAULT_FEED) return undefined;
  return texts(locale).feedValue(feed === UNKNOWN_FEED ? undefined : feed);
}

function fileLabel(s: RunSummary): string {
  return `s3://${s.bucket}/${s.key}`;
}

function failureLines(input: NoticeInput): string[] {
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

/** Longest error name a notice shows. */
const MAX_ERROR_NAME_CHARS = 100;

/**
 * The lines of the rejected-rows part that every channel shows: heading, folder, then either the two files or — when
 * the aggregation failed — that they could not be written (the folder still holds the chunks' parts), then which
 * chunks finished after the files were written and which left no result.
 */
function rejectedParts(input: NoticeInput) {
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

function countLines(input: NoticeInput): { byType: string[]; bySeverity: string[] } {
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

/** A Slack section of mrkdwn text, cut to the section limit. */
export function section(text: string): Record<string, unknown> {
  return { type: "section", text: { type: "mrkdwn", text: truncateChars(text, SLACK_LIMITS.sectionText) } };
}

/**
 * Builds the Slack Block Kit message of a run: header; execution, file, start time and totals; failure reasons;
 * breakdowns; up to 5 critical examples; console and Logs Insights buttons. Every CSV-derived string is masked and
 * shown as an escaped code span; sections stay within 3,000 characters and the message within 50 blocks.
 */
export function buildSlackNotice(input: NoticeInput): SlackPayload {
  const t = texts(input.locale);
  const s = input.summary;
  const title = t.title(input.level, s.runFailed);
  const feed = feedValue(input.feed, input.locale);
  const blocks: Record<string, unknown>[] = [
    {
      type: "header",
      text: { type: "plain_text", text: truncateChars(singleLine(title), SLACK_LIMITS.headerText), emoji: true },
    },
    {
      type: "section",
      fields: [
        ...(feed === undefined ? [] : [`*${t.feed}*\n${slackCode(feed)}`]),
        `*${t.execution}*\n${slackCode(truncateChars(s.executionName, 200))}`,
        `*${t.file}*\n${slackCode(truncateChars(fileLabel(s), 500))}`,
        `*${t.startTime}*\n${escapeMrkdwn(formatTime(s.startTime, input.timeZone))}`,
        `*${t.totals}*\n${t.totalsValue(s.errorCount, s.criticalCount, s.rows.total, s.rows.invalid, s.warningCount)}`,
      ].map((text) => ({ type: "mrkdwn", text: truncateChars(text, SLACK_LIMITS.fieldText) })),
    },
  ];
  if (s.runFailed) {
    blocks.push(section([`*${t.runFailed}*`, ...failureLines(input).map((l) => `• ${slackCode(l)}`)].join("\n")));
  }
  if (input.escalation)
    blocks.push(section(`*${escapeMrkdwn(t.escalation(input.escalation.count, input.escalation.prefix))}*`));
  const rejected = rejectedParts(input);
  if (rejected) {
    const text = [
      `*${escapeMrkdwn(rejected.heading)}*`,
      `${escapeMrkdwn(t.rejectedFolder)}: ${slackCode(rejected.folder)}`,
      ...rejected.files.map(([name, what]) => `• ${slackCode(name)}: ${escapeMrkdwn(what)}`),
      ...(rejected.notWritten ? [escapeMrkdwn(rejected.notWritten)] : []),
      ...(rejected.late ? [escapeMrkdwn(rejected.late)] : []),
      ...(rejected.note ? [escapeMrkdwn(rejected.note)] : []),
    ].join("\n");
    const link = rejected.url ? `\n${slackLink(rejected.url, t.openRejected)}` : "";
    // A link cut by the section limit would be broken markup: it goes whole or not at all.
    blocks.push(section(text.length + link.length <= SLACK_LIMITS.sectionText ? text + link : text));
  }
  if (!withoutErrors(input.level)) {
    const counts = countLines(input);
    if (counts.byType.length)
      blocks.push(section([`*${t.byType}*`, ...counts.byType.map((l) => `• ${escapeMrkdwn(l)}`)].join("\n")));
    blocks.push(section([`*${t.bySeverity}*`, counts.bySeverity.join("  ·  ")].join("\n")));
  } else {
    blocks.push(section(t.success));
  }
  const warnings = warningParts(s, input.locale);
  if (warnings) {
    blocks.push(
      section(
        [
          `*${escapeMrkdwn(warnings.heading)}*`,
          ...warnings.lines.map((l) => `• ${escapeMrkdwn(l)}`),
          escapeMrkdwn(warnings.note),
        ].join("\n"),
      ),
    );
  }
  const examples = prepareExamples(input);
  if (examples.length) {
    blocks.push(section(`*${t.details}*`));
    for (const e of examples) {
      const values = e.values.map((v) => `${slackCode(v.column)}: ${slackCode(v.value)}`);
      blocks.push(section([`*${escapeMrkdwn(e.heading)}*`, slackCode(e.message), ...values].join("\n")));
    }
  }
  if (input.suppressed) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: escapeMrkdwn(t.suppressed(input.suppressed.count, formatTime(input.suppressed.since, input.timeZone))),
        },
      ],
    });
  }
  const buttons = [
    input.links.execution
      ? { type: "button", text: { type: "plain_text", text: t.openExecution }, url: input.links.execution }
      : undefined,
    input.links.logs
      ? { type: "button", text: { type: "plain_text", text: t.openLogs }, url: input.links.logs }
      : undefined,
  ].filter((b) => b !== undefined);
  if (buttons.length) blocks.push({ type: "actions", elements: buttons });
  return {
    text: escapeMrkdwn(`${singleLine(title)} ${truncateChars(fileLabel(s), 300)}`),
    blocks: fitBlocks(blocks, input.locale),
  };
}

/** Keeps at most 50 blocks: the last kept block says how many were left out. */
export function fitBlocks(blocks: Record<string, unknown>[], locale: "ja" | "en"): Record<string, unknown>[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  const kept = blocks.slice(0, SLACK_LIMITS.blocks - 1);
  const omitted = blocks.length - kept.length;
  return [...kept, { type: "context", elements: [{ type: "mrkdwn", text: texts(locale).moreBlocks(omitted) }] }];
}

/** The plain-text body shared by SNS and the e-mail text part. */
export function buildPlainText(input: NoticeInput): string {
  const t = texts(input.locale);
  const s = input.summary;
  const feed = feedValue(input.feed, input.locale);
  const lines = [
    t.title(input.level, s.runFailed),
    "",
    ...(feed === undefined ? [] : [`${t.feed}: ${feed}`]),
    `${t.execution}: ${s.executionName}`,
    `${t.file}: ${fileLabel(s)}`,
    `${t.startTime}: ${formatTime(s.startTime, input.timeZone)}`,
    `${t.totals}: ${t.totalsValue(s.errorCount, s.criticalCount, s.rows.total, s.rows.invalid, s.warningCount)}`,
  ];
  if (s.runFailed) lines.push("", t.runFailed, ...failureLines(input).map((l) => `- ${l}`));
  if (input.escalation) lines.push("", t.escalation(input.escalation.count, input.escalation.prefix));
  const rejected = rejectedParts(input);
  if (rejected) {
    lines.push(
      "",
      rejected.heading,
      `${t.rejectedFolder}: ${rejected.folder}`,
      ...rejected.files.map(([name, what]) => `- ${name}: ${what}`),
      ...(rejected.notWritten ? [rejected.notWritten] : []),
      ...(rejected.late ? [rejected.late] : []),
      ...(rejected.note ? [rejected.note] : []),
      ...(rejected.url ? [`${t.openRejected}: ${rejected.url}`] : []),
    );
  }
  if (withoutErrors(input.level)) lines.push("", t.success);
  else {
    const counts = countLines(input);
    if (counts.byType.length) lines.push("", `${t.byType}:`, ...counts.byType.map((l) => `- ${l}`));
    lines.push("", `${t.bySeverity}: ${counts.bySeverity.join(", ")}`);
  }
  const warnings = warningParts(s, input.locale);
  if (warnings) lines.push("", `${warnings.heading}:`, ...warnings.lines.map((l) => `- ${l}`), warnings.note);
  const examples = prepareExamples(input);
  if (examples.length) {
    lines.push("", `${t.details}:`);
    for (const e of examples) {
      lines.push(`- ${e.heading}`, `  ${e.message}`, ...e.values.map((v) => `  ${v.column}: ${v.value}`));
    }
  }
  if (input.suppressed)
    lines.push("", t.suppressed(input.suppressed.count, formatTime(input.suppressed.since, input.timeZone)));
  if (!withoutErrors(input.level)) lines.push("", t.action);
  if (input.links.execution) lines.push(`${t.openExecution}: ${input.links.execution}`);
  if (input.links.logs) lines.push(`${t.openLogs}: ${input.links.logs}`);
  return lines.join("\n");
}

/**
 * Builds the SNS notice: subject under 100 characters on one line; message within 256 KB (minus room for the
 * attributes), cut with an explicit note when longer; `severity`, `executionName` and `feed` for subscription filters.
 */
export function buildSnsNotice(input: NoticeInput): SnsNotice {
  const body = truncateUtf8(
    buildPlainText(input),
    SNS_LIMITS.messageBytes - SNS_LIMITS.attributeReserve,
    texts(input.locale).truncated,
  );
  return {
    subject: noticeSubject(input),
    message: body.text,
    severity: input.level,
    executionName: input.summary.executionName,
    feed: input.feed ?? DEFAULT_FEED,
    truncated: body.truncated,
  };
}

/** Builds the e-mail: the plain-text body and an HTML part in which every value is HTML-escaped. */
export function buildEmailNotice(input: NoticeInput): EmailNotice {
  const t = texts(input.locale);
  const s = input.summary;
  const h = escapeHtml;
  const feed = feedValue(input.feed, input.locale);
  const rows = [
    ...(feed === undefined ? [] : [[t.feed, feed]]),
    [t.execution, s.executionName],
    [t.file, fileLabel(s)],
    [t.startTime, formatTime(s.startTime, input.timeZone)],
    [t.totals, t.totalsValue(s.errorCount, s.criticalCount, s.rows.total, s.rows.invalid, s.warningCount)],
  ];
  const parts = [
    `<h2>${h(t.title(input.level, s.runFailed))}</h2>`,
    `<table>${rows.map(([k, v]) => `<tr><th align="left">${h(k)}</th><td>${h(v)}</td></tr>`).join("")}</table>`,
  ];
  if (s.runFailed)
    parts.push(
      `<p><strong>${h(t.runFailed)}</strong></p><ul>${failureLines(input)
        .map((l) => `<li>${h(l)}</li>`)
        .join("")}</ul>`,
    );
  if (input.escalation)
    parts.push(`<p><strong>${h(t.escalation(input.escalation.count, input.escalation.prefix))}</strong></p>`);
  const rejected = rejectedParts(input);
  if (rejected) {
    parts.push(
      [
        `<h3>${h(rejected.heading)}</h3>`,
        `<p>${h(t.rejectedFolder)}: <code>${h(rejected.folder)}</code></p>`,
        rejected.files.length
          ? `<ul>${rejected.files.map(([name, what]) => `<li><code>${h(name)}</code>: ${h(what)}</li>`).join("")}</ul>`
          : "",
        rejected.notWritten ? `<p>${h(rejected.notWritten)}</p>` : "",
        rejected.late ? `<p>${h(rejected.late)}</p>` : "",
        rejected.note ? `<p>${h(rejected.note)}</p>` : "",
        rejected.url ? `<p><a href="${h(rejected.url)}">${h(t.openRejected)}</a></p>` : "",
      ].join(""),
    );
  }
  if (withoutErrors(input.level)) parts.push(`<p>${h(t.success)}</p>`);
  else {
    const counts = countLines(input);
    if (counts.byType.length)
      parts.push(`<h3>${h(t.byType)}</h3><ul>${counts.byType.map((l) => `<li>${h(l)}</li>`).join("")}</ul>`);
    parts.push(`<p>${h(t.bySeverity)}: ${h(counts.bySeverity.join(", "))}</p>`);
  }
  const warnings = warningParts(s, input.locale);
  if (warnings)
    parts.push(
      `<h3>${h(warnings.heading)}</h3><ul>${warnings.lines.map((l) => `<li>${h(l)}</li>`).join("")}</ul><p>${h(warnings.note)}</p>`,
    );
  const examples = prepareExamples(input);
  if (examples.length) {
    parts.push(`<h3>${h(t.details)}</h3><ul>`);
    for (const e of examples) {
      const values = e.values.map((v) => `<br><code>${h(v.column)}</code>: <code>${h(v.value)}</code>`).join("");
      parts.push(`<li><strong>${h(e.heading)}</strong><br>${h(e.message)}${values}</li>`);
    }
    parts.push("</ul>");
  }
  if (input.suppressed)
    parts.push(
      `<p><em>${h(t.suppressed(input.suppressed.count, formatTime(input.suppressed.since, input.timeZone)))}</em></p>`,
    );
  if (!withoutErrors(input.level)) parts.push(`<p>${h(t.action)}</p>`);
  const links = [
    input.links.execution ? `<a href="${h(input.links.execution)}">${h(t.openExecution)}</a>` : "",
    input.links.logs ? `<a href="${h(input.links.logs)}">${h(t.openLogs)}</a>` : "",
  ].filter(Boolean);
  if (links.length) parts.push(`<p>${links.join(" | ")}</p>`);
  const html = `<!DOCTYPE html><html lang="${input.locale}"><head><meta charset="utf-8"></head><body>${parts.join("\n")}</body></html>`;
  return { subject: noticeSubject(input), text: buildPlainText(input), html };
}
