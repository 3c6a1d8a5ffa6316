/** An upload prefix against the output folders: neither may be inside the other. */
import type { OutcomeSettings } from "../../functions/contract";
import { OUTPUT_PREFIX_KEYS, overlaps, relation } from "./prefixes";
import { type ConfigProblem, problemAt } from "./problems";

/**
 * Problems of the output prefixes with the input prefix: an output inside the input prefix would start a run of its
 * own (a composed `rows.csv` is a `.csv` file), and an input prefix inside an output folder would take outputs for
 * uploads. Each problem names the output's key.
 *
 * @example outputPrefixProblems("incoming/", { ...DEFAULT_OUTCOME_SETTINGS, rejectedPrefix: "incoming/rejected/" })
 * // [outputs.rejectedPrefix is inside inputPrefix ("incoming/") …]
 * @param inputKey how a message names the input prefix (a feed's is `feeds[1].prefix`)
 */
export function outputPrefixProblems(
  inputPrefix: string,
  outputs: OutcomeSettings,
  inputKey = "inputPrefix",
): ConfigProblem[] {
  return OUTPUT_PREFIX_KEYS.filter((key) => overlaps(outputs[key], inputPrefix)).map((key) => {
    const why = outputs[key].startsWith(inputPrefix)
      ? "a .csv written there (such as rows.csv) would start a new run"
      : "uploads would land among this output's files";
    return problemAt(
      ["outputs", key],
      `${relation(outputs[key], inputPrefix)} ${inputKey} ("${inputPrefix}"): ${why}; keep outputs and uploads in separate folders`,
    );
  });
}
