/** Reads settings key by key, so that one bad key never hides another. */
import { EXAMPLES } from "./examples";
import { type ConfigProblem, describeInput, isSecretPath, type PathSegment, problemAt } from "./problems";
import { type SettingKey, type Settings, settingsSchema } from "./settings";
import { valueAt } from "./text-values";

/**
 * Validates the given keys of `input` (missing keys take their defaults) and returns what is valid and every problem.
 * Each key is checked on its own, so one bad key never hides another.
 */
export function parseSettings<K extends SettingKey>(
  input: Readonly<Record<string, unknown>>,
  keys: readonly K[],
): { values: Partial<Pick<Settings, K>>; problems: ConfigProblem[] } {
  const values: Partial<Pick<Settings, K>> = {};
  const problems: ConfigProblem[] = [];
  for (const key of keys) {
    const result = settingsSchema.shape[key].safeParse(input[key]);
    if (result.success) {
      values[key] = result.data as Settings[K];
      continue;
    }
    for (const issue of result.error.issues) {
      const path: PathSegment[] = [key, ...(issue.path as PathSegment[])];
      if (issue.code === "unrecognized_keys") {
        for (const extra of issue.keys) problems.push(problemAt([...path, extra], issue.message));
        continue;
      }
      const unknownKey = issue.code === "custom" && issue.params?.unknownKey === true;
      const shown = isSecretPath(path) || unknownKey ? "" : describeInput(valueAt(input, path));
      problems.push(problemAt(path, `${issue.message}${shown}`));
    }
  }
  return { values, problems };
}

/** Reports an unknown top-level key of a file, naming the keys it may set. */
export function unknownKeyProblems(input: Readonly<Record<string, unknown>>, keys: readonly string[]): ConfigProblem[] {
  return Object.keys(input)
    .filter((k) => !keys.includes(k))
    .map((k) =>
      problemAt([k], `is not a setting here (the settings: ${keys.join(", ")})`, {
        path: [keys[0]],
        value: EXAMPLES[keys[0] as SettingKey],
      }),
    );
}
