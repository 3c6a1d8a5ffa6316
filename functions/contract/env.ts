// ---------------------------------------------------------------------------------------------------------------
// Environment variables (set by infra, read by handlers at start-up)
// ---------------------------------------------------------------------------------------------------------------

export const ENV = {
  errorTable: "ERROR_TABLE_NAME",
  runsTable: "RUNS_TABLE_NAME",
  /** `s3://bucket/key` of the row schema JSON. */
  schemaLocation: "SCHEMA_LOCATION",
  chunkRows: "CHUNK_ROWS",
  chunkBytes: "CHUNK_BYTES",
  resultsBucket: "RESULTS_BUCKET",
  resultsPrefix: "RESULTS_PREFIX",
  errorRetentionDays: "ERROR_RETENTION_DAYS",
  pipelineName: "PIPELINE_NAME",
  alertTopicArn: "ALERT_TOPIC_ARN",
  slackWebhookParameter: "SLACK_WEBHOOK_PARAMETER",
  emailFrom: "EMAIL_FROM",
  /** Comma-separated. */
  emailTo: "EMAIL_TO",
  /** JSON of the notification policy (quiet hours, rate limit, locale, …). */
  notifyPolicy: "NOTIFY_POLICY",
  /** Region shown in console links. */
  consoleRegion: "CONSOLE_REGION",
  stateMachineArn: "STATE_MACHINE_ARN",
  /** Log group of the check function (Logs Insights link). */
  checkLogGroup: "CHECK_LOG_GROUP",
  /** "true" makes the S3 client use path-style URLs (local S3). */
  s3ForcePathStyle: "S3_FORCE_PATH_STYLE",
  /** Row outcomes (see `OUTCOME_KEYS`): prefixes in the input bucket, whether valid rows are written, BOM, locale. */
  processedPrefix: "PROCESSED_PREFIX",
  rejectedPrefix: "REJECTED_PREFIX",
  /** "false" turns the processed parts off. */
  outputProcessed: "OUTPUT_PROCESSED",
  /** "false" writes the CSV outputs without a UTF-8 byte order mark. */
  outputBom: "OUTPUT_BOM",
  /** Language of `errors.csv` messages (`ja` | `en`): the notices' locale. */
  outputLocale: "OUTPUT_LOCALE",
  /**
   * JSON list of the stack's feeds ({@link FeedEnvEntry}[]): which prefix belongs to which feed, and each feed's
   * settings that differ from the function's own variables. Unset: one feed, {@link DEFAULT_FEED}, for every key.
   */
  feeds: "FEEDS",
} as const;

/** Local-only clock override (ISO-8601) of the check function, set by the local runner's `--now`. */
export const NOTIFY_NOW_ENV = "NOTIFY_NOW";

/** The event the digest schedule sends the check function: deliver deferred quiet-hours digests. */
export const DIGEST_FLUSH_EVENT = { digest: "flush" } as const;
export type DigestFlushEvent = typeof DIGEST_FLUSH_EVENT;
