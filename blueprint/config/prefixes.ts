/**
 * Where uploads and outputs go in the bucket: an input prefix (`inputPrefix`, a feed's `prefix`) and the `outputs`
 * setting, whose folders must be apart from one another and from the program's own objects.
 */
import * as z from "zod";
import { DEFAULT_OUTCOME_SETTINGS, type OutcomeSettings, PREFIXES, WORK_PREFIX } from "../../functions/contract";
import { OUTPUT_PREFIX, PREFIX, RULES } from "./rules";
import { flag, fromJsonText } from "./text-values";

/** The output prefixes of `outputs`, in the order problems about them are reported. */
export const OUTPUT_PREFIX_KEYS = ["processedPrefix", "rejectedPrefix", "resultsPrefix"] as const;

/**
 * An input prefix (`inputPrefix`, a feed's `prefix`): a folder, not the bucket root, apart from `_config/` and from
 * `_work/` (a run's intermediate objects: never an upload).
 */
export function validInputPrefix(prefix: string): boolean {
  return prefix !== "" && PREFIX.test(prefix) && !overlaps(prefix, PREFIXES.config) && !overlaps(prefix, WORK_PREFIX);
}

const outputPrefix = (fallback: string) =>
  z.string({ error: RULES.outputPrefix }).regex(OUTPUT_PREFIX, { error: RULES.outputPrefix }).default(fallback);

/** Whether one prefix is inside (or the same as) the other: objects under the inner one are under both. */
export function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** How prefix `a` relates to an overlapping prefix `b`, for a message. */
export function relation(a: string, b: string): string {
  return a === b ? "is the same as" : a.startsWith(b) ? "is inside" : "contains";
}

/**
 * Problems of `outputs` prefixes with each other and with the config prefix: each must be its own folder, apart
 * from the others (a composed `rows.csv` must never be taken for a part, a part never for a manifest) and from the
 * objects the program uploads.
 */
function outputPrefixIssues(outputs: OutcomeSettings, ctx: z.RefinementCtx): void {
  // A prefix that is not a folder is reported on its own: compared with the others it would only repeat that.
  const folders = OUTPUT_PREFIX_KEYS.filter((key) => OUTPUT_PREFIX.test(outputs[key]));
  folders.forEach((key, i) => {
    const prefix = outputs[key];
    for (const other of folders.slice(0, i)) {
      if (overlaps(prefix, outputs[other]))
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `${relation(prefix, outputs[other])} outputs.${other} ("${outputs[other]}"); give each output its own folder`,
        });
    }
    if (overlaps(prefix, PREFIXES.config))
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `${relation(prefix, PREFIXES.config)} the folder of the program's own objects ("${PREFIXES.config}", the row schema)`,
      });
    // Objects under `_work/` expire after days, not with the outputs.
    if (overlaps(prefix, WORK_PREFIX))
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `${relation(prefix, WORK_PREFIX)} the folder of the runs' intermediate objects ("${WORK_PREFIX}", expired after days)`,
      });
  });
}

/** `outputs`: which row outcomes are written, and where. */
export const outputsField = z
  .preprocess(
    (value) => (value === undefined ? {} : fromJsonText(value)),
    z.strictObject(
      {
        processed: flag(DEFAULT_OUTCOME_SETTINGS.processed),
        bom: flag(DEFAULT_OUTCOME_SETTINGS.bom),
        processedPrefix: outputPrefix(DEFAULT_OUTCOME_SETTINGS.processedPrefix),
        rejectedPrefix: outputPrefix(DEFAULT_OUTCOME_SETTINGS.rejectedPrefix),
        resultsPrefix: outputPrefix(DEFAULT_OUTCOME_SETTINGS.resultsPrefix),
      },
      {
        error: (issue) =>
          issue.code === "unrecognized_keys"
            ? "is not a known output setting (processed, bom, processedPrefix, rejectedPrefix, resultsPrefix)"
            : RULES.object,
      },
    ),
  )
  .superRefine((outputs: OutcomeSettings, ctx) => outputPrefixIssues(outputs, ctx));
