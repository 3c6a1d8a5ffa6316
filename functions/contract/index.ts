/**
 * The one module that owns every name shared by the Pulumi program, the Lambda handlers, the local runner and the
 * tests: table and key names, index names, environment variable names, metric namespace / names / dimensions, error
 * types and severities, and the shapes of the items and payloads that cross a boundary. Nobody retypes these strings.
 *
 * This file must stay free of imports (it is bundled into every Lambda archive).
 */

// ---------------------------------------------------------------------------------------------------------------
// Error records (the seed's table, kept)
// ---------------------------------------------------------------------------------------------------------------

/** DynamoDB key attribute types (`S` string, `N` number, `B` binary). */
export type KeyAttributeType = "S" | "N" | "B";

/** A global secondary index as both the deployed and the local tables declare it. */
export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey?: string;
  /** Attributes copied into the index: `ALL` keeps every query self-contained. */
  projection: "ALL" | "KEYS_ONLY";
}

/**
 * A DynamoDB table as both the Pulumi program and the local services create it: keys, key attribute types,
 * indexes, billing and TTL. `attributeTypes` holds exactly the attributes used as a table or index key.
 */
export interface TableDefinition {
  defaultName: string;
  partitionKey: string;
  sortKey?: string;
  ttlAttribute: string;
  billingMode: "PAY_PER_REQUEST";
  attributeTypes: Readonly<Record<string, KeyAttributeType>>;
  globalSecondaryIndexes: readonly IndexDefinition[];
}

/** GSI of the seed: all error records of one execution. */
const EXECUTION_INDEX = {
  name: "ExecutionName-index",
  partitionKey: "executionName",
  /**
   * `${severityRank}#${rowNumber, 12 digits}` (rank 0 = CRITICAL … 3 = LOW): one Query with
   * `severityRow < "2"` and `Limit: 5` returns the first HIGH/CRITICAL examples, whatever the number of errors.
   */
  sortKey: "severityRow",
  projection: "ALL",
} as const satisfies IndexDefinition;

export const ERROR_TABLE = {
  defaultName: "csv-processing-errors",
  partitionKey: "errorId",
  sortKey: "timestamp",
  ttlAttribute: "expiresAt",
  billingMode: "PAY_PER_REQUEST",
  attributeTypes: { errorId: "S", timestamp: "S", executionName: "S", severityRow: "S" },
  executionIndex: EXECUTION_INDEX,
  globalSecondaryIndexes: [EXECUTION_INDEX],
} as const satisfies TableDefinition & { executionIndex: IndexDefinition };

export const ERROR_TYPES = [
  "ValidationError",
  "ParseError",
  "EncodingError",
  "SchemaError",
  "ProcessingError",
  /** The object was replaced between the split and a chunk's read: the chunk counted nothing of the new version. */
  "SourceChangedError",
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export const SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];
/** "Critical" in summaries and metrics = HIGH + CRITICAL, as in the original design. */
export const CRITICAL_SEVERITIES: readonly Severity[] = ["HIGH", "CRITICAL"];
/** Rank used in sort keys: lower sorts first. */
export const SEVERITY_RANK: Record<Severity, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

export const PROCESSING_STAGES = ["split", "process", "aggregate", "check"] as const;
export type ProcessingStage = (typeof PROCESSING_STAGES)[number];

/** One error record as stored in the error table. */
/** What a validation message says, as a key; rendered in the reader's language by `renderValidationMessage`. */
export type ValidationMessageKey =
  | "required"
  | "minLength"
  | "maxLength"
  | "pattern"
  | "min"
  | "max"
  | "integer"
  | "decimal"
  | "date"
  | "datetime"
  | "email"
  | "enum"
  // Structural problems of a record, the header, the file or its upload (no schema rule of a column).
  | "rowColumns"
  | "rowEncoding"
  | "rowNul"
  | "rowUnclosedQuote"
  | "rowUnparsable"
  | "headerDuplicate"
  | "headerMissing"
  | "headerExtra"
  | "headerUnnamed"
  | "headerTooLong"
  | "headerParse"
  | "headerUnclosedQuote"
  | "headerNul"
  | "fileEmpty"
  | "fileNotText"
  | "fileDelimiter"
  | "fileLineEnding"
  | "sourceChanged";

/**
 * A message as a key and its values, so that every reader sees it in its own language. A validation message has
 * `column` and the schema's limits, plus `value`, the offending value (at most 60 characters; absent for a sensitive
 * column). A structural message has line numbers and counts, and what it quotes of the file (header names, a
 * parser's reason) bounded to a few hundred characters. `errorMessage` holds the same message in English.
 */
export interface ValidationMessage {
  key: ValidationMessageKey;
  params: Record<string, string | number>;
}

export interface ErrorRecord {
  /** Deterministic: hash of executionName + chunkId + rowNumber + rule. */
  errorId: string;
  /** The parent execution's start time (deterministic, so a retried chunk overwrites its own records). */
  timestamp: string;
  executionName: string;
  errorType: ErrorType;
  severity: Severity;
  errorMessage: string;
  recordData: Record<string, string>;
  stackTrace?: string;
  retryCount: number;
  processingStage: ProcessingStage;
  rowNumber: number;
  /**
   * 1-based index of the data record (the header excluded), when it is known; `rowNumber` is the line the record
   * starts on, which differs once a record spans lines.
   */
  recordNumber?: number;
  chunkId: number;
  /** Column the error is about, when there is one. */
  column?: string;
  /** The feed of the uploaded file (`feedOfKey`); absent in records written before a stack had feeds. */
  feed?: string;
  /** For a ValidationError: the message as a key and values, so a notice can show it in its own language. */
  message?: ValidationMessage;
  severityRow: string;
  /** Epoch seconds (DynamoDB TTL). */
  expiresAt: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Run state (sibling table): exact per-chunk summaries, file outcome, notification ledger, rate limits, digests,
// failure streaks. Every item is read with a consistent read through its partition key.
// ---------------------------------------------------------------------------------------------------------------

export const RUNS_TABLE = {
  defaultName: "csv-processing-runs",
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  billingMode: "PAY_PER_REQUEST",
  attributeTypes: { pk: "S", sk: "S" },
  globalSecondaryIndexes: [],
} as const satisfies TableDefinition;

/** Every table of the pipeline by its role; a deployed stack names them `<prefix>-errors` and `<prefix>-runs`. */
export const TABLES = { errors: ERROR_TABLE, runs: RUNS_TABLE } as const;
export type TableKey = keyof typeof TABLES;

/** The key attributes of a table and its indexes, each once, in declaration order. */
export function keyAttributes(table: TableDefinition): string[] {
  const names = [table.partitionKey, table.sortKey];
  for (const index of table.globalSecondaryIndexes) names.push(index.partitionKey, index.sortKey);
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

export const RUN_KEYS = {
  /** Partition of everything that belongs to one execution. */
  execution: (executionName: string) => `EXEC#${executionName}`,
  /** One summary item per chunk, written idempotently by process-chunk (a retry overwrites it). */
  chunk: (chunkId: number) => `CHUNK#${String(chunkId).padStart(6, "0")}`,
  chunkPrefix: "CHUNK#",
  /** The file-level outcome written by split-csv (header problems, encoding). */
  file: "FILE",
  /** Dedup ledger: one item per execution × channel. */
  notification: (channel: string) => `NOTIFY#${channel}`,
  /** Rate-limit window and suppressed count per channel. */
  channel: (channel: string) => `CHANNEL#${channel}`,
  rateWindow: "RATE",
  /** Deferred (quiet-hours) notices waiting for the digest. */
  digest: "DIGEST",
  /** Failure streak per key prefix (escalation). */
  prefix: (keyPrefix: string) => `PREFIX#${keyPrefix}`,
  streak: "STREAK",
  /**
   * Claim of one upload (one object version, `digest` a hash of bucket, key, version id, ETag and event sequencer):
   * the first execution to write it processes the upload; any other execution for the same upload is a duplicate.
   */
  upload: (digest: string) => `UPLOAD#${digest}`,
  uploadClaim: "CLAIM",
} as const;

export type CountsByType = Partial<Record<ErrorType, number>>;
export type CountsBySeverity = Record<Severity, number>;

/** Counts of one chunk (also what process-chunk returns). rows = valid + invalid, always. */
export interface ChunkResult {
  chunkId: number;
  rows: number;
  valid: number;
  invalid: number;
  /** Number of error records by type (a row may carry several). */
  byType: CountsByType;
  bySeverity: CountsBySeverity;
}

/** The run-table item holding one chunk's counts. */
export interface ChunkSummaryItem extends ChunkResult {
  pk: string;
  sk: string;
  executionName: string;
  /** The feed of the uploaded file; absent in items written before a stack had feeds. */
  feed?: string;
  errors: number;
  updatedAt: string;
  expiresAt: number;
}

/** One header warning of an accepted file, as the file summary keeps it. */
export interface FileWarning {
  errorType: ErrorType;
  severity: Severity;
  /** English text of the warning (shown when it has no `detail`). */
  message: string;
  column?: string;
  detail?: ValidationMessage;
}

/**
 * Most header warnings a file summary keeps for `errors.csv`: one per extra column, so a header of thousands of
 * unknown columns stays far below DynamoDB's 400 KB item limit.
 */
export const MAX_FILE_WARNINGS = 100;

/** The run-table item holding the file-level outcome of split-csv. */
export interface FileSummaryItem {
  pk: string;
  sk: typeof RUN_KEYS.file;
  executionName: string;
  bucket: string;
  key: string;
  /** The feed of the uploaded file; absent in items written before a stack had feeds. */
  feed?: string;
  status: SplitStatus;
  encoding: string;
  chunkCount: number;
  /**
   * Error records written by split-csv itself (header problems), by type and severity. For a REJECTED file they are
   * the rejection (an error); for an accepted file they are its header warnings, which reject no row: the check
   * counts them as warnings, apart from the errors.
   */
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  errors: number;
  message?: string;
  /** The rejection's message as a key (rendered in the reader's language) and the column it names, if any. */
  detail?: ValidationMessage;
  column?: string;
  /**
   * The header warnings of an accepted file (LOW: a column the row schema does not define), for `errors.csv`: at most
   * `MAX_FILE_WARNINGS`, with the file's text made visible; `errors` counts them all.
   */
  warnings?: FileWarning[];
  updatedAt: string;
  expiresAt: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Payloads between states
// ---------------------------------------------------------------------------------------------------------------

/** A chunk handed out by split-csv: a byte range of the original object, cut at a row boundary. */
export interface ChunkRef {
  id: number;
  /** Inclusive start byte offset. */
  start: number;
  /** Exclusive end byte offset. */
  end: number;
  /** 1-based line number, in the original file, of the chunk's first record. */
  firstLine: number;
  /** 1-based index of the chunk's first data record (the header excluded); absent in older manifests. */
  firstRecord?: number;
}

/** `DUPLICATE`: another execution already claimed this upload; nothing was split, counted or written. */
export type SplitStatus = "OK" | "REJECTED" | "DUPLICATE";

/** What split-csv returns (kept far below the 256 KiB state limit: at most MAX_CHUNKS chunk refs). */
export interface SplitResult {
  status: SplitStatus;
  bucket: string;
  key: string;
  /**
   * The feed whose prefix the key is under (its schema was read). The state machine keeps it for the page it sends
   * when the check fails (its `feed` attribute); the chunks and the check find it from the key.
   */
  feed: string;
  encoding: "utf-8" | "shift_jis";
  /**
   * The header's column names when their JSON fits {@link HEADER_INLINE_MAX_BYTES}; else empty, and the chunks and
   * the aggregation read the header from the object at `headerRange` (a header may be 1 MiB: it must not ride in
   * the state, which holds at most 256 KiB).
   */
  header: string[];
  /** Where the header line is in the object (byte offsets, BOM excluded) when the split read one, else null. */
  headerRange: HeaderRange | null;
  bytes: number;
  chunkCount: number;
  chunks: ChunkRef[];
  message?: string;
  /** ETag of the object version split read (as S3 returns it, quoted): every chunk reads with `If-Match` on it. */
  etag: string;
  /** Version id of the object version split read; null when the bucket is not versioned. */
  versionId: string | null;
}

/**
 * What identifies an upload beyond bucket and key, when the execution's input carries it: flat (`etag`,
 * `versionId`, `sequencer`) or as the S3 "Object Created" event's `detail.object` (`etag`, `version-id`,
 * `sequencer`). Two deliveries of one event carry the same values.
 */
export interface UploadIdentity {
  etag?: string;
  versionId?: string;
  sequencer?: string;
  size?: number;
  object?: { etag?: string; "version-id"?: string; sequencer?: string; size?: number };
}

/** Byte offsets `[start, end)` of the header line in the uploaded object. */
export interface HeaderRange {
  start: number;
  end: number;
}

/**
 * Most bytes the header's column names may take (as JSON) in a state payload. A longer header stays in the object:
 * the split passes its byte range instead, so the state (≤ 256 KiB, with up to MAX_CHUNKS chunk refs and results)
 * never grows with the file's header.
 */
export const HEADER_INLINE_MAX_BYTES = 16 * 1024;

/** Upper bound of chunks per file: chunk size grows with the file so the manifest stays small. */
export const MAX_CHUNKS = 256;

/** What each Distributed Map child receives (ItemSelector). */
export interface ProcessChunkInput {
  executionName: string;
  /** Start time of the parent execution (ISO-8601): the `timestamp` of its error records, so retries overwrite. */
  startTime: string;
  bucket: string;
  key: string;
  encoding: SplitResult["encoding"];
  /**
   * The split's `header`: empty when the header is read from the object at `headerRange` (the chunk then also
   * writes it as `OUTCOME_KEYS.headerPart`, for the aggregation).
   */
  header: string[];
  /** The split's `headerRange`; absent or null in older definitions and direct invokes. */
  headerRange?: HeaderRange | null;
  chunk: ChunkRef;
  /** ETag split-csv read: the chunk's ranged GET sends it as `If-Match`, so it never reads another version. */
  etag?: string;
  /** Version id split-csv read (versioned buckets), null otherwise. */
  versionId?: string | null;
}

/** Field where a Catch puts the error of a failed state (`{ Error, Cause }`). */
export const FAILURE_FIELD = "failure";
export interface StateFailure {
  Error: string;
  Cause: string;
}

/** What check-errors-and-notify receives. */
export interface CheckInput {
  executionName: string;
  startTime: string;
  bucket: string;
  key: string;
  /** Chunks split-csv handed out (0 when split did not run or rejected the file). */
  chunkCount: number;
  splitStatus: SplitStatus | "NOT_RUN";
  failure?: StateFailure | null;
  /**
   * AggregateResults failed after its retries: `rows.csv`, `errors.csv` and the manifest may be missing. Only the
   * sequential pattern passes it (null when the aggregation succeeded); in the parallel pattern the check runs beside
   * the aggregation and is never told.
   */
  aggregationFailure?: StateFailure | null;
  /**
   * What AggregateResults composed into `rows.csv` and `errors.csv` (its output, `$.aggregate`): `chunks`, the
   * completed chunks whose parts it found, and `invalid`, the rejected rows it wrote. When a chunk fails the Map is
   * caught at once while other chunks may still run: those that finish after the composition are counted by the
   * check but are in neither file. Only the sequential pattern passes it (Prepare's null when the aggregation
   * failed); in the parallel pattern the check runs beside the aggregation and cannot know. The state machine passes
   * the whole AggregateOutput; the check reads these two fields.
   */
  composed?: Pick<AggregateOutput, "chunks" | "invalid"> | null;
}

export const NOTIFICATION_CHANNELS = ["slack", "sns", "email"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export type NotificationStatus = "sent" | "suppressed" | "failed";

/** Bounded (≤ 4 KB) output of the check. Never contains error items. */
export interface CheckOutput {
  /** The run failed or recorded errors (warnings alone are not errors). */
  hasErrors: boolean;
  /** Error records that reject a row or the file; header warnings are not counted here. */
  errorCount: number;
  criticalCount: number;
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  /**
   * Findings that reject no row (an accepted file's header warnings, e.g. a column the row schema does not define):
   * counted apart from the errors, published as `WarningCount`, never paged for.
   */
  warningCount: number;
  warningsByType: CountsByType;
  rows: { total: number; valid: number; invalid: number };
  runFailed: boolean;
  /** `attempts`: HTTP attempts made for the notice, across check attempts (at most `delivery.attempts`). */
  notifications: { channel: NotificationChannel; status: NotificationStatus; reason?: string; attempts?: number }[];
}

/** What aggregate-results returns and writes to S3. */
/** What the AggregateResults state passes (both patterns). */
export interface AggregateInput {
  executionName: string;
  startTime: string;
  bucket: string;
  key: string;
  chunkCount: number;
  /** The header the split read (`$.split.header`); empty when it read none or left it in the object. */
  header: string[];
  /**
   * `$.split.headerRange`: set while `header` is empty, the header's line is `OUTCOME_KEYS.headerPart` (written by
   * the chunks); absent in older definitions.
   */
  headerRange?: HeaderRange | null;
  /** `$.split.status`; `NOT_RUN` when the split failed before it returned. */
  splitStatus: SplitStatus | "NOT_RUN";
  /** What the Map returned. Not read: the runs table's summaries are the truth, also when the Map failed. */
  chunkResults: ChunkResult[];
}

export interface AggregateOutput {
  rows: number;
  valid: number;
  invalid: number;
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  chunks: number;
  failedChunks: number;
  resultKey: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Typed errors that the state machine matches by name (Retry / Catch ErrorEquals)
// ---------------------------------------------------------------------------------------------------------------

export const ERROR_NAMES = {
  /** BatchWriteItem left UnprocessedItems after every retry: the chunk is retried by the state machine. */
  unprocessedItems: "UnprocessedItemsError",
  /** Every notification channel failed for a run that has errors: Catch pages on-call. */
  notificationDelivery: "NotificationDeliveryError",
  /** Bad input that retrying cannot fix (bad schema, unreadable object). */
  input: "InputError",
  /** The object was replaced after the split read it (S3 answered 412 to `If-Match`). */
  sourceChanged: "SourceChangedError",
  /**
   * Lambda refused the invocation: the account's (or the function's reserved) concurrency is in use. Named as the
   * Step Functions Lambda integration reports it; retried on its own, longer than the transient errors.
   */
  lambdaThrottled: "Lambda.TooManyRequestsException",
  /** Lambda's transient service errors, as the Step Functions Lambda integration names them. */
  lambdaClientExecutionTimeout: "Lambda.ClientExecutionTimeoutException",
  lambdaService: "Lambda.ServiceException",
  lambdaAws: "Lambda.AWSLambdaException",
  lambdaSdkClient: "Lambda.SdkClientException",
  /** Every error (Step Functions' wildcard); alone in its ErrorEquals and listed last. */
  all: "States.ALL",
} as const;

/** Lambda's transient service errors (AWS's recommended list): every Lambda task retries them. */
export const LAMBDA_TRANSIENT_ERRORS = [
  ERROR_NAMES.lambdaClientExecutionTimeout,
  ERROR_NAMES.lambdaService,
  ERROR_NAMES.lambdaAws,
  ERROR_NAMES.lambdaSdkClient,
] as const;

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
 * Every state's name: the definition names its states with these, and the handlers name a failed step with them, so
 * a record or a notice says the step the execution history shows.
 */
export const STATE_NAMES = {
  prepare: "Prepare",
  splitCsv: "SplitCsv",
  processChunks: "ProcessChunks",
  processChunk: "ProcessChunk",
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

// ---------------------------------------------------------------------------------------------------------------
// Row outcomes (per execution, in the input bucket; prefixes from stack config `outputs`)
// ---------------------------------------------------------------------------------------------------------------

/** Where a run's row outcomes go, and how its CSV files are written. */
export interface OutcomeSettings {
  processedPrefix: string;
  rejectedPrefix: string;
  resultsPrefix: string;
  /** Write `processed/<exec>/part-NNNNN.csv` (the valid rows). */
  processed: boolean;
  /** Begin each CSV output with a UTF-8 byte order mark (Excel reads UTF-8 only with it). */
  bom: boolean;
}

export const DEFAULT_OUTCOME_SETTINGS: OutcomeSettings = {
  processedPrefix: PREFIXES.processed,
  rejectedPrefix: PREFIXES.rejected,
  resultsPrefix: PREFIXES.results,
  processed: true,
  bom: true,
};

/** Columns of `errors.csv`, in order. `row` is the record number (1-based, header excluded), `line` its first line. */
export const ERRORS_CSV_COLUMNS = ["row", "line", "column", "errorType", "severity", "message"] as const;

/** Line break of every CSV output (RFC 4180; Excel's own). A record's quoted line breaks are kept as read. */
export const CSV_OUTPUT_EOL = "\r\n";

const chunkNumber = (chunkId: number) => String(chunkId).padStart(5, "0");

/**
 * Object keys of a run's row outcomes. Chunks write their parts while they read; AggregateResults composes
 * `rows.csv` and `errors.csv` from the parts in chunk order and writes the manifest.
 */
export const OUTCOME_KEYS = {
  /** Header + the chunk's valid rows. */
  processedPart: (s: OutcomeSettings, exec: string, chunkId: number) =>
    `${s.processedPrefix}${exec}/part-${chunkNumber(chunkId)}.csv`,
  /** The run's rejected folder (linked from notices). */
  rejectedFolder: (s: OutcomeSettings, exec: string) => `${s.rejectedPrefix}${exec}/`,
  /** Header + every rejected row as in the file (decoded to UTF-8), in file order: a valid input again. */
  rejectedRows: (s: OutcomeSettings, exec: string) => `${s.rejectedPrefix}${exec}/rows.csv`,
  /** Header (`ERRORS_CSV_COLUMNS`) + one line per error, in file order. */
  rejectedErrors: (s: OutcomeSettings, exec: string) => `${s.rejectedPrefix}${exec}/errors.csv`,
  /** A chunk's rejected rows, without header or BOM (composed into `rows.csv`). */
  rowsPart: (s: OutcomeSettings, exec: string, chunkId: number) =>
    `${s.rejectedPrefix}${exec}/parts/rows-${chunkNumber(chunkId)}.csv`,
  /**
   * The header line of `rows.csv` (UTF-8, no BOM), written by each completed chunk when the header was too long for
   * the state (the split passed `headerRange`): AggregateResults reads it instead of the state's `header`.
   */
  headerPart: (s: OutcomeSettings, exec: string) => `${s.rejectedPrefix}${exec}/parts/header.csv`,
  /** A chunk's error lines, without header or BOM (composed into `errors.csv`). */
  errorsPart: (s: OutcomeSettings, exec: string, chunkId: number) =>
    `${s.rejectedPrefix}${exec}/parts/errors-${chunkNumber(chunkId)}.csv`,
  /** The run's manifest (`RunManifest`). */
  manifest: (s: OutcomeSettings, exec: string) => `${s.resultsPrefix}${exec}.json`,
} as const;

/** `results/<exec>.json`: what a run produced and what is missing. Written in both patterns. */
export interface RunManifest {
  executionName: string;
  bucket: string;
  /** The uploaded file. */
  key: string;
  /** The feed of the file ({@link UNKNOWN_FEED} when its key is under no feed's prefix); absent in older manifests. */
  feed?: string;
  /** `COMPLETE`: every chunk's outcome is in; `PARTIAL`: chunks are missing (named in `chunks.missing`). */
  status: "COMPLETE" | "PARTIAL";
  rows: { total: number; valid: number; invalid: number };
  errors: { total: number; byType: CountsByType; bySeverity: CountsBySeverity };
  chunks: { expected: number; completed: number; missing: number[] };
  /** Valid rows: one part per completed chunk (absent when `outputs.processed` is off). */
  processed: { parts: string[] } | null;
  rejected: { folder: string; rows: string; errors: string; rowCount: number; errorCount: number };
  composedAt: string;
}

/** Object key of the row schema (JSON) the program uploads and the split and chunk functions read. */
export const SCHEMA_OBJECT_KEY = `${PREFIXES.config}schema.json`;

// ---------------------------------------------------------------------------------------------------------------
// Feeds: several CSV feeds in one stack, each under its own input prefix, with its own schema and recipients
// ---------------------------------------------------------------------------------------------------------------

/** The feed of a stack configured with the single-feed keys (`inputPrefix`, `rowSchemaPath`, …). */
export const DEFAULT_FEED = "default";

/**
 * What logs, manifests and the SNS `feed` attribute say for a key under no feed's prefix (a run started by hand, or
 * by a rule the configuration no longer has). Not a feed name (`FEED_NAME_PATTERN` rejects it), so no feed can
 * claim it; the stack's on-call filter matches it to be paged for such runs.
 */
export const UNKNOWN_FEED = "(unknown)";

/** Most feeds one stack may have: each adds a rule, alarms, a dashboard row and metric streams. */
export const MAX_FEEDS = 20;

/**
 * A feed's name: lower-case letters, digits and hyphens, starting with a letter, at most 24 characters. It appears in
 * resource names, an SSM parameter path, an S3 key and a metric dimension, which all accept these characters.
 */
export const FEED_NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,22}[a-z0-9])?$/;

/**
 * One feed as a function reads it from `FEEDS`. Every function gets `name` and `prefix`, and only the settings it
 * reads; a setting absent from an entry means the function's own variable (the stack's value), so the environment
 * stays within Lambda's 4 KB however many feeds share a value.
 */
export interface FeedEnvEntry {
  name: string;
  /** Key prefix of the feed's uploads (ends with "/"); prefixes of a stack never nest, so one key has one feed. */
  prefix: string;
  /** `s3://bucket/key` of the feed's row schema (split-csv, process-chunk); else `SCHEMA_LOCATION`. */
  schema?: string;
  /** Language of the feed's `errors.csv` (process-chunk, aggregate-results); else `OUTPUT_LOCALE`. */
  locale?: "ja" | "en";
  /** The feed's notification policy as JSON (check); else `NOTIFY_POLICY`. */
  notifyPolicy?: string;
  /** The feed's e-mail recipients, comma-separated (check); else `EMAIL_TO`. */
  emailTo?: string;
  /** Name of the SSM SecureString holding the feed's Slack webhook URL (check); else `SLACK_WEBHOOK_PARAMETER`. */
  slackWebhookParameter?: string;
}

/**
 * Object key of a feed's row schema: the {@link DEFAULT_FEED}'s is `SCHEMA_OBJECT_KEY` (where a single-feed stack
 * has always kept it), every other feed's is under `_config/feeds/<name>/`.
 *
 * @example feedSchemaKey("orders") // "_config/feeds/orders/schema.json"
 */
export function feedSchemaKey(feed: string): string {
  return feed === DEFAULT_FEED ? SCHEMA_OBJECT_KEY : `${PREFIXES.config}feeds/${feed}/schema.json`;
}
