import { DEFAULT_FEED, type Severity } from "../../contract";
import type { FeedRun } from "../arrival/ports";
import { escapeHtml, escapeMrkdwn, singleLine, slackCode, truncateChars } from "./escape";
import { type EmailNotice, formatTime, SLACK_LIMITS, type SlackPayload, SNS_LIMITS, type SnsNotice } from "./messages";

/** What a missing-file notice says. */
export interface ArrivalNoticeInput {
  feed: string;
  /** Where the feed's files are uploaded (its prefix), with the bucket when known. */
  location: string;
  /** The deadline as configured ("10:00") and as an instant. */
  by: string;
  deadline: Date;
  /** The feed's latest run, which started before the day's window opened (or none on record). */
  lastRun?: FeedRun;
  severity: Severity;
  locale: "ja" | "en";
  timeZone: string;
}

interface ArrivalTexts {
  title(severity: Severity, by: string, feed: string): string;
  feed: string;
  location: string;
  deadline: string;
  lastRun: string;
  noRun: string;
  lastRunValue(time: string, key: string): string;
  action: string;
}

const TEXTS: Record<"ja" | "en", ArrivalTexts> = {
  ja: {
    title: (severity, by, feed) => `[${severity}] ${by} までにファイルが届いていません (${feed})`,
    feed: "フィード",
    location: "アップロード先",
    deadline: "期限",
    lastRun: "直近の受信",
    noRun: "記録なし",
    lastRunValue: (time, key) => `${time} ${key}`,
    action:
      "送信元にファイルの送付状況を確認してください。届いたファイルは通常どおりアップロード先に置けば処理されます。",
  },
  en: {
    title: (severity, by, feed) => `[${severity}] File not received by ${by} (${feed})`,
    feed: "Feed",
    location: "Upload to",
    deadline: "Expected by",
    lastRun: "Last file received",
    noRun: "none on record",
    lastRunValue: (time, key) => `${time} ${key}`,
    action: "Ask the sender whether the file was sent. A file put under the upload location is processed as usual.",
  },
};

function parts(input: ArrivalNoticeInput) {
  const t = TEXTS[input.locale];
  const feedName = input.feed === DEFAULT_FEED ? input.location : input.feed;
  return {
    t,
    subject: truncateChars(singleLine(t.title(input.severity, input.by, feedName)), SNS_LIMITS.subjectChars),
    deadline: formatTime(input.deadline, input.timeZone),
    lastRun: input.lastRun
      ? t.lastRunValue(formatTime(input.lastRun.startTime, input.timeZone), input.lastRun.key)
      : t.noRun,
  };
}

/** The notice's plain text (SNS and the e-mail's text part). */
function plainText(input: ArrivalNoticeInput): string {
  const { t, subject, deadline, lastRun } = parts(input);
  return [
    subject,
    "",
    `${t.feed}: ${input.feed}`,
    `${t.location}: ${input.location}`,
    `${t.deadline}: ${deadline}`,
    `${t.lastRun}: ${lastRun}`,
    "",
    t.action,
  ].join("\n");
}

/** The Slack message: a header and the feed, location, deadline and last file as fields (keys as code spans). */
export function buildArrivalSlack(input: ArrivalNoticeInput): SlackPayload {
  const { t, subject, deadline, lastRun } = parts(input);
  return {
    text: subject,
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncateChars(subject, SLACK_LIMITS.headerText) } },
      {
        type: "section",
        fields: [
          `*${t.feed}*\n${slackCode(input.feed)}`,
          `*${t.location}*\n${slackCode(truncateChars(input.location, 500))}`,
          `*${t.deadline}*\n${escapeMrkdwn(deadline)}`,
          `*${t.lastRun}*\n${input.lastRun ? slackCode(truncateChars(lastRun, 500)) : escapeMrkdwn(lastRun)}`,
        ].map((text) => ({ type: "mrkdwn", text: truncateChars(text, SLACK_LIMITS.fieldText) })),
      },
      { type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(t.action) } },
    ],
  };
}

/** The SNS notice, with the `severity` and `feed` attributes on-call subscriptions filter on. */
export function buildArrivalSns(input: ArrivalNoticeInput, noticeId: string): SnsNotice {
  return {
    subject: parts(input).subject,
    message: plainText(input),
    severity: input.severity,
    executionName: noticeId,
    feed: input.feed,
    truncated: false,
  };
}

/** The e-mail: the plain text and an HTML part in which every value is escaped. */
export function buildArrivalEmail(input: ArrivalNoticeInput): EmailNotice {
  const { t, subject, deadline, lastRun } = parts(input);
  const h = escapeHtml;
  const rows = [
    [t.feed, input.feed],
    [t.location, input.location],
    [t.deadline, deadline],
    [t.lastRun, lastRun],
  ];
  const html = [
    `<h2>${h(subject)}</h2>`,
    `<table>${rows.map(([k, v]) => `<tr><th align="left">${h(k)}</th><td>${h(v)}</td></tr>`).join("")}</table>`,
    `<p>${h(t.action)}</p>`,
  ].join("\n");
  return { subject, text: plainText(input), html };
}
