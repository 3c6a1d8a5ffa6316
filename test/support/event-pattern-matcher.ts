/**
 * A matcher of EventBridge event patterns for exactly the operators the pipeline's rules use: exact values, nested
 * objects, and `wildcard` (`*` = any run of characters, `\*` and `\\` literal). Any other operator throws, so a rule
 * that starts using one fails its tests until this matcher learns it.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function wildcardRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i];
    if (ch === "\\" && (pattern[i + 1] === "*" || pattern[i + 1] === "\\")) {
      source += `\\${pattern[i + 1]}`;
      i += 1;
    } else if (ch === "*") source += "[\\s\\S]*";
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function matchesValue(matcher: Json, value: Json): boolean {
  if (matcher === null || typeof matcher !== "object") return matcher === value;
  const operators = Object.keys(matcher);
  if (
    operators.length === 1 &&
    operators[0] === "wildcard" &&
    typeof (matcher as { wildcard: Json }).wildcard === "string"
  ) {
    return typeof value === "string" && wildcardRegExp((matcher as { wildcard: string }).wildcard).test(value);
  }
  throw new Error(`operator ${JSON.stringify(matcher)} is not supported by this matcher`);
}

/** Whether `event` matches the EventBridge `pattern` (each field: one of its matchers; every field: AND). */
export function matchesEventPattern(pattern: Record<string, Json>, event: Record<string, Json>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    if (!(field in event)) return false;
    const actual = event[field];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return expected.some((m) => values.some((v) => matchesValue(m, v)));
    }
    if (expected === null || typeof expected !== "object")
      throw new Error(`pattern field ${field} must be an array or an object`);
    return (
      actual !== null &&
      typeof actual === "object" &&
      !Array.isArray(actual) &&
      matchesEventPattern(expected as Record<string, Json>, actual as Record<string, Json>)
    );
  });
}
