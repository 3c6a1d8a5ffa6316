import { parseDocument } from "yaml";
import * as z from "zod";
import { SEVERITIES } from "../../contract";
import { InputError } from "../errors";
import { columnUnique, crossCheckDataset, datasetSection, resolveColumnUnique } from "./dataset-schema";

/** Column types a row schema may use. */
export const COLUMN_TYPES = ["string", "integer", "decimal", "date", "datetime", "email", "enum"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** Encodings a row schema may ask for (`auto` decides from the BOM and the bytes of a prefix). */
export const SCHEMA_ENCODINGS = ["auto", "utf-8", "shift_jis"] as const;
export type SchemaEncoding = (typeof SCHEMA_ENCODINGS)[number];

const oneOf = (values: readonly string[]) => `expected one of ${values.join(", ")}`;

const column = z.preprocess(
  resolveColumnUnique,
  z.strictObject({
    name: z.string({ error: "expected a column name (text)" }).trim().min(1, { error: "must not be empty" }),
    type: z.enum(COLUMN_TYPES, { error: oneOf(COLUMN_TYPES) }),
    required: z.boolean({ error: "expected true or false" }).default(false),
    severity: z.enum(SEVERITIES, { error: oneOf(SEVERITIES) }).default("MEDIUM"),
    sensitive: z.boolean({ error: "expected true or false" }).default(false),
    pattern: z.string({ error: "expected a regular expression (text)" }).optional(),
    minLength: z.int({ error: "expected a whole number" }).min(0, { error: "must be 0 or more" }).optional(),
    maxLength: z.int({ error: "expected a whole number" }).min(0, { error: "must be 0 or more" }).optional(),
    min: z.number({ error: "expected a number" }).optional(),
    max: z.number({ error: "expected a number" }).optional(),
    values: z
      .array(z.union([z.string(), z.number()], { error: "expected text or a number" }).transform(String), {
        error: "expected a list of allowed values",
      })
      .min(1, { error: "must list at least one value" })
      .optional(),
    /** Each value appears once in the whole file (empty values aside); see `dataset-schema.ts`. */
    unique: columnUnique.optional(),
  }),
);

const rowSchemaFile = z.strictObject({
  encoding: z.enum(SCHEMA_ENCODINGS, { error: oneOf(SCHEMA_ENCODINGS) }).default("auto"),
  header: z
    .literal("required", { error: 'expected "required" (the first line of the file names the columns)' })
    .default("required"),
  columns: z.array(column, { error: "expected a list of columns" }).min(1, { error: "must list at least one column" }),
  dataset: datasetSection.optional(),
});

interface CrossIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Checks that relate several keys of a column (runs on the raw data, so they are reported together with the
 * shape problems instead of after they are fixed).
 */
function crossCheck(data: unknown): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const columns = (data as { columns?: unknown })?.columns;
  if (!Array.isArray(columns)) return issues;
  const seen = new Map<string, number>();
  columns.forEach((raw, i) => {
    if (raw === null || typeof raw !== "object") return;
    const col = raw as Record<string, unknown>;
    const at = (key: string) => ["columns", i, key];
    const type =
      typeof col.type === "string" && (COLUMN_TYPES as readonly string[]).includes(col.type) ? col.type : null;
    if (typeof col.name === "string" && col.name.trim() !== "") {
      const name = col.name.trim();
      const first = seen.get(name);
      if (first !== undefined)
        issues.push({ path: at("name"), message: `duplicate column name (also columns[${first}])` });
      else seen.set(name, i);
    }
    const onlyFor = (key: string, types: readonly ColumnType[]) => {
      if (col[key] !== undefined && type !== null && !types.includes(type as ColumnType)) {
        issues.push({ path: at(key), message: `only applies to type ${types.join(" or ")}` });
      }
    };
    onlyFor("pattern", ["string"]);
    onlyFor("minLength", ["string"]);
    onlyFor("maxLength", ["string"]);
    onlyFor("min", ["integer", "decimal"]);
    onlyFor("max", ["integer", "decimal"]);
    onlyFor("values", ["enum"]);
    if (type === "enum" && col.values === undefined) {
      issues.push({ path: at("values"), message: "required for type enum (list the allowed values)" });
    }
    if (typeof col.pattern === "string") {
      try {
        new RegExp(col.pattern);
      } catch (err) {
        issues.push({ path: at("pattern"), message: `invalid regular expression: ${(err as Error).message}` });
      }
    }
    if (typeof col.min === "number" && typeof col.max === "number" && col.min > col.max) {
      issues.push({ path: at("max"), message: `must be ≥ min (${col.min})` });
    }
    if (typeof col.minLength === "number" && typeof col.maxLength === "number" && col.minLength > col.maxLength) {
      issues.push({ path: at("maxLength"), message: `must be ≥ minLength (${col.minLength})` });
    }
  });
  const names = new Set(
    columns.flatMap((raw) => {
      const name = (raw as { name?: unknown } | null)?.name;
      return typeof name === "string" && name.trim() !== "" ? [name.trim()] : [];
    }),
  );
  issues.push(...crossCheckDataset(data, names));
  return issues;
}

/** A validated row schema (defaults filled in). Plain data: it can be serialised to JSON and read back. */
export type RowSchema = z.output<typeof rowSchemaFile>;
/** One column of a row schema. */
export type ColumnSpec = RowSchema["columns"][number];

/** Renders a zod path as `columns[2].type`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key; remove it or check its spelling`);
  }
  if (issue.code === "invalid_type" && issue.input === undefined && issue.expected !== "undefined") {
    return [`${formatPath(issue.path)}: is required`];
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

/**
 * Alias expansions a schema may make (the yaml library's `maxAliasCount`, its default made explicit): a schema has no
 * need of more, and an alias bomb ("billion laughs": aliases of aliases, each level multiplying the last) is
 * refused before it is expanded.
 */
export const MAX_ALIAS_COUNT = 100;

/** The schema document as plain data; an alias bomb or another failure to build it is an `InputError` naming the file. */
function schemaData(doc: ReturnType<typeof parseDocument>, sourceName: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const reason = (err as Error).message;
    if (/alias/i.test(reason)) {
      throw new InputError(
        `Row schema ${sourceName} expands its YAML aliases (*name) more than ${MAX_ALIAS_COUNT} times (the YAML reader's maxAliasCount), as an alias bomb does; write the columns out without anchors (&name) and aliases, or with fewer of them.`,
        { cause: err },
      );
    }
    throw new InputError(`Row schema ${sourceName} cannot be read as YAML or JSON: ${reason}`, { cause: err });
  }
}

/**
 * Parses and validates a row schema file (YAML or JSON — JSON is read as YAML). Every problem is reported at once,
 * each with its path, in one `InputError` whose message names the file.
 *
 * @example
 * const schema = parseSchema(readFileSync("samples/orders.schema.yaml", "utf8"), "samples/orders.schema.yaml");
 */
export function parseSchema(text: string, sourceName: string): RowSchema {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : "";
      return `  ${where}${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`;
    });
    throw new InputError(`Row schema ${sourceName} is not valid YAML or JSON:\n${lines.join("\n")}`);
  }
  const data = schemaData(doc, sourceName);
  if (data === null || data === undefined) {
    throw new InputError(
      `Row schema ${sourceName} is empty: it must define "columns" (see samples/orders.schema.yaml).`,
    );
  }
  const result = rowSchemaFile.safeParse(data, { reportInput: true });
  const problems = result.success ? [] : result.error.issues.flatMap(describeIssue);
  for (const issue of crossCheck(data)) problems.push(`${formatPath(issue.path)}: ${issue.message}`);
  if (!result.success || problems.length > 0) {
    const lines = problems.map((l) => `  ${l}`);
    throw new InputError(
      `Row schema ${sourceName} has ${lines.length} problem${lines.length === 1 ? "" : "s"}:\n${lines.join("\n")}`,
    );
  }
  return result.data as RowSchema;
}
