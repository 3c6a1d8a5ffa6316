/**
 * A problem of the settings and how it is told: the key as its source names it, what is wrong, and a valid example
 * written the way that source sets it (`pulumi config set …` or a YAML line).
 */
import YAML from "yaml";
import { PipelineError } from "../../functions/core/errors";
import { exampleFor } from "./examples";
import type { ConfigProblem, PathSegment } from "./paths";
import type { SettingKey } from "./settings";

/** Keys whose value is never shown in a message, at the top or inside a feed's `notify`. */
const SECRET_KEYS: ReadonlySet<string> = new Set<SettingKey>(["slackWebhookUrl"]);

/** Whether a key path names a secret (`slackWebhookUrl`, `feeds[0].notify.slackWebhookUrl`). */
export function isSecretPath(path: readonly PathSegment[]): boolean {
  return path.some((segment) => SECRET_KEYS.has(String(segment)));
}

export type { ConfigProblem, PathSegment } from "./paths";

/** Where settings come from: a stack (`<project>:<key>`, set with `pulumi config set`) or a local YAML/JSON file. */
export type SettingsSource = { kind: "stack"; project: string } | { kind: "file"; path: string };

/** Invalid settings: one message naming every bad key, what is wrong, and a valid example. */
export class ConfigError extends PipelineError {
  constructor(
    message: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super("ConfigError", message, options);
  }
}

/** `notifyPolicy.quietHours.extraDates[0]` */
export function keyPath(path: readonly PathSegment[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** The first scalar inside a value, with its path (for `pulumi config set --path`). */
function firstLeaf(path: PathSegment[], value: unknown): { path: PathSegment[]; value: unknown } {
  if (Array.isArray(value) && value.length > 0) return firstLeaf([...path, 0], value[0]);
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const [first] = Object.entries(value);
    if (first) return firstLeaf([...path, first[0]], first[1]);
  }
  return { path, value };
}

function shellWord(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** How the example is set: `pulumi config set …` for a stack, a YAML line for a file. */
export function renderExample(source: SettingsSource, example: ConfigProblem["example"]): string {
  const [key, ...rest] = example.path;
  if (source.kind === "file") {
    let value = example.value;
    for (const segment of [...rest].reverse()) value = typeof segment === "number" ? [value] : { [segment]: value };
    return `${key}: ${YAML.stringify(value, { collectionStyle: "flow", defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN", lineWidth: 0 }).trim()}`;
  }
  const leaf = firstLeaf(example.path, example.value);
  const full = `${source.project}:${keyPath(leaf.path)}`;
  const secret = isSecretPath(leaf.path) ? "--secret " : "";
  if (leaf.path.length === 1) return `pulumi config set ${secret}${full} ${shellWord(leaf.value)}`;
  return `pulumi config set ${secret}--path '${full}' ${shellWord(leaf.value)}`;
}

/** One line per problem: the key as the source names it, what is wrong, and an example. */
export function formatProblem(source: SettingsSource, problem: ConfigProblem): string {
  const key = keyPath(problem.path);
  const name = source.kind === "stack" ? `${source.project}:${key}` : key;
  return `${name} ${problem.message}. Example: ${renderExample(source, problem.example)}`;
}

/** Throws one {@link ConfigError} listing every problem, if there is any. */
export function throwIfProblems(source: SettingsSource, problems: readonly ConfigProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => formatProblem(source, p));
  const count = `${lines.length} problem${lines.length > 1 ? "s" : ""}`;
  const head =
    source.kind === "stack" ? `Invalid stack configuration (${count})` : `config file ${source.path} (${count})`;
  throw new ConfigError(`${head}:\n  - ${lines.join("\n  - ")}`, lines);
}

/** A problem at `path` with an example chosen for it. */
export function problemAt(path: PathSegment[], message: string, example = exampleFor(path)): ConfigProblem {
  return { path, message, example };
}

export function describeInput(value: unknown): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? ` (got ${JSON.stringify(value)})`
    : "";
}
