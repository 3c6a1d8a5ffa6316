import { escapeHtml } from "../escape";
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
  noticeSubject,
  prepareExamples,
  rejectedParts,
  successText,
} from "./parts";
import { buildPlainText } from "./plain-text";

/** An SES e-mail of a notice. */
export interface EmailNotice {
  subject: string;
  text: string;
  html: string;
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
  const dataset = datasetParts(input);
  if (dataset)
    parts.push(`<h3>${h(dataset.heading)}</h3><ul>${dataset.lines.map((l) => `<li>${h(l)}</li>`).join("")}</ul>`);
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
  if (withoutErrors(input.level)) parts.push(`<p>${h(successText(input))}</p>`);
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
    input.links.report ? `<a href="${h(input.links.report)}">${h(t.openReport)}</a>` : "",
    input.links.execution ? `<a href="${h(input.links.execution)}">${h(t.openExecution)}</a>` : "",
    input.links.logs ? `<a href="${h(input.links.logs)}">${h(t.openLogs)}</a>` : "",
  ].filter(Boolean);
  if (links.length) parts.push(`<p>${links.join(" | ")}</p>`);
  const html = `<!DOCTYPE html><html lang="${input.locale}"><head><meta charset="utf-8"></head><body>${parts.join("\n")}</body></html>`;
  return { subject: noticeSubject(input), text: buildPlainText(input), html };
}
