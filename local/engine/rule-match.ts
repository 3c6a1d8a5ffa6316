/**
 * Which uploads start a run in a local stack: the "Object Created" event of the object is matched against each
 * feed's rule pattern as the deployed stack's EventBridge rules match it (blueprint/start-rule `startRulePattern`).
 * Only what those patterns use is evaluated — exact values, nested fields and `wildcard`; any other operator throws,
 * so a rule that starts using one fails here before it can silently start too much or too little.
 */
import { startRulePattern } from "../../blueprint/start-rule";
import type { Json } from "./invoke";

/** An EventBridge `wildcard` as a regular expression: `*` any run of characters, `\*` and `\\` themselves. */
function wildcard(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const next = pattern[i + 1];
    if (ch === "\\" && (next === "*" || next === "\\")) {
      source += `\\${next}`;
      i++;
    } else if (ch === "*") source += "[\\s\\S]*";
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** Whether one matcher of a field's list accepts a value. */
function matcherAccepts(matcher: unknown, value: Json): boolean {
  if (matcher === null || typeof matcher !== "object") return matcher === value;
  const m = matcher as Record<string, unknown>;
  if (Object.keys(m).length === 1 && typeof m.wildcard === "string")
    return typeof value === "string" && wildcard(m.wildcard).test(value);
  throw new Error(`the local start rule does not evaluate the matcher ${JSON.stringify(matcher)}`);
}

/** Whether `event` matches an EventBridge pattern (every field; a field's list: any of its matchers). */
export function patternMatches(pattern: Record<string, unknown>, event: Json): boolean {
  if (event === null || typeof event !== "object" || Array.isArray(event)) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    if (!Object.hasOwn(event, field)) return false;
    const actual = event[field];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return expected.some((m) => values.some((v) => matcherAccepts(m, v)));
    }
    return patternMatches(expected as Record<string, unknown>, actual);
  });
}

/** The feed whose upload rule matches `event`, if any (feeds' prefixes do not overlap: at most one does). */
export function matchingFeed<F extends { name: string; prefix: string }>(
  feeds: readonly F[],
  bucket: string,
  event: Json,
): F | undefined {
  return feeds.find((feed) => patternMatches(startRulePattern(bucket, feed.prefix), event));
}
