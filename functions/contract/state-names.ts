// ---------------------------------------------------------------------------------------------------------------
// State names (set by the state machine definition; named by failure records and notices)
// ---------------------------------------------------------------------------------------------------------------

/** States of the page the state machine sends on its own when the error check fails for good. */
export const CHECK_FAILURE_STATE_NAMES = {
  notifyCheckFailure: "NotifyCheckFailure",
  checkFailureCause: "CheckFailureCause",
  causeShape: "CauseShape",
  readLambdaCause: "ReadLambdaCause",
  lambdaErrorMessage: "LambdaErrorMessage",
  plainCause: "PlainCause",
  unreadableCause: "UnreadableCause",
  noCauseGiven: "NoCauseGiven",
} as const;

/**
 * States of the uniqueness step (only when the schema has unique keys): every partition of the chunks' key hashes is
 * checked in its own FindDuplicates iteration, and the chunks that hold later occurrences are processed again.
 */
export const UNIQUENESS_STATE_NAMES = {
  uniqueKeys: "UniqueKeys",
  listUniquePartitions: "ListUniquePartitions",
  findDuplicates: "FindDuplicates",
  findPartitionDuplicates: "FindPartitionDuplicates",
  countDuplicates: "CountDuplicates",
  duplicatesFound: "DuplicatesFound",
  selectDuplicatePartitions: "SelectDuplicatePartitions",
  applyDuplicates: "ApplyDuplicates",
  applyChunkDuplicates: "ApplyChunkDuplicates",
  findDuplicatesFailed: "FindDuplicatesFailed",
  applyDuplicatesFailed: "ApplyDuplicatesFailed",
} as const;

/**
 * Every state's name: the definition names its states with these, and the handlers name a failed step with them, so
 * a record or a notice says the step the execution history shows.
 */
export const STATE_NAMES = {
  prepare: "Prepare",
  splitCsv: "SplitCsv",
  processChunks: "ProcessChunks",
  processChunk: "ProcessChunk",
  ...UNIQUENESS_STATE_NAMES,
  checkErrors: "CheckErrorsAndNotify",
  resultProcessing: "ResultProcessing",
  aggregateResults: "AggregateResults",
  aggregationFailed: "AggregationFailed",
  ...CHECK_FAILURE_STATE_NAMES,
  checkFailed: "CheckFailed",
  runOutcome: "RunOutcome",
  runFailed: "RunFailed",
  rowOutcomesMissing: "RowOutcomesMissing",
  done: "Done",
  uploadClaimed: "UploadClaimed",
  duplicate: "Duplicate",
} as const;
