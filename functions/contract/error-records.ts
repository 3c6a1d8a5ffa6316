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
  /** A later occurrence of a value (or compound key) that the schema says is unique across the file. */
  "DuplicateError",
  /** A rule about the file as a whole (row count, completeness, history) that the file breaks; no row is rejected. */
  "DatasetError",
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export const SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];
/** "Critical" in summaries and metrics = HIGH + CRITICAL, as in the original design. */
export const CRITICAL_SEVERITIES: readonly Severity[] = ["HIGH", "CRITICAL"];

/** Number of error records by type (a row may carry several), as chunks, runs and notices count them. */
export type CountsByType = Partial<Record<ErrorType, number>>;
/** Number of error records by severity, every severity present. */
export type CountsBySeverity = Record<Severity, number>;

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
  | "sourceChanged"
  // Rules about the whole file (the schema's `unique` keys and `dataset` section).
  | "duplicate"
  | "datasetRowCount"
  | "datasetCompleteness"
  | "historyRowCount"
  | "historyErrorRate";

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
