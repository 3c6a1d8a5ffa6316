import * as z from "zod";
import { SEVERITIES, type Severity } from "../../contract";

/**
 * The row schema's rules about the file as a whole, beside its column rules: uniqueness across every chunk
 * (`unique: true` on a column, compound keys in `dataset.unique`), the row count, the share of rows with a value
 * (`completeness`) and the comparison with the feed's earlier runs (`history`).
 *
 * Every rule comes out of `parseSchema` in one resolved form that reads back unchanged (the schema travels as JSON
 * from the stack to the Lambdas and is parsed again there): a column's `unique: true` becomes
 * `{ severity }`, the column's own `severity` if the schema set one, else HIGH; a compound key `[a, b]` becomes
 * `{ columns: [a, b], severity: HIGH }`.
 */

/** The severity of a broken dataset rule, and of a duplicate, when the schema does not say. */
export const DATASET_DEFAULT_SEVERITY: Severity = "HIGH";
/** Earlier runs the history rules need before they apply. */
export const HISTORY_DEFAULT_MIN_RUNS = 3;
/** Earlier runs the history rules compare with. */
export const HISTORY_DEFAULT_WINDOW = 10;
/** The most earlier runs a history rule may read (one bounded Query of the runs table). */
export const HISTORY_MAX_WINDOW = 100;

const oneOf = (values: readonly string[]) => `expected one of ${values.join(", ")}`;
const severity = z.enum(SEVERITIES, { error: oneOf(SEVERITIES) }).default(DATASET_DEFAULT_SEVERITY);
const columnName = z.string({ error: "expected a column name (text)" }).trim().min(1, { error: "must not be empty" });
const ratio = z.number({ error: "expected a number" }).positive({ error: "must be greater than 0" });

/** A column's `unique`: `true`, or `{ severity }`. Resolved by `resolveColumnUnique` before this runs. */
export const columnUnique = z.strictObject({ severity }, { error: "expected true, false or { severity }" });

const compoundKey = z.union(
  [
    z.array(columnName).min(1, { error: "must name at least one column" }),
    z.strictObject({ columns: z.array(columnName).min(1, { error: "must name at least one column" }), severity }),
  ],
  { error: "expected a list of column names, or { columns: [...], severity }" },
);

const rowCount = z
  .strictObject({
    min: z.int({ error: "expected a whole number" }).min(0, { error: "must be 0 or more" }).optional(),
    max: z.int({ error: "expected a whole number" }).min(0, { error: "must be 0 or more" }).optional(),
    severity,
  })
  .refine((r) => r.min !== undefined || r.max !== undefined, { error: "set min, max or both" })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    error: "min must not be greater than max",
  });

const completeness = z.strictObject({
  min: z
    .number({ error: "expected a share between 0 and 1" })
    .min(0, { error: "must be between 0 and 1" })
    .max(1, { error: "must be between 0 and 1" }),
  severity,
});

const history = z.strictObject({
  window: z
    .int({ error: "expected a whole number" })
    .min(1, { error: "must be 1 or more" })
    .max(HISTORY_MAX_WINDOW, { error: `must be ${HISTORY_MAX_WINDOW} or less` })
    .default(HISTORY_DEFAULT_WINDOW),
  minRuns: z
    .int({ error: "expected a whole number" })
    .min(1, { error: "must be 1 or more" })
    .default(HISTORY_DEFAULT_MIN_RUNS),
  rowCount: z
    .strictObject({ minRatio: ratio.optional(), maxRatio: ratio.optional(), severity })
    .refine((r) => r.minRatio !== undefined || r.maxRatio !== undefined, { error: "set minRatio, maxRatio or both" })
    .refine((r) => r.minRatio === undefined || r.maxRatio === undefined || r.minRatio <= r.maxRatio, {
      error: "minRatio must not be greater than maxRatio",
    })
    .optional(),
  errorRate: z.strictObject({ maxRatio: ratio, severity }).optional(),
});

export const datasetSection = z.strictObject({
  unique: z
    .array(compoundKey, { error: "expected a list of keys, each a list of column names" })
    .transform((keys) => keys.map((k) => (Array.isArray(k) ? { columns: k, severity: DATASET_DEFAULT_SEVERITY } : k)))
    .optional(),
  rowCount: rowCount.optional(),
  completeness: z
    .record(z.string(), completeness, { error: "expected one entry per column: { min, severity }" })
    .optional(),
  history: history.optional(),
});

/** The `dataset` section of a validated row schema. */
export type DatasetRules = z.output<typeof datasetSection>;

/**
 * Resolves a column's `unique: true` to `{ severity }` on the raw data (before validation), taking the column's own
 * `severity` when the schema set one, so that the choice survives the default the column schema fills in.
 */
export function resolveColumnUnique(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const col = raw as Record<string, unknown>;
  if (col.unique === true) return { ...col, unique: { severity: col.severity ?? DATASET_DEFAULT_SEVERITY } };
  if (col.unique === false) {
    const { unique: _, ...rest } = col;
    return rest;
  }
  return raw;
}

interface DatasetIssue {
  path: (string | number)[];
  message: string;
}

/** Dataset rules that name columns must name columns of the schema; a compound key names each column once. */
export function crossCheckDataset(data: unknown, columnNames: ReadonlySet<string>): DatasetIssue[] {
  const issues: DatasetIssue[] = [];
  const dataset = (data as { dataset?: unknown })?.dataset;
  if (dataset === null || typeof dataset !== "object") return issues;
  const known = [...columnNames].join(", ");
  const unknown = (path: (string | number)[], name: string) =>
    issues.push({ path, message: `unknown column "${name}"; the schema's columns are ${known}` });
  const { unique, completeness } = dataset as { unique?: unknown; completeness?: unknown };
  if (Array.isArray(unique)) {
    unique.forEach((key, i) => {
      const names = Array.isArray(key) ? key : (key as { columns?: unknown })?.columns;
      if (!Array.isArray(names)) return;
      const seen = new Set<string>();
      names.forEach((name, j) => {
        if (typeof name !== "string") return;
        const at = Array.isArray(key) ? ["dataset", "unique", i, j] : ["dataset", "unique", i, "columns", j];
        if (!columnNames.has(name.trim())) unknown(at, name);
        else if (seen.has(name.trim())) issues.push({ path: at, message: `names "${name}" twice in one key` });
        seen.add(name.trim());
      });
    });
  }
  if (completeness !== null && typeof completeness === "object" && !Array.isArray(completeness)) {
    for (const name of Object.keys(completeness)) {
      if (!columnNames.has(name)) unknown(["dataset", "completeness", name], name);
    }
  }
  return issues;
}

/** One key whose values must be unique across the whole file: its columns, its name in messages, its severity. */
export interface UniqueKey {
  /** `order_id`, or `email+ordered_at` for a compound key. */
  name: string;
  columns: string[];
  severity: Severity;
}

/**
 * Every unique key of a schema, the columns' own first (in column order), then `dataset.unique`; a key listed
 * twice (a column marked unique and listed alone) is kept once, with the first listing's severity.
 */
export function uniqueKeysOf(schema: {
  columns: readonly { name: string; unique?: { severity: Severity } }[];
  dataset?: DatasetRules;
}): UniqueKey[] {
  const keys: UniqueKey[] = [];
  const seen = new Set<string>();
  const add = (columns: string[], sev: Severity) => {
    const name = columns.join("+");
    if (seen.has(name)) return;
    seen.add(name);
    keys.push({ name, columns, severity: sev });
  };
  for (const col of schema.columns) if (col.unique) add([col.name], col.unique.severity);
  for (const key of schema.dataset?.unique ?? []) add(key.columns, key.severity);
  return keys;
}
