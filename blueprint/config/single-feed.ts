/**
 * The single-feed keys (`inputPrefix`, `rowSchemaPath` or `rowSchema`): a stack without `feeds` describes its one
 * feed, `default`, with them. They are read as a one-item feed list, so a stack's feeds are checked one way; only
 * the keys that problems name differ.
 */
import { DEFAULT_FEED } from "../../functions/contract";
import { feedExampleFor } from "./examples";
import { type ConfigProblem, type PathSegment, problemAt } from "./problems";
import type { Settings } from "./settings";

/** The single-feed keys and the feed key that replaces each. */
const SINGLE_FEED_KEYS = { inputPrefix: "prefix", rowSchemaPath: "schema", rowSchema: "schema" } as const;

/**
 * With `feeds`, each feed sets its own prefix and schema: a single-feed key beside them is a problem naming it (of
 * the keys the source reads: a local file reports the others as unknown).
 */
export function singleFeedKeyProblems(
  input: Readonly<Record<string, unknown>>,
  keys: readonly string[],
): ConfigProblem[] {
  return Object.entries(SINGLE_FEED_KEYS)
    .filter(([key]) => keys.includes(key) && input[key] !== undefined)
    .map(([key, field]) =>
      problemAt(
        [key],
        `is set together with feeds, where each feed sets its own ${field}; remove ${key}`,
        feedExampleFor(["feeds", 0, field]),
      ),
    );
}

/** The one feed that the single-feed keys describe, and the keys that name its prefix and schema in messages. */
export interface SingleFeed {
  /** An entry as `feeds` holds one; unset parts are the single-feed keys that are not valid (reported already). */
  entry: { name: string; prefix?: string; schema?: string | Record<string, unknown> };
  /** The key a problem of the feed's field is reported at (`prefix` → `inputPrefix`, `schema` → `rowSchemaPath`). */
  keyOf: (field: "prefix" | "schema") => PathSegment[];
  problems: ConfigProblem[];
}

/**
 * Reads the single-feed keys as the entry of a one-item feed list. The schema is a file (`rowSchemaPath`) or inline
 * (`rowSchema`), never both, and one of them is required.
 *
 * @param values the settings as {@link parseSettings} read them (a key that is not valid is absent and was reported)
 * @example singleFeed({ inputPrefix: "incoming/", rowSchemaPath: "s.yaml", rowSchema: undefined }).entry
 * // { name: "default", prefix: "incoming/", schema: "s.yaml" }
 */
export function singleFeed(values: Partial<Pick<Settings, "inputPrefix" | "rowSchema" | "rowSchemaPath">>): SingleFeed {
  const schemaKey =
    values.rowSchemaPath === undefined && values.rowSchema !== undefined ? "rowSchema" : "rowSchemaPath";
  const keyOf = (field: "prefix" | "schema"): PathSegment[] => [field === "prefix" ? "inputPrefix" : schemaKey];
  const entry: SingleFeed["entry"] = { name: DEFAULT_FEED, prefix: values.inputPrefix };
  // Which schema key is set is only known when both keys are valid; parseSettings reported either one that is not.
  if (!("rowSchema" in values && "rowSchemaPath" in values)) return { entry, keyOf, problems: [] };
  const { rowSchema, rowSchemaPath } = values;
  if (rowSchema !== undefined && rowSchemaPath !== undefined) {
    return { entry, keyOf, problems: [problemAt(["rowSchema"], "and rowSchemaPath are both set; keep one")] };
  }
  if (rowSchema === undefined && rowSchemaPath === undefined) {
    return {
      entry,
      keyOf,
      problems: [problemAt(["rowSchemaPath"], "is missing: give a schema file (or an inline rowSchema object)")],
    };
  }
  return { entry: { ...entry, schema: rowSchemaPath ?? rowSchema }, keyOf, problems: [] };
}
