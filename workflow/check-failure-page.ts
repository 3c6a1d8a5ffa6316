/**
 * The page the state machine sends on its own (`sns:publish`, no Lambda) when the error check fails for good.
 *
 * A Catch hands over `{ Error, Cause }`. A Lambda function's Cause is the runtime's error document, for Node.js
 * `{"errorType","errorMessage","trace":[…]}`, whose trace lines name the function's files; other causes are plain
 * text (`States.Timeout`, a service error) or absent. The page names the failed step, the error type and the error's
 * message, never the trace: the message is read out of a Lambda's document and the Cause itself is dropped.
 *
 * `States.StringToJson` on a Cause that is not JSON would fail the execution (an intrinsic function's failure is a
 * `States.Runtime` error, which no Catch handles), so a Choice parses only a Cause shaped as the runtime writes it,
 * whole: from `{"errorType":` to the closing `]}` of its trace (or `"}` without one). Everything else is shown as
 * the message it already is.
 */
import { CHECK_FAILURE_STATE_NAMES } from "../functions/contract";
import { Choice, Condition } from "./states/choice";
import type { Fail } from "./states/fail";
import { Pass } from "./states/pass";
import { Task } from "./states/task";
import { STATES_ALL } from "./types";

/**
 * Causes parsed as a Lambda error document, as the Node.js runtime writes it: with its trace, or without one (a
 * runtime exit). The whole document must match, up to its last characters: a Cause cut short does not.
 * StringMatches treats only `*` as a wildcard.
 */
export const LAMBDA_CAUSE_PATTERNS = [
  '{"errorType":"*","errorMessage":"*","trace":[*]}',
  '{"errorType":"*","errorMessage":"*"}',
] as const;

/** A Cause that begins as a Lambda error document but does not end as one (cut short): shown as this, never raw. */
export const LAMBDA_CAUSE_START = '{"errorType":*';

/** What the page shows when the caught error carried no Cause. */
export const NO_CAUSE_MESSAGE = "(the error gave no cause)";
/** What the page shows for a Lambda error document cut short: its trace may be in it, and it cannot be parsed. */
export const UNREADABLE_CAUSE_MESSAGE =
  "(the Lambda error document was cut short; read the error in the execution's history)";

/** Where the caught error lives while the page is made; each path below leaves `{ Error, message }` there. */
const FAILURE = "$.checkFailure";

/** Input of {@link checkFailurePage}. */
export interface CheckFailurePageProps {
  topicArn: string;
  /** The state whose failure the page reports (its name is written in the page). */
  failedStep: string;
  /** Where the path ends, whether the page was sent or not. */
  end: Fail;
}

/**
 * Builds the page path: a Catch with `ResultPath: "$.checkFailure"` goes to the returned Choice, which leads, by
 * the Cause's shape, to a `{ Error, message }` and then to the publish.
 */
export function checkFailurePage(props: CheckFailurePageProps): Choice {
  const N = CHECK_FAILURE_STATE_NAMES;
  const notify = Task.snsPublish(N.notifyCheckFailure, {
    comment: "Page on-call directly (no Lambda): the check itself failed",
    topicArn: props.topicArn,
    subject: "[CRITICAL] CSV pipeline: the error check failed",
    // The step is fixed text: States.Format's template needs `{`, `}`, `'` and `\` escaped, and state names have none.
    messagePath: `States.Format('[CRITICAL] CSV処理のエラーチェックが失敗しました / The CSV error check failed. execution: {} file: s3://{}/{} feed: {} step: ${props.failedStep} error: {} message: {}', $.executionName, $.bucket, $.key, $.split.feed, ${FAILURE}.Error, ${FAILURE}.message)`,
    // `feed` as the check's notices carry it: a feed's own on-call is paged through its subscription's filter.
    messageAttributes: {
      severity: { value: "CRITICAL" },
      executionName: { path: "$.executionName" },
      feed: { path: "$.split.feed" },
    },
    resultPath: null,
  })
    .addRetry({ errors: [STATES_ALL], intervalSeconds: 2, maxAttempts: 3, backoffRate: 2, jitterStrategy: "FULL" })
    .addCatch(props.end, { resultPath: "$.alertFailure" });
  notify.next(props.end);

  // Each path replaces the caught error with `{ Error, message }`: the Cause (and a trace in it) goes no further.
  const message = (name: string, comment: string, value: Record<string, string>): Pass => {
    const pass = new Pass(name, {
      comment,
      parameters: { "Error.$": `${FAILURE}.Error`, ...value },
      resultPath: FAILURE,
    });
    pass.next(notify);
    return pass;
  };
  const lambdaErrorMessage = message(N.lambdaErrorMessage, "Keep the Lambda error's message, not its trace", {
    "message.$": `${FAILURE}.document.errorMessage`,
  });
  const readLambdaCause = new Pass(N.readLambdaCause, {
    comment: "The Cause is a Lambda error document: parse it",
    parameters: { "Error.$": `${FAILURE}.Error`, "document.$": `States.StringToJson(${FAILURE}.Cause)` },
    resultPath: FAILURE,
  });
  readLambdaCause.next(lambdaErrorMessage);
  const plainCause = message(N.plainCause, "The Cause is plain text: it is the message", {
    "message.$": `${FAILURE}.Cause`,
  });
  const unreadableCause = message(N.unreadableCause, "A Lambda error document cut short: neither parse nor show it", {
    message: UNREADABLE_CAUSE_MESSAGE,
  });
  const noCauseGiven = message(N.noCauseGiven, "The caught error had no Cause: give the page one", {
    message: NO_CAUSE_MESSAGE,
  });

  const causeShape = new Choice(N.causeShape, { comment: "Is the Cause a Lambda error document?" })
    .when(
      Condition.or(...LAMBDA_CAUSE_PATTERNS.map((p) => Condition.compare(`${FAILURE}.Cause`, "StringMatches", p))),
      readLambdaCause,
    )
    .when(Condition.compare(`${FAILURE}.Cause`, "StringMatches", LAMBDA_CAUSE_START), unreadableCause)
    .otherwise(plainCause);
  // A Choice rule on a path that is absent fails the execution: presence is asked first, in a state of its own.
  return new Choice(N.checkFailureCause, { comment: "Does the caught error carry a Cause?" })
    .when(Condition.isPresent(`${FAILURE}.Cause`), causeShape)
    .otherwise(noCauseGiven);
}
