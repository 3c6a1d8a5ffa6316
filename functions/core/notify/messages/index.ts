/**
 * A run's notice, rendered for each channel: Slack Block Kit (`slack.ts`), SNS (`sns.ts`) and SES e-mail
 * (`email.ts`), the last two over one plain-text body (`plain-text.ts`). What a notice shows is `NoticeInput`
 * (`notice.ts`); the parts every channel shows alike are in `parts.ts`, the channels' limits in `limits.ts`.
 */
export { buildEmailNotice, type EmailNotice } from "./email";
export { SLACK_LIMITS, SNS_LIMITS } from "./limits";
export {
  AGGREGATION_STEP,
  type AggregationFailure,
  type ErrorExample,
  type NoticeInput,
  type RejectedRows,
} from "./notice";
export { feedValue, formatTime, safeValue } from "./parts";
export { buildSlackNotice, fitBlocks, type SlackPayload, section } from "./slack";
export { buildSnsNotice, type SnsNotice } from "./sns";
