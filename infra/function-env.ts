/**
 * The row-outcome environment of each function: where its outputs go and how it writes them. The Pulumi program sets
 * these on the deployed functions and the local runner on its handlers, from this one place, so the two never
 * differ. Free of `@pulumi/*`, so the local runner can use it without loading the Pulumi SDK.
 */
import { ENV, type OutcomeSettings } from "../functions/contract";
import type { MessageLocale } from "../functions/core/csv/validation-messages";
import type { FunctionKey } from "./functions";

/**
 * Each function's row-outcome variables (read by `functions/core/outcomes/settings.ts`): process-chunk writes the
 * parts (in the notices' language), aggregate-results composes them and writes the manifest, and the check links the
 * rejected folder. split-csv writes no outcome.
 *
 * @param locale the notices' language (`notifyPolicy.locale`): `errors.csv` speaks it too
 * @example outcomeEnvironment(DEFAULT_OUTCOME_SETTINGS, "ja").checkErrors // { REJECTED_PREFIX: "rejected/" }
 */
export function outcomeEnvironment(
  outputs: OutcomeSettings,
  locale: MessageLocale,
): Record<FunctionKey, Record<string, string>> {
  const prefixes = {
    [ENV.processedPrefix]: outputs.processedPrefix,
    [ENV.rejectedPrefix]: outputs.rejectedPrefix,
  };
  const writing = {
    [ENV.outputProcessed]: String(outputs.processed),
    [ENV.outputBom]: String(outputs.bom),
  };
  return {
    splitCsv: {},
    processChunk: { ...prefixes, ...writing, [ENV.outputLocale]: locale },
    aggregateResults: {
      ...prefixes,
      [ENV.resultsPrefix]: outputs.resultsPrefix,
      ...writing,
      [ENV.outputLocale]: locale,
    },
    checkErrors: { [ENV.rejectedPrefix]: outputs.rejectedPrefix },
  };
}

/**
 * Every function's row-outcome variables in one set, for a process where the handlers of all functions run (the
 * local runner): the values are the same for every function that reads a variable.
 */
export function mergedOutcomeEnvironment(outputs: OutcomeSettings, locale: MessageLocale): Record<string, string> {
  return Object.assign({}, ...Object.values(outcomeEnvironment(outputs, locale)));
}
