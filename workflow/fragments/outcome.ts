/**
 * RunOutcome: row errors are data, so the run succeeds. A rejected file, a failed step (the aggregation too: its
 * rejected files and manifest are missing) or missing chunks fail the execution (after the check has reported
 * them), so its status and the ExecutionsFailed alarm tell the truth.
 */
import { STATE_NAMES as N } from "../../functions/contract";
import { Choice, Condition } from "../states/choice";
import { Fail } from "../states/fail";
import { Succeed } from "../states/succeed";
import { PATHS } from "./layout";

/** Builds RunOutcome; `checkAfterAggregation` tells the patterns apart (sequential: true). */
export function runOutcome(checkAfterAggregation: boolean): Choice {
  const runFailedPath = checkAfterAggregation ? `${PATHS.check}.runFailed` : `${PATHS.results}.check.runFailed`;
  const outcome = new Choice(N.runOutcome, { comment: "Fail the execution when the run failed" });
  if (!checkAfterAggregation) {
    // The check ran beside the aggregation and could not report its failure (the sequential check does, and fails
    // the run through runFailed): the branch's AggregationFailed result fails the run here, first, since this Cause
    // is the only place that says so. A successful aggregation's result has no `failed` field.
    const aggregationFailed = `${PATHS.results}.aggregate.failed`;
    outcome.when(
      Condition.and(Condition.isPresent(aggregationFailed), Condition.booleanEquals(aggregationFailed, true)),
      new Fail(N.rowOutcomesMissing, {
        error: "RunFailed",
        cause:
          "The row outcome files (rows.csv and errors.csv in the rejected folder, the run manifest) could not be written: AggregateResults failed after its retries. The error check ran beside it and did not report this",
      }),
    );
  }
  return outcome
    .when(
      Condition.booleanEquals(runFailedPath, true),
      new Fail(N.runFailed, {
        error: "RunFailed",
        cause: "The file was rejected, a step failed or chunks are missing; the error check reported it",
      }),
    )
    .otherwise(new Succeed(N.done));
}
