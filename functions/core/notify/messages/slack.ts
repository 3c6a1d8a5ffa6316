import { escapeMrkdwn, singleLine, slackCode, slackLink, truncateChars } from "../escape";
import { texts } from "../i18n";
import { warningParts, withoutErrors } from "../warnings";
import { SLACK_LIMITS } from "./limits";
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

/** A Slack incoming-webhook payload. */
export interface SlackPayload {
  text: string;
  blocks: Record<string, unknown>[];
}

/** A Slack section of mrkdwn text, cut to the section limit. */
export function section(text: string): Record<string, unknown> {
  return { type: "section", text: { type: "mrkdwn", text: truncateChars(text, SLACK_LIMITS.sectionText) } };
}

/**
 * Builds the Slack Block Kit message of a run: header; execution, file, start time and totals; failure reasons;
 * breakdowns; up to 5 critical examples; report, console and Logs Insights buttons. Every CSV-derived string is masked and
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
  const dataset = datasetParts(input);
  if (dataset)
    blocks.push(
      section([`*${escapeMrkdwn(dataset.heading)}*`, ...dataset.lines.map((l) => `• ${escapeMrkdwn(l)}`)].join("\n")),
    );
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
    blocks.push(section(successText(input)));
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
    input.links.report
      ? { type: "button", text: { type: "plain_text", text: t.openReport }, url: input.links.report }
      : undefined,
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
