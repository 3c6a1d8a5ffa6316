import { DEFAULT_FEED } from "../../../contract";
import { truncateUtf8 } from "../escape";
import { texts } from "../i18n";
import { SNS_LIMITS } from "./limits";
import type { NoticeInput } from "./notice";
import { noticeSubject } from "./parts";
import { buildPlainText } from "./plain-text";

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
