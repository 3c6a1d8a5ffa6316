import { texts } from "../i18n";
import { warningParts, withoutErrors } from "../warnings";
import type { NoticeInput } from "./notice";
import {
  countLines,
  datasetParts,
  failureLines,
  feedValue,
  fileLabel,
  formatTime,
  prepareExamples,
  rejectedParts,
  successText,
} from "./parts";

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
  const dataset = datasetParts(input);
  if (dataset) lines.push("", `${dataset.heading}:`, ...dataset.lines.map((l) => `- ${l}`));
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
  if (withoutErrors(input.level)) lines.push("", successText(input));
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
  if (input.links.report) lines.push(`${t.openReport}: ${input.links.report}`);
  if (input.links.execution) lines.push(`${t.openExecution}: ${input.links.execution}`);
  if (input.links.logs) lines.push(`${t.openLogs}: ${input.links.logs}`);
  return lines.join("\n");
}
