// ---------------------------------------------------------------------------------------------------------------
// Metrics (emitted by the check; watched by the alarms)
// ---------------------------------------------------------------------------------------------------------------

export const METRICS = {
  namespace: "CSV/Processing",
  /** The only dimension: low cardinality, the same on every run, so the alarms see every data point. */
  dimension: "Pipeline",
  errorCount: "ErrorCount",
  criticalErrorCount: "CriticalErrorCount",
  /**
   * Findings that reject no row (an accepted file's header warnings): apart from ErrorCount so that no alarm that
   * pages counts them.
   */
  warningCount: "WarningCount",
  rowsProcessed: "RowsProcessed",
  notificationsSent: "NotificationsSent",
  notificationsSuppressed: "NotificationsSuppressed",
  notificationsFailed: "NotificationsFailed",
  /** A feed's file had not arrived by its `arrival` deadline (published once per feed and day). */
  filesMissing: "FilesMissing",
  /** From the log metric filter on the check function's JSON logs. */
  criticalErrorDetected: "CriticalErrorDetected",
  /**
   * The second dimension: each run's values are published twice, with `{Pipeline}` and with `{Pipeline, Feed}`.
   * Bounded by the number of feeds a stack configures (at most {@link MAX_FEEDS}).
   */
  feedDimension: "Feed",
} as const;

/** Default pipeline name (metric dimension value) when none is configured. */
export const DEFAULT_PIPELINE_NAME = "csv-pipeline";

/** Prefixes inside the bucket. */
export const PREFIXES = {
  input: "incoming/",
  results: "results/",
  config: "_config/",
  processed: "processed/",
  rejected: "rejected/",
} as const;
