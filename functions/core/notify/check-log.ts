import { LOG_FIELDS } from "../../contract";
import type { Logger } from "../log";
import type { RunStorePort } from "./ports";

/**
 * The fields of the check's closing log line ("check finished", or "… every notification channel failed"), so that
 * a run counts once however often Step Functions retries the check. The first attempt to log it for the execution
 * (claimed in the runs table) logs the run's `severity`, which the log metric filter counts (CRITICAL) and the
 * dashboard's runs-by-severity table groups by; a later attempt logs the same line without it, marked
 * `retriedCheck: true`. When the claim cannot be read the line keeps its severity: a run counted twice is better
 * than a CRITICAL run not counted.
 */
export async function runLineFields(
  executionName: string,
  fields: Record<string, unknown>,
  now: Date,
  deps: { store: Pick<RunStorePort, "claimRunLine">; log: Logger },
): Promise<Record<string, unknown>> {
  let first: boolean;
  try {
    first = await deps.store.claimRunLine(executionName, now);
  } catch (err) {
    deps.log.warn("run line not claimed: its severity may be counted again on a retry", { executionName, error: err });
    return fields;
  }
  if (first) return fields;
  const { [LOG_FIELDS.severity]: _counted, ...rest } = fields;
  return { ...rest, retriedCheck: true };
}
