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
