// ---------------------------------------------------------------------------------------------------------------
// Structured logs (one JSON object per line: written by functions/core/log.ts, read by the log metric filter and
// the saved Logs Insights query)
// ---------------------------------------------------------------------------------------------------------------

export const LOG_FIELDS = {
  /** Envelope of every line. */
  timestamp: "timestamp",
  level: "level",
  logger: "logger",
  message: "message",
  /** Fields of the check's one line per run. */
  executionName: "executionName",
  /**
   * The run's notice level (`LOW` … `CRITICAL`, `WARNING` for warnings only, or `NONE`): what the metric filter
   * matches. Logged once per run: a retried check's closing line leaves it out (and says `retriedCheck: true`).
   */
  severity: "severity",
  errorCount: "errorCount",
  criticalCount: "criticalCount",
} as const;
