/**
 * The local stack's one-line messages: a notice as it reached the loopback Slack, SNS or SES endpoint, and a run's
 * end with its counts. Control characters of the notices' text are made visible, as everywhere in the terminal.
 */
import { visible } from "../../functions/core/text";
import type { ArrivedNotice } from "../engine/environment";
import type { RunSummary } from "../engine/stack";

/** At most `max` characters of the first line of `text`, an ellipsis marking a cut. */
function firstLine(text: string, max = 100): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  return visible(line.length > max ? `${line.slice(0, max - 1)}…` : line);
}

/** The text a notice shows: Slack's `text`, the SNS subject, the e-mail's subject. */
function noticeText(notice: ArrivedNotice): string {
  if (notice.channel === "slack") {
    const json = notice.delivery.json as { text?: unknown } | null;
    return typeof json?.text === "string" ? json.text : notice.delivery.body;
  }
  const params = notice.call.params as { Subject?: unknown; Message?: { Subject?: { Data?: unknown } } };
  const subject = notice.channel === "sns" ? params.Subject : params.Message?.Subject?.Data;
  return typeof subject === "string" ? subject : "";
}

/**
 * `notice  slack  200  …`: the channel, the status its endpoint answered and the notice's first line.
 * @example noticeLine({ channel: "sns", call }) // "notice  sns    200  [CRITICAL] orders.csv: 3 errors"
 */
export function noticeLine(notice: ArrivedNotice): string {
  const status = notice.channel === "slack" ? notice.delivery.status : notice.call.status;
  return `notice  ${notice.channel.padEnd(5)}  ${status}  ${firstLine(noticeText(notice))}`;
}

/**
 * `run     <exec> FAILED  rows 200 (180 valid, 20 invalid)  errors 25 (3 critical)  States.TaskFailed: …`.
 */
export function runEndedLine(summary: RunSummary): string {
  const parts = [`run     ${summary.executionName} ${summary.status}`];
  const check = summary.check;
  if (check !== undefined) {
    parts.push(`rows ${check.rows.total} (${check.rows.valid} valid, ${check.rows.invalid} invalid)`);
    parts.push(`errors ${check.errorCount} (${check.criticalCount} critical)`);
  } else {
    parts.push("no counts (the check did not run)");
  }
  if (summary.error !== undefined) parts.push(firstLine(summary.error, 160));
  return parts.join("  ");
}
