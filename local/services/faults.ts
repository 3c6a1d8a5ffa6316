import { PipelineError } from "../../functions/core/errors";
import { UsageError } from "../usage-error";

/**
 * Faults a local run can inject (`--inject <name>[:count]`, repeatable), for demonstrations and tests. Each one is
 * produced where the real failure would come from — an HTTP status from the loopback Slack or AWS endpoint, an
 * UnprocessedItems answer from DynamoDB, a failed Lambda invocation — so the real handlers and the real state machine
 * definition react to it exactly as they would on AWS.
 */
export const FAULT_NAMES = [
  "slack-5xx",
  "slack-429",
  "sns-failure",
  "email-failure",
  "dynamodb-throttle",
  "chunk-crash",
  "check-crash",
  "overwrite-during-run",
  "duplicate-event",
  "rerun-after-failure",
  "encoded-event-key",
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** What each fault does and how many times by default (`Infinity` = every time). */
export const FAULT_HELP: Record<FaultName, { times: number; what: string }> = {
  "slack-5xx": { times: Number.POSITIVE_INFINITY, what: "the Slack webhook answers 500" },
  "slack-429": { times: 1, what: "the Slack webhook answers 429 with Retry-After: 1" },
  "sns-failure": {
    times: Number.POSITIVE_INFINITY,
    what: "SNS answers 500 to the check function (the state machine's own sns:publish still goes through)",
  },
  "email-failure": { times: Number.POSITIVE_INFINITY, what: "SES answers 500 to SendEmail" },
  "dynamodb-throttle": {
    times: 3,
    what: "DynamoDB throttles a BatchWriteItem, in turn returning every item as UnprocessedItems and refusing it whole (ProvisionedThroughputExceededException, ThrottlingException)",
  },
  "chunk-crash": {
    times: Number.POSITIVE_INFINITY,
    what: "the first chunk's Lambda crashes (Runtime.ExitError), which the Map does not retry",
  },
  "check-crash": {
    times: Number.POSITIVE_INFINITY,
    what: "the check runs, then its invocation fails with Lambda.ServiceException (retried by the state machine)",
  },
  "overwrite-during-run": {
    times: 1,
    what: "the CSV is uploaded again, with other content, after the split and before the chunks read it",
  },
  "duplicate-event": {
    times: 1,
    what: "the upload's event is delivered twice: a second execution starts for the same upload",
  },
  "rerun-after-failure": {
    times: 1,
    what: "the first execution's first chunk crashes (the run fails), then the upload's event is delivered again",
  },
  "encoded-event-key": {
    times: 1,
    what: "the upload's event carries the key URL-encoded, as S3's own notifications spell it (spaces as +)",
  },
};

/** How many more times each injected fault fires. */
export type FaultPlan = Partial<Record<FaultName, number>>;

/**
 * A failure an injected fault produces, named as AWS names the real one (`Runtime.ExitError`,
 * `Lambda.ServiceException`) so the definition's Retry and Catch rules match it as they would on AWS.
 */
export class InjectedFaultError extends PipelineError {
  constructor(
    readonly fault: FaultName,
    name: string,
    message: string,
  ) {
    super(name, `Injected fault: ${message}`);
  }
}

/**
 * Parses `--inject` values into a plan; repeating a fault adds its counts.
 * @example parseFaults(["slack-429:2", "sns-failure"]) // { "slack-429": 2, "sns-failure": Infinity }
 */
export function parseFaults(values: readonly string[]): FaultPlan {
  const plan: FaultPlan = {};
  for (const value of values) {
    const match = /^([a-z0-9-]+)(?::(\d+))?$/.exec(value);
    const name = match?.[1] as FaultName | undefined;
    if (!match || name === undefined || !FAULT_NAMES.includes(name)) {
      throw new UsageError(
        `--inject ${value}: unknown fault; use one of ${FAULT_NAMES.join(", ")} (optionally :count)`,
      );
    }
    const times = match[2] === undefined ? FAULT_HELP[name].times : Number(match[2]);
    if (times < 1) throw new UsageError(`--inject ${value}: the count must be 1 or more`);
    plan[name] = (plan[name] ?? 0) + times;
  }
  return plan;
}

/** Consumes one firing of `name`; true when the fault should fire now. */
export function fire(plan: FaultPlan, name: FaultName): boolean {
  const left = plan[name] ?? 0;
  if (left <= 0) return false;
  plan[name] = left - 1;
  return true;
}
