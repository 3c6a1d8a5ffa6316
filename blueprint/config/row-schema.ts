/** Reading a row schema named in the settings: a file (relative to a folder) or an inline object, checked. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseSchema } from "../../functions/core/csv/schema";
import { type ConfigProblem, type PathSegment, problemAt } from "./problems";

/** A row schema as read: as written, as validated JSON, the file it came from, and what went wrong. */
export interface RowSchemaRead {
  /** The schema as written: the file's text, or the inline schema as JSON. */
  text: string;
  /** The schema as validated JSON text ("" when it does not validate). */
  json: string;
  /** The file's absolute path; unset when the schema is inline. */
  path?: string;
  /** Where the schema came from: the path as configured, or how messages name an inline schema. */
  source: string;
  problems: ConfigProblem[];
}

/** Where a row schema is named in the settings, and how to read it. */
export interface RowSchemaPlace {
  /** The key problems are reported at (`feeds[1].schema`, `rowSchemaPath`). */
  key: PathSegment[];
  /** The folder a schema file's path is relative to. */
  baseDir: string;
  /** How messages name an inline schema (`csv-pipeline:feeds[1].schema`). */
  inlineSource: string;
  /** Whether a message shows a file's path as configured (a stack's `rowSchemaPath`) rather than resolved. */
  showGivenPath?: boolean;
}

/**
 * Reads and checks a row schema: a file (a path relative to `place.baseDir`) or an inline object. Problems name
 * `place.key`.
 *
 * @example readRowSchema("schemas/orders.yaml", { key: ["feeds", 0, "schema"], baseDir, inlineSource }).json
 */
export function readRowSchema(schema: string | Record<string, unknown>, place: RowSchemaPlace): RowSchemaRead {
  const path = typeof schema === "string" ? resolve(place.baseDir, schema) : undefined;
  const source = typeof schema === "string" ? schema : place.inlineSource;
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
        problems: [problemAt(place.key, `names a file that cannot be read (${place.showGivenPath ? source : path})`)],
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
      problems: [problemAt(place.key, `is not a valid row schema: ${(err as Error).message}`)],
    };
  }
}
