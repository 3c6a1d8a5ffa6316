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
/** Longest error name a notice shows. */
export const MAX_ERROR_NAME_CHARS = 100;
