/**
 * The error check (CheckErrorsAndNotify) and the path taken when it fails for good: a page to on-call, then
 * CheckFailed.
 */
import { type CheckInput, type CheckOutput, STATE_NAMES as N } from "../../functions/contract";
import { checkFailurePage } from "../check-failure-page";
import { LAMBDA_RETRY, LAMBDA_THROTTLE_RETRY } from "../lambda-retry";
import type { Choice } from "../states/choice";
import { Fail } from "../states/fail";
import { Task } from "../states/task";
import { type AfterAggregation, PATHS, pick, RUN_FIELDS, type Template } from "./layout";

/** Input of {@link checkTask}. */
export interface CheckTaskProps {
  functionArn: string;
  timeoutSeconds: number;
  /** Sequential pattern: the check runs after the aggregation, is told its outcome and keeps its result at `$.check`. */
  afterAggregation: boolean;
}

/** Builds CheckErrorsAndNotify: counts this run's errors exactly, notifies, returns a bounded summary. */
export function checkTask(props: CheckTaskProps): Task {
  const checkInput: Template<Omit<CheckInput, AfterAggregation>> &
    Partial<Template<Pick<CheckInput, AfterAggregation>>> = {
    ...RUN_FIELDS,
    "key.$": "$.split.key",
    "chunkCount.$": "$.split.chunkCount",
    "splitStatus.$": "$.split.status",
    "failure.$": PATHS.failure,
    // Sequential: the check runs after the aggregation and is told whether it failed (Prepare's null when it did
    // not) and what it composed (Prepare's null when it failed): a failed Map is caught at once, while other chunks
    // may still run, so chunks the check counts can have finished after rows.csv and errors.csv were written.
    // Parallel: the check runs beside the aggregation, whose outcome is not known when the check begins: it cannot
    // tell a failed aggregation, nor chunks that finished after the composition.
    ...(props.afterAggregation
      ? { "aggregationFailure.$": PATHS.aggregationFailure, "composed.$": PATHS.aggregate }
      : {}),
  };
  const checkOutputFields: (keyof CheckOutput & string)[] = [
    "hasErrors",
    "errorCount",
    "criticalCount",
    "byType",
    "bySeverity",
    "rows",
    "runFailed",
    "notifications",
  ];
  return Task.lambdaInvoke(N.checkErrors, {
    comment: "Count this run's errors exactly, notify, emit metrics; returns a bounded summary",
    functionArn: props.functionArn,
    payload: checkInput,
    resultSelector: pick<CheckOutput>(checkOutputFields),
    resultPath: props.afterAggregation ? PATHS.check : undefined,
    timeoutSeconds: props.timeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY);
}

/**
 * Builds the path a failed check takes (a Catch with ResultPath `$.checkFailure` leads to it): the page to
 * `alertTopic`, then CheckFailed.
 */
export function checkFailureRoute(alertTopic: string): Choice {
  const checkFailed = new Fail(N.checkFailed, {
    error: "CheckFailed",
    cause: "The error check failed after its retries; on-call was alerted through the alert topic",
  });
  // The page names the check (in the parallel pattern too, where ResultProcessing fails because its branch did).
  return checkFailurePage({ topicArn: alertTopic, failedStep: N.checkErrors, end: checkFailed });
}
