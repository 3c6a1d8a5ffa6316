/** Reading a row schema named in the settings: a file (relative to a folder) or an inline object, checked. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseSchema } from "../../functions/core/csv/schema";
import { type ConfigProblem, type PathSegment, problemAt } from "./problems";
import type { SettingKey } from "./settings";

/** The row schema of a stack: inline (`rowSchema`) or a file (`rowSchemaPath`, relative to `projectDir`), never both. */
export function readRowSchema(
  project: string,
  inline: Record<string, unknown> | undefined,
  schemaPath: string | undefined,
  projectDir: string,
): { json: string; source: string; problems: ConfigProblem[] } {
  const none = { json: "", source: "" };
  if (inline !== undefined && schemaPath !== undefined) {
    return { ...none, problems: [problemAt(["rowSchema"], "and rowSchemaPath are both set; keep one")] };
  }
  if (inline === undefined && schemaPath === undefined) {
    return {
      ...none,
      problems: [problemAt(["rowSchemaPath"], "is missing: give a schema file (or an inline rowSchema object)")],
    };
  }
  const key: SettingKey = schemaPath !== undefined ? "rowSchemaPath" : "rowSchema";
  const source = schemaPath ?? `${project}:rowSchema`;
  let text: string;
  if (schemaPath !== undefined) {
    try {
      text = readFileSync(resolve(projectDir, schemaPath), "utf8");
    } catch {
      return { ...none, problems: [problemAt([key], `names a file that cannot be read (${schemaPath})`)] };
    }
  } else text = JSON.stringify(inline);
  try {
    return { json: JSON.stringify(parseSchema(text, source)), source, problems: [] };
  } catch (err) {
    return { ...none, problems: [problemAt([key], `is not a valid row schema: ${(err as Error).message}`)] };
  }
}

/**
 * Reads and checks the row schema of feed `index`: a file (relative to `baseDir`) or an inline object. Problems name
 * `feeds[<index>].schema`.
 *
 * @param inlineSource how messages name an inline schema (`csv-pipeline:feeds[1].schema`)
 * @returns the schema as written (`text`), as validated JSON, the file's absolute path, and where it came from
 */
export function readFeedSchema(
  index: number,
  schema: string | Record<string, unknown>,
  baseDir: string,
  inlineSource: string,
): { text: string; json: string; path?: string; source: string; problems: ConfigProblem[] } {
  const key: PathSegment[] = ["feeds", index, "schema"];
  const path = typeof schema === "string" ? resolve(baseDir, schema) : undefined;
  const source = typeof schema === "string" ? schema : inlineSource;
  let text: string;
  if (path !== undefined) {
    try {
      text = readFileSync(path, "utf8");
    } catch {
      return {
        text: "",
        json: "",
        path,
        source,
        problems: [problemAt(key, `names a file that cannot be read (${path})`)],
      };
    }
  } else text = JSON.stringify(schema);
  try {
    return { text, json: JSON.stringify(parseSchema(text, source)), path, source, problems: [] };
  } catch (err) {
    return {
      text,
      json: "",
      path,
      source,
      problems: [problemAt(key, `is not a valid row schema: ${(err as Error).message}`)],
    };
  }
}
