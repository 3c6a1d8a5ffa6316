/**
 * How a setting's value is read from either source: a stack holds every value as text (objects and lists as JSON
 * text), a local YAML/JSON file holds values. Both are read the same way.
 */
import * as z from "zod";
import type { PathSegment } from "./paths";
import { RULES } from "./rules";

/** Numbers come as text from a stack and as numbers from a YAML file: both are read as numbers. */
export function fromNumberText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  return text !== "" && Number.isFinite(Number(text)) ? Number(text) : value;
}

/** Objects and lists come as JSON text from a stack and as values from a YAML file: both are read as values. */
export function fromJsonText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function wholeNumber(
  min: number,
  max: number,
  fallback: number,
  rule = `must be a whole number from ${min} to ${max}`,
) {
  return z
    .preprocess(fromNumberText, z.int({ error: rule }).min(min, { error: rule }).max(max, { error: rule }))
    .default(fallback);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Booleans come as text from a stack (`pulumi config set --path …outputs.bom false`) and as values from a file. */
export function fromBooleanText(value: unknown): unknown {
  return value === "true" ? true : value === "false" ? false : value;
}

export const flag = (fallback: boolean) =>
  z.preprocess(fromBooleanText, z.boolean({ error: RULES.boolean })).default(fallback);

/** The value at `path` inside a value, reading JSON text on the way (a stack's objects are text). */
export function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let here = value;
  for (const segment of path) {
    here = fromJsonText(here);
    if (typeof here !== "object" || here === null) return undefined;
    here = (here as Record<PathSegment, unknown>)[segment];
  }
  return here;
}
