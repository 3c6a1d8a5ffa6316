import type { JsonValue } from "./types";

/** What kind of path a field takes. */
export interface PathRules {
  /** `$$.`-rooted context object paths are accepted (Parameters-like templates, ItemsPath, Choice variables). */
  context?: boolean;
  /** Only a reference path: plain `.name`, `['name']` and `[n]` steps, no wildcards, filters or slices (ResultPath). */
  reference?: boolean;
}

const INTRINSICS = new Set([
  "States.Format",
  "States.StringToJson",
  "States.JsonToString",
  "States.Array",
  "States.ArrayPartition",
  "States.ArrayContains",
  "States.ArrayRange",
  "States.ArrayGetItem",
  "States.ArrayLength",
  "States.ArrayUnique",
  "States.Base64Encode",
  "States.Base64Decode",
  "States.Hash",
  "States.JsonMerge",
  "States.MathRandom",
  "States.MathAdd",
  "States.StringSplit",
  "States.UUID",
]);

const NAME_CHAR = /[^.[\]\s()'",]/u;

/**
 * Checks the syntax of one JSONPath. Returns a description of the problem, or `undefined` when the path is valid.
 * @example checkPath("$.split.chunks") // undefined
 * @example checkPath("split.chunks")   // "must start with '$' …"
 */
export function checkPath(path: string, rules: PathRules = {}): string | undefined {
  if (path.length === 0) return "is empty; use '$' for the whole input";
  let i: number;
  if (path.startsWith("$$")) {
    if (!rules.context)
      return `'${path}' reads the context object ('$$'), which is not allowed here; use a '$'-rooted path`;
    i = 2;
  } else if (path.startsWith("$")) {
    i = 1;
  } else {
    return `'${path}' must start with '$' (input) or '$$.' (context object), e.g. '$.${path}'`;
  }
  while (i < path.length) {
    const c = path[i];
    if (c === ".") {
      if (path[i + 1] === ".") {
        if (rules.reference) return `'${path}' uses '..' (deep scan), which a reference path cannot; name each step`;
        i += 1;
      }
      i += 1;
      if (path[i] === "*") {
        if (rules.reference) return `'${path}' uses a wildcard, which a reference path cannot`;
        i += 1;
        continue;
      }
      const start = i;
      while (i < path.length && NAME_CHAR.test(path[i])) i += 1;
      if (i === start) return `'${path}' has an empty step at position ${start}; write '.name' or '['name']'`;
      continue;
    }
    if (c === "[") {
      const close = findClose(path, i);
      if (close < 0) return `'${path}' has an unclosed '[' at position ${i}`;
      const inner = path.slice(i + 1, close).trim();
      const quoted = /^'(?:[^'\\]|\\.)*'$|^"(?:[^"\\]|\\.)*"$/.test(inner);
      const index = /^\d+$/.test(inner);
      if (!quoted && !index) {
        if (rules.reference)
          return `'${path}' uses '[${inner}]', which a reference path cannot; use '[n]' or '['name']'`;
        const ok =
          inner === "*" ||
          /^-?\d*:-?\d*(:-?\d+)?$/.test(inner) ||
          /^-?\d+(\s*,\s*-?\d+)+$/.test(inner) ||
          /^\?\(.+\)$/.test(inner);
        if (!ok) return `'${path}' has an invalid subscript '[${inner}]'`;
      }
      i = close + 1;
      continue;
    }
    return `'${path}' has an unexpected '${c}' at position ${i}; steps are '.name' or '[…]'`;
  }
  return undefined;
}

function findClose(path: string, open: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let i = open; i < path.length; i++) {
    const c = path[i];
    if (quote) {
      if (c === "\\") i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth += 1;
    else if (c === "]") {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Checks an intrinsic function call such as `States.Format('{} rows', $.rows)`: a known function name, balanced
 * parentheses, terminated string literals, and valid paths as arguments. Returns the problem or `undefined`.
 */
export function checkIntrinsic(expr: string): string | undefined {
  const m = /^(States\.[A-Za-z0-9]+)\(([\s\S]*)\)$/.exec(expr.trim());
  if (!m) return `'${expr}' is not an intrinsic call; write 'States.Name(args)'`;
  if (!INTRINSICS.has(m[1])) return `'${m[1]}' is not an intrinsic function (known: ${[...INTRINSICS].join(", ")})`;
  const args = splitArgs(m[2]);
  if (typeof args === "string") return `'${expr}': ${args}`;
  for (const arg of args) {
    if (arg === "") {
      if (args.length === 1) continue;
      return `'${expr}' has an empty argument`;
    }
    if (arg.startsWith("'")) continue;
    if (/^-?\d+(\.\d+)?$/.test(arg) || arg === "null" || arg === "true" || arg === "false") continue;
    if (arg.startsWith("States.")) {
      const p = checkIntrinsic(arg);
      if (p) return p;
      continue;
    }
    const p = checkPath(arg, { context: true });
    if (p) return `argument ${p}`;
  }
  return undefined;
}

function splitArgs(text: string): string[] | string {
  const args: string[] = [];
  let depth = 0;
  let inString = false;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      current += c;
      if (c === "\\") {
        current += text[i + 1] ?? "";
        i += 1;
      } else if (c === "'") inString = false;
      continue;
    }
    if (c === "'") inString = true;
    else if (c === "(") depth += 1;
    else if (c === ")") {
      depth -= 1;
      if (depth < 0) return "unbalanced ')'";
    } else if (c === "," && depth === 0) {
      args.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  if (inString) return "unterminated string literal (quote with ', escape as \\')";
  if (depth !== 0) return "unbalanced '('";
  args.push(current.trim());
  return args;
}

/**
 * Walks a payload template (Parameters, ItemSelector, ResultSelector, …) and returns every problem: a `.$` key whose
 * value is not a valid path or intrinsic call, and a plain key whose string value looks like a path (a missing `.$`).
 * `where` prefixes each message (e.g. `Parameters`).
 */
export function checkPayloadTemplate(
  template: JsonValue | undefined,
  where: string,
  rules: PathRules = { context: true },
): string[] {
  const problems: string[] = [];
  const walk = (value: JsonValue | undefined, at: string) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, `${at}[${i}]`);
      });
      return;
    }
    if (value === null || typeof value !== "object") return;
    for (const [key, v] of Object.entries(value)) {
      const here = `${at}.${key}`;
      if (key.endsWith(".$")) {
        if (typeof v !== "string") {
          problems.push(`${here} must be a path or intrinsic string, got ${JSON.stringify(v)}`);
          continue;
        }
        const p = v.startsWith("States.") ? checkIntrinsic(v) : checkPath(v, rules);
        if (p) problems.push(`${here} ${p}`);
      } else if (typeof v === "string" && /^\$\$?(\.|\[|$)/.test(v)) {
        problems.push(`${here} is the literal '${v}', which looks like a path; name the key '${key}.$' to read it`);
      } else {
        walk(v, here);
      }
    }
  };
  walk(template, where);
  return problems;
}
