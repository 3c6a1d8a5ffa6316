import { escapeHtml, escapeMrkdwn, singleLine, slackCode, slackLink, truncateChars } from "./escape";
import { texts } from "./i18n";
import {
  feedValue,
  fitBlocks,
  formatTime,
  SLACK_LIMITS,
  type SlackPayload,
  SNS_LIMITS,
  safeValue,
  section,
} from "./messages";
import type { NoticeLevel, QuietReason } from "./policy-rules";

/** One deferred notice (held back during quiet hours), as stored until the digest is sent. */
export interface DigestEntry {
  executionName: string;
  bucket: string;
  key: string;
  level: NoticeLevel;
  errorCount: number;
  criticalCount: number;
  startTime: string;
  deferredAt: string;
  quietReason: QuietReason;
  /** The run's rejected rows and their folder in the S3 console, when it rejected rows. */
  rejected?: { rows: number; url?: string };
  /** The run's warnings (findings that reject no row), when it has any. */
  warningCount?: number;
}

/** Most runs listed in one digest; the rest are counted. */
export const DIGEST_MAX_LINES = 20;

/** The rendered digest for every channel kind. */
export interface DigestNotice {
  slack: SlackPayload;
  subject: string;
  text: string;
  html: string;
}

/**
 * Builds one digest of deferred notices (oldest first, at most {@link DIGEST_MAX_LINES} listed). A feed's digest
 * (`feed` other than `default`) names it on a line below the introduction.
 */
export function buildDigest(
  entries: DigestEntry[],
  locale: "ja" | "en",
  timeZone: string,
  feed?: string,
): DigestNotice {
  const t = texts(locale);
  const feedText = feedValue(feed, locale);
  const sorted = [...entries].sort((a, b) => a.deferredAt.localeCompare(b.deferredAt));
  const shown = sorted.slice(0, DIGEST_MAX_LINES);
  const more = sorted.length - shown.length;
  const line = (e: DigestEntry, file: string) =>
    t.digestLine(e.level, file, e.errorCount, formatTime(e.startTime, timeZone), e.rejected?.rows, e.warningCount);
  const plain = shown.map((e) => ({
    line: line(e, `s3://${e.bucket}/${safeValue(e.key, 300)}`),
    url: e.rejected?.url,
  }));
  const title = t.digestTitle(sorted.length);
  const slackLines = shown.map(
    (e) =>
      `• *${escapeMrkdwn(e.level)}* ${slackCode(`s3://${e.bucket}/${truncateChars(e.key, 300)}`)} ${escapeMrkdwn(
        line(e, "").replace(/^\[[A-Z]+\]\s*/, ""),
      )}${e.rejected?.url ? ` ${slackLink(e.rejected.url, t.openRejected)}` : ""}`,
  );
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: truncateChars(title, SLACK_LIMITS.headerText), emoji: true } },
    section(
      feedText === undefined
        ? t.digestIntro("window")
        : `${t.digestIntro("window")}\n*${t.feed}*: ${slackCode(feedText)}`,
    ),
  ];
  // Pack lines into sections of at most 3,000 characters.
  let current: string[] = [];
  for (const line of slackLines) {
    if ([...current, line].join("\n").length > SLACK_LIMITS.sectionText && current.length) {
      blocks.push(section(current.join("\n")));
      current = [];
    }
    current.push(line);
  }
  if (current.length) blocks.push(section(current.join("\n")));
  if (more > 0) blocks.push(section(t.digestMore(more)));
  const text = [
    title,
    t.digestIntro("window"),
    ...(feedText === undefined ? [] : [`${t.feed}: ${feedText}`]),
    "",
    ...plain.flatMap((l) => [`- ${l.line}`, ...(l.url ? [`  ${t.openRejected}: ${l.url}`] : [])]),
    ...(more > 0 ? [t.digestMore(more)] : []),
  ].join("\n");
  const html = `<!DOCTYPE html><html lang="${locale}"><head><meta charset="utf-8"></head><body><h2>${escapeHtml(title)}</h2><p>${escapeHtml(
    t.digestIntro("window"),
  )}</p>${feedText === undefined ? "" : `<p>${escapeHtml(`${t.feed}: ${feedText}`)}</p>`}<ul>${plain
    .map(
      (l) =>
        `<li>${escapeHtml(l.line)}${l.url ? ` <a href="${escapeHtml(l.url)}">${escapeHtml(t.openRejected)}</a>` : ""}</li>`,
    )
    .join("")}</ul>${more > 0 ? `<p>${escapeHtml(t.digestMore(more))}</p>` : ""}</body></html>`;
  return {
    slack: { text: escapeMrkdwn(title), blocks: fitBlocks(blocks, locale) },
    subject: truncateChars(singleLine(title), SNS_LIMITS.subjectChars),
    text,
    html,
  };
}
