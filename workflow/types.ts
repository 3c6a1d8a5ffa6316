import { ERROR_NAMES } from "../functions/contract";

/** A JSON value as it appears in a rendered state machine definition. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One rendered state (the value under its name in `States`). */
export type StateJson = JsonObject & { Type: string };

/** A rendered state machine (or a Parallel branch / Map processor body). */
export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, StateJson>;
  TimeoutSeconds?: number;
}

/** The error name that matches every error in Retry and Catch. */
export const STATES_ALL = ERROR_NAMES.all;

/** Longest state name Step Functions accepts. */
export const MAX_STATE_NAME_LENGTH = 80;

/** Copies the keys of `fields` whose value is not `undefined` (so `0`, `false` and `null` are kept). */
export function defined(fields: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}
