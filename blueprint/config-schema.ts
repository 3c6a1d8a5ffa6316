/**
 * The pipeline's settings: one schema for a Pulumi stack's config (`csv-pipeline:<key>`, read by `infra/config.ts`)
 * and for the local runner's `--config` file (`<key>`, read by `local/cli/config.ts`). Both get the same defaults, the
 * same limits and the same messages; only how a key and an example are written differs between the two.
 * Free of `@pulumi/*`, so the local runner can use it without loading the Pulumi SDK.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import YAML from "yaml";
import * as z from "zod";
import {
  DEFAULT_OUTCOME_SETTINGS,
  DEFAULT_PIPELINE_NAME,
  FEED_NAME_PATTERN,
  MAX_FEEDS,
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
  type OutcomeSettings,
  PREFIXES,
} from "../functions/contract";
import { parseSchema } from "../functions/core/csv/schema";
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_ROWS } from "../functions/core/csv/settings";
import { PipelineError } from "../functions/core/errors";
import {
  DEFAULT_NOTIFY_POLICY,
  type NotifyPolicy,
  PolicyError,
  parseNotifyPolicy,
} from "../functions/core/notify/policy";
import { PIPELINE_PATTERNS } from "../workflow/pipeline";
import { ARRIVAL_EXAMPLE, type ArrivalRule, arrivalField } from "./arrival";

/** Retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Alarm thresholds (the original design: ErrorCount Sum > 10 in 300 s). */
export interface AlarmThresholds {
  /** ErrorCount Sum over one period above this pages on-call. */
  errorCount: number;
  /** CriticalErrorCount Sum at or above this pages on-call. */
  criticalErrorCount: number;
  /** Alarm period in seconds (multiple of 60). */
  periodSeconds: number;
}

/** Smallest and largest chunk size in bytes. */
export const CHUNK_BYTES_LIMITS = { min: 1024, max: 256 * 1024 * 1024 } as const;

/**
 * The pipeline name begins every resource name (the stack and a function's or table's name follow it): short, so the
 * names stay within Lambda's and IAM's 64 characters, and lower-case, as S3 requires.
 */
const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const PREFIX = /^([A-Za-z0-9!_.*'()-]+\/)*$/;
/**
 * An output prefix: one or more folders, each ending in "/". No `*`: IAM reads it in a grant's resource as a wildcard
 * (there is no escape), which would widen the functions' write grants beyond the folder.
 */
const OUTPUT_PREFIX = /^([A-Za-z0-9!_.'()-]+\/)+$/;

/** The output prefixes of `outputs`, in the order problems about them are reported. */
const OUTPUT_PREFIX_KEYS = ["processedPrefix", "rejectedPrefix", "resultsPrefix"] as const;

const RULES = {
  pipelineName:
    "must be 3–32 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen",
  pattern: `must be one of ${PIPELINE_PATTERNS.join(", ")}`,
  inputPrefix: `must end with "/" and not be under ${PREFIXES.config} (nor be the bucket root, where the outputs are written)`,
  outputPrefix: `must be folders of letters, digits or !_.'()- each ending with "/" (no "*")`,
  boolean: "must be true or false",
  email: "must be an e-mail address",
  emailTo: "must be a list of e-mail addresses",
  slackMissing: "is missing (a secret)",
  slackUrl: "must be an https:// incoming-webhook URL (value not shown)",
  topicArn: "must be an SNS topic ARN",
  logRetention: `must be one CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")})`,
  object: "must be an object",
  feedName: "must be 1–24 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen",
  feedSchema: "must be a schema file path or an inline row schema object",
  feeds: "must be a list of feeds, each with a name, prefix and schema",
} as const;

/** The keys a feed may set, and the keys of its `notify`. */
const FEED_KEYS = ["name", "prefix", "schema", "notify", "alarms", "arrival"] as const;
const FEED_NOTIFY_KEYS = ["slackWebhookUrl", "emailTo", "onCallEmail", "notifyPolicy"] as const;

/** Numbers come as text from a stack and as numbers from a YAML file: both are read as numbers. */
function fromNumberText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  return text !== "" && Number.isFinite(Number(text)) ? Number(text) : value;
}

/** Objects and lists come as JSON text from a stack and as values from a YAML file: both are read as values. */
function fromJsonText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function wholeNumber(
  min: number,
  max: number,
  fallback: number,
  rule = `must be a whole number from ${min} to ${max}`,
) {
  return z
    .preprocess(fromNumberText, z.int({ error: rule }).min(min, { error: rule }).max(max, { error: rule }))
    .default(fallback);
}

const email = z.email({ error: RULES.email });

/**
 * Most addresses one `emailTo` list may hold: the check sends each notice as one SES SendEmail, which takes at most
 * 50 recipients (To, CC and BCC together). Each address also adds SES identities to the check's role policy, whose
 * inline policies may hold 10,240 characters in all; `iam.ts` refuses a policy past that limit.
 */
export const MAX_EMAIL_RECIPIENTS = 50;

/** A list of e-mail addresses that one SendEmail can reach. */
const emailList = z.array(email, { error: RULES.emailTo }).max(MAX_EMAIL_RECIPIENTS, {
  error: (issue) =>
    `lists ${(issue.input as unknown[]).length} addresses: SES SendEmail takes at most ${MAX_EMAIL_RECIPIENTS} recipients (use a mailing list address for more)`,
});

/** One problem of a notification policy, as a path inside the policy. */
interface PolicyIssue {
  path: PathSegment[];
  message: string;
  /** A key the policy does not know (its value is not shown). */
  unknownKey: boolean;
}

/** The problems of a {@link PolicyError}, each at its path inside the policy (unknown keys one by one). */
function policyIssues(err: PolicyError): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  for (const problem of err.problems) {
    const at = problem.indexOf(": ");
    const where = problem.slice(0, at);
    const path = where === "(root)" ? [] : where.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const message = problem.slice(at + 2);
    const unknown = /^Unrecognized keys?: (.*)$/.exec(message);
    if (unknown) {
      for (const key of unknown[1].split(", ")) {
        issues.push({ path: [...path, JSON.parse(key)], message: "is not a known setting", unknownKey: true });
      }
    } else issues.push({ path, message, unknownKey: false });
  }
  return issues;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const policyField = z.preprocess(fromJsonText, z.unknown()).transform((value, ctx): NotifyPolicy => {
  if (value === undefined) return parseNotifyPolicy({});
  if (!isObject(value)) {
    ctx.addIssue({ code: "custom", message: RULES.object });
    return z.NEVER;
  }
  try {
    return parseNotifyPolicy(value);
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    for (const issue of policyIssues(err)) {
      ctx.addIssue({
        code: "custom",
        path: issue.path,
        message: issue.message,
        ...(issue.unknownKey ? { params: { unknownKey: true } } : {}),
      });
    }
    return z.NEVER;
  }
});

const alarmRule = {
  errorCount: "must be a whole number ≥ 0",
  criticalErrorCount: "must be a whole number ≥ 1",
  periodSeconds: "must be a multiple of 60 seconds, from 60 to 86400",
};
const alarmsField = z.preprocess(
  (value) => (value === undefined ? {} : fromJsonText(value)),
  z.strictObject(
    {
      errorCount: z.int({ error: alarmRule.errorCount }).min(0, { error: alarmRule.errorCount }).default(10),
      criticalErrorCount: z
        .int({ error: alarmRule.criticalErrorCount })
        .min(1, { error: alarmRule.criticalErrorCount })
        .default(1),
      periodSeconds: z
        .int({ error: alarmRule.periodSeconds })
        .min(60, { error: alarmRule.periodSeconds })
        .max(86_400, { error: alarmRule.periodSeconds })
        .multipleOf(60, { error: alarmRule.periodSeconds })
        .default(300),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? "is not a known threshold (errorCount, criticalErrorCount, periodSeconds)"
          : RULES.object,
    },
  ),
);

/** Booleans come as text from a stack (`pulumi config set --path …outputs.bom false`) and as values from a file. */
function fromBooleanText(value: unknown): unknown {
  return value === "true" ? true : value === "false" ? false : value;
}

/** An input prefix (`inputPrefix`, a feed's `prefix`): a folder, not the bucket root, apart from `_config/`. */
function validInputPrefix(prefix: string): boolean {
  return prefix !== "" && PREFIX.test(prefix) && !overlaps(prefix, PREFIXES.config);
}

const outputPrefix = (fallback: string) =>
  z.string({ error: RULES.outputPrefix }).regex(OUTPUT_PREFIX, { error: RULES.outputPrefix }).default(fallback);
const flag = (fallback: boolean) =>
  z.preprocess(fromBooleanText, z.boolean({ error: RULES.boolean })).default(fallback);

/** Whether one prefix is inside (or the same as) the other: objects under the inner one are under both. */
function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** How prefix `a` relates to an overlapping prefix `b`, for a message. */
function relation(a: string, b: string): string {
  return a === b ? "is the same as" : a.startsWith(b) ? "is inside" : "contains";
}

/**
 * Problems of `outputs` prefixes with each other and with the config prefix: each must be its own folder, apart
 * from the others (a composed `rows.csv` must never be taken for a part, a part never for a manifest) and from the
 * objects the program uploads.
 */
function outputPrefixIssues(outputs: OutcomeSettings, ctx: z.RefinementCtx): void {
  // A prefix that is not a folder is reported on its own: compared with the others it would only repeat that.
  const folders = OUTPUT_PREFIX_KEYS.filter((key) => OUTPUT_PREFIX.test(outputs[key]));
  folders.forEach((key, i) => {
    const prefix = outputs[key];
    for (const other of folders.slice(0, i)) {
      if (overlaps(prefix, outputs[other]))
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `${relation(prefix, outputs[other])} outputs.${other} ("${outputs[other]}"); give each output its own folder`,
        });
    }
    if (overlaps(prefix, PREFIXES.config))
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `${relation(prefix, PREFIXES.config)} the folder of the program's own objects ("${PREFIXES.config}", the row schema)`,
      });
  });
}

const outputsField = z
  .preprocess(
    (value) => (value === undefined ? {} : fromJsonText(value)),
    z.strictObject(
      {
        processed: flag(DEFAULT_OUTCOME_SETTINGS.processed),
        bom: flag(DEFAULT_OUTCOME_SETTINGS.bom),
        processedPrefix: outputPrefix(DEFAULT_OUTCOME_SETTINGS.processedPrefix),
        rejectedPrefix: outputPrefix(DEFAULT_OUTCOME_SETTINGS.rejectedPrefix),
        resultsPrefix: outputPrefix(DEFAULT_OUTCOME_SETTINGS.resultsPrefix),
      },
      {
        error: (issue) =>
          issue.code === "unrecognized_keys"
            ? "is not a known output setting (processed, bom, processedPrefix, rejectedPrefix, resultsPrefix)"
            : RULES.object,
      },
    ),
  )
  .superRefine((outputs: OutcomeSettings, ctx) => outputPrefixIssues(outputs, ctx));

const HTTPS_URL = /^https:\/\/\S+$/;

const feedNotify = z.strictObject(
  {
    slackWebhookUrl: z.string({ error: RULES.slackUrl }).regex(HTTPS_URL, { error: RULES.slackUrl }).optional(),
    emailTo: emailList.optional(),
    onCallEmail: email.optional(),
    notifyPolicy: z.record(z.string(), z.unknown(), { error: RULES.object }).optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `is not a known notify setting (${FEED_NOTIFY_KEYS.join(", ")})`
        : RULES.object,
  },
);

const feedEntry = z.strictObject(
  {
    name: z
      .string({ error: (issue) => (issue.input === undefined ? "is missing" : RULES.feedName) })
      .regex(FEED_NAME_PATTERN, { error: RULES.feedName }),
    prefix: z
      .string({ error: (issue) => (issue.input === undefined ? "is missing" : RULES.inputPrefix) })
      .refine(validInputPrefix, { error: RULES.inputPrefix }),
    schema: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
      error: (issue) => (issue.input === undefined ? `is missing: ${RULES.feedSchema}` : RULES.feedSchema),
    }),
    notify: feedNotify.optional(),
    alarms: alarmsField.optional(),
    arrival: arrivalField.optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `is not a known feed setting (${FEED_KEYS.join(", ")})` : RULES.object,
  },
);

// The number of feeds and their names and prefixes across the list are checked by feedListProblems, so that a bad
// entry never hides them.
const feedsField = z.preprocess(fromJsonText, z.array(feedEntry, { error: RULES.feeds })).optional();

/** Every setting, its default and its rule. A stack reads all of them; a local file reads {@link LOCAL_KEYS}. */
export const SETTINGS_FIELDS = {
  pipelineName: z
    .string({ error: RULES.pipelineName })
    .regex(NAME, { error: RULES.pipelineName })
    .default(DEFAULT_PIPELINE_NAME),
  pattern: z.enum(PIPELINE_PATTERNS, { error: RULES.pattern }).default("sequential"),
  inputPrefix: z
    .string({ error: RULES.inputPrefix })
    .refine((p) => p !== "" && PREFIX.test(p) && !overlaps(p, PREFIXES.config), { error: RULES.inputPrefix })
    .default(PREFIXES.input),
  outputs: outputsField,
  rowSchema: z
    .preprocess(fromJsonText, z.record(z.string(), z.unknown(), { error: "must be a row schema object" }))
    .optional(),
  rowSchemaPath: z.string().optional(),
  feeds: feedsField,
  chunkRows: wholeNumber(1, 1_000_000, DEFAULT_CHUNK_ROWS),
  chunkBytes: wholeNumber(
    CHUNK_BYTES_LIMITS.min,
    CHUNK_BYTES_LIMITS.max,
    DEFAULT_CHUNK_BYTES,
    `must be a whole number of bytes from ${CHUNK_BYTES_LIMITS.min} (1 KiB) to ${CHUNK_BYTES_LIMITS.max} (256 MiB)`,
  ),
  mapConcurrency: wholeNumber(1, 10_000, 100),
  toleratedFailurePercentage: wholeNumber(0, 100, 0),
  slackWebhookUrl: z
    .string({ error: (issue) => (issue.input === undefined ? RULES.slackMissing : RULES.slackUrl) })
    .regex(/^https:\/\/\S+$/, { error: RULES.slackUrl }),
  emailFrom: email.optional(),
  emailTo: z.preprocess(fromJsonText, emailList).default([]),
  onCallEmail: email.optional(),
  onCallTopicArn: z.string({ error: RULES.topicArn }).regex(TOPIC_ARN, { error: RULES.topicArn }).optional(),
  notifyPolicy: policyField,
  alarms: alarmsField,
  arrival: arrivalField.optional(),
  errorRetentionDays: wholeNumber(1, 3650, 30),
  logRetentionDays: z
    .preprocess(
      fromNumberText,
      z
        .number({ error: RULES.logRetention })
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), { error: RULES.logRetention }),
    )
    .default(30),
};

/** The schema of every setting (a stack's view). */
export const settingsSchema = z.object(SETTINGS_FIELDS);
export type Settings = z.output<typeof settingsSchema>;
export type SettingKey = keyof typeof SETTINGS_FIELDS;

/** Every key a stack reads (documented in Pulumi.dev.yaml). */
export const STACK_KEYS = Object.keys(SETTINGS_FIELDS) as SettingKey[];

/** Keys a local `--config` file may set: the ones that change a local run. */
export const LOCAL_KEYS = [
  "pipelineName",
  "chunkRows",
  "chunkBytes",
  "errorRetentionDays",
  "mapConcurrency",
  "emailFrom",
  "emailTo",
  "onCallEmail",
  "notifyPolicy",
  "outputs",
  "arrival",
  "feeds",
] as const satisfies readonly SettingKey[];
export type LocalKey = (typeof LOCAL_KEYS)[number];

/** Keys whose value is never shown in a message, at the top or inside a feed's `notify`. */
const SECRET_KEYS: ReadonlySet<string> = new Set<SettingKey>(["slackWebhookUrl"]);

/** Whether a key path names a secret (`slackWebhookUrl`, `feeds[0].notify.slackWebhookUrl`). */
function isSecretPath(path: readonly PathSegment[]): boolean {
  return path.some((segment) => SECRET_KEYS.has(String(segment)));
}

/** A valid feed with every key it may set, for examples beside a problem inside a feed. */
const FEED_EXAMPLE = {
  name: "orders",
  prefix: "incoming/orders/",
  schema: "schemas/orders.schema.yaml",
  notify: {
    emailTo: ["orders-team@example.com"],
    slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
    onCallEmail: "orders-oncall@example.com",
    notifyPolicy: { locale: "en" },
  },
  alarms: { errorCount: 10, criticalErrorCount: 1, periodSeconds: 300 },
};
/** The keys every feed sets. */
const FEED_SHORT_EXAMPLE = { name: FEED_EXAMPLE.name, prefix: FEED_EXAMPLE.prefix, schema: FEED_EXAMPLE.schema };

/** A valid value per key, shown beside a problem with that key. */
const EXAMPLES: Record<SettingKey, unknown> = {
  pipelineName: "orders-pipeline",
  pattern: "parallel",
  inputPrefix: "incoming/",
  outputs: {
    processed: true,
    bom: true,
    processedPrefix: PREFIXES.processed,
    rejectedPrefix: PREFIXES.rejected,
    resultsPrefix: PREFIXES.results,
  },
  rowSchema: { columns: [{ name: "order_id", type: "string" }] },
  rowSchemaPath: "samples/orders.schema.yaml",
  feeds: [FEED_SHORT_EXAMPLE],
  chunkRows: DEFAULT_CHUNK_ROWS,
  chunkBytes: DEFAULT_CHUNK_BYTES,
  mapConcurrency: 100,
  toleratedFailurePercentage: 0,
  slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
  emailFrom: "alerts@example.com",
  emailTo: ["ops@example.com"],
  onCallEmail: "oncall@example.com",
  onCallTopicArn: "arn:aws:sns:ap-northeast-1:123456789012:pagerduty",
  notifyPolicy: { locale: "en" },
  alarms: { errorCount: 10, criticalErrorCount: 1, periodSeconds: 300 },
  arrival: ARRIVAL_EXAMPLE,
  errorRetentionDays: 30,
  logRetentionDays: 30,
};

/** Which keys configure each notification channel. */
export const CHANNEL_KEYS: Record<NotificationChannel, readonly SettingKey[]> = {
  slack: ["slackWebhookUrl"],
  email: ["emailFrom", "emailTo"],
  sns: ["onCallEmail"],
};

export type PathSegment = string | number;

/** One invalid setting: where, what is wrong, and a valid value for a place nearby. */
export interface ConfigProblem {
  path: PathSegment[];
  message: string;
  example: { path: PathSegment[]; value: unknown };
}

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

function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let here = value;
  for (const segment of path) {
    here = fromJsonText(here);
    if (typeof here !== "object" || here === null) return undefined;
    here = (here as Record<PathSegment, unknown>)[segment];
  }
  return here;
}

/** An example for a key inside feed `path[1]`: the nearest key of {@link FEED_EXAMPLE} (or the policy's default). */
function feedExampleFor(path: PathSegment[]): ConfigProblem["example"] {
  const [, index] = path;
  if (typeof index !== "number") return { path: ["feeds"], value: EXAMPLES.feeds };
  const named = path.slice(2).filter((p): p is string => typeof p === "string");
  if (named[0] === "notify" && named[1] === "notifyPolicy" && named.length > 2) {
    const fallback = valueAt(DEFAULT_NOTIFY_POLICY, named.slice(2));
    if (fallback !== undefined) return { path: ["feeds", index, ...named], value: fallback };
  }
  for (let n = named.length; n > 0; n--) {
    const value = valueAt(FEED_EXAMPLE, named.slice(0, n));
    if (value === undefined) continue;
    // Beside an unknown key of `notify` or `alarms`: one known key of it, not all of them.
    const first = n < named.length && isObject(value) ? Object.entries(value)[0] : undefined;
    if (first) return { path: ["feeds", index, ...named.slice(0, n), first[0]], value: first[1] };
    return { path: ["feeds", index, ...named.slice(0, n)], value };
  }
  return { path: ["feeds", index], value: FEED_SHORT_EXAMPLE };
}

function exampleFor(path: PathSegment[]): ConfigProblem["example"] {
  const key = path[0] as SettingKey;
  if (key === "feeds") return feedExampleFor(path);
  const named = path.filter((p): p is string => typeof p === "string");
  if (key === "notifyPolicy" && named.length > 1) {
    const fallback = valueAt(DEFAULT_NOTIFY_POLICY, named.slice(1));
    if (fallback !== undefined) return { path: named, value: fallback };
  }
  if ((key === "alarms" || key === "outputs") && named.length > 1) {
    const fallback = valueAt(EXAMPLES[key], named.slice(1));
    if (fallback !== undefined) return { path: named, value: fallback };
  }
  return { path: [key], value: EXAMPLES[key] };
}

/** A problem at `path` with an example chosen for it. */
export function problemAt(path: PathSegment[], message: string, example = exampleFor(path)): ConfigProblem {
  return { path, message, example };
}

function describeInput(value: unknown): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? ` (got ${JSON.stringify(value)})`
    : "";
}

/**
 * Validates the given keys of `input` (missing keys take their defaults) and returns what is valid and every problem.
 * Each key is checked on its own, so one bad key never hides another.
 */
export function parseSettings<K extends SettingKey>(
  input: Readonly<Record<string, unknown>>,
  keys: readonly K[],
): { values: Partial<Pick<Settings, K>>; problems: ConfigProblem[] } {
  const values: Partial<Pick<Settings, K>> = {};
  const problems: ConfigProblem[] = [];
  for (const key of keys) {
    const result = settingsSchema.shape[key].safeParse(input[key]);
    if (result.success) {
      values[key] = result.data as Settings[K];
      continue;
    }
    for (const issue of result.error.issues) {
      const path: PathSegment[] = [key, ...(issue.path as PathSegment[])];
      if (issue.code === "unrecognized_keys") {
        for (const extra of issue.keys) problems.push(problemAt([...path, extra], issue.message));
        continue;
      }
      const unknownKey = issue.code === "custom" && issue.params?.unknownKey === true;
      const shown = isSecretPath(path) || unknownKey ? "" : describeInput(valueAt(input, path));
      problems.push(problemAt(path, `${issue.message}${shown}`));
    }
  }
  return { values, problems };
}

/** Reports an unknown top-level key of a file, naming the keys it may set. */
export function unknownKeyProblems(input: Readonly<Record<string, unknown>>, keys: readonly string[]): ConfigProblem[] {
  return Object.keys(input)
    .filter((k) => !keys.includes(k))
    .map((k) =>
      problemAt([k], `is not a setting here (the settings: ${keys.join(", ")})`, {
        path: [keys[0]],
        value: EXAMPLES[keys[0] as SettingKey],
      }),
    );
}

/** E-mail is on when both `emailFrom` and at least one `emailTo` address are set, and off when neither is. */
export function emailProblems(emailFrom: string | undefined, emailTo: readonly string[]): ConfigProblem[] {
  if (emailFrom !== undefined && emailTo.length === 0) {
    return [problemAt(["emailTo"], "must list at least one address when emailFrom is set (both or neither)")];
  }
  if (emailFrom === undefined && emailTo.length > 0) {
    return [problemAt(["emailFrom"], "must be set together with emailTo (both or neither)")];
  }
  return [];
}

/**
 * Problems of the output prefixes with the input prefix: an output inside the input prefix would start a run of its
 * own (a composed `rows.csv` is a `.csv` file), and an input prefix inside an output folder would take outputs for
 * uploads. Each problem names the output's key.
 *
 * @example outputPrefixProblems("incoming/", { ...DEFAULT_OUTCOME_SETTINGS, rejectedPrefix: "incoming/rejected/" })
 * // [outputs.rejectedPrefix is inside inputPrefix ("incoming/") …]
 * @param inputKey how a message names the input prefix (a feed's is `feeds[1].prefix`)
 */
export function outputPrefixProblems(
  inputPrefix: string,
  outputs: OutcomeSettings,
  inputKey = "inputPrefix",
): ConfigProblem[] {
  return OUTPUT_PREFIX_KEYS.filter((key) => overlaps(outputs[key], inputPrefix)).map((key) => {
    const why = outputs[key].startsWith(inputPrefix)
      ? "a .csv written there (such as rows.csv) would start a new run"
      : "uploads would land among this output's files";
    return problemAt(
      ["outputs", key],
      `${relation(outputs[key], inputPrefix)} ${inputKey} ("${inputPrefix}"): ${why}; keep outputs and uploads in separate folders`,
    );
  });
}

/** The result of fitting a policy to the channels that are configured. */
export interface RoutedPolicy {
  policy: NotifyPolicy;
  /** Unconfigured channels that the default routing used and that were taken out (`notifyPolicy.routing: …`). */
  warnings: string[];
  /** Channels the policy names explicitly although they are not configured. */
  problems: ConfigProblem[];
}

/** Why a channel is not configured, when it is not for want of its stack keys (`feeds[1].notify.emailTo is empty`). */
export type ChannelReasons = Partial<Record<NotificationChannel, string>>;

function notConfigured(channel: NotificationChannel, reasons: ChannelReasons = {}): string {
  const keys = CHANNEL_KEYS[channel];
  return `is not configured (${reasons[channel] ?? `${keys.join(" and ")} ${keys.length > 1 ? "are" : "is"} not set`})`;
}

/**
 * Takes the channels that are not configured out of the policy: from a level's routing when that level was left at
 * its default (a warning), and reports a level or `successNotice` that names one explicitly (a problem naming the
 * key). The policy returned only routes to configured channels, so the check never needs a channel's settings that
 * were never given.
 *
 * @param raw the policy as given (JSON text or an object), to tell explicit routes from defaults
 * @param reasons why a channel is not configured, where its stack keys do not say (a feed's own recipients)
 * @example
 * routeToConfiguredChannels(parseNotifyPolicy({}), {}, { slack: true, sns: true, email: false }).policy.routing.HIGH
 * // ["slack"]
 */
export function routeToConfiguredChannels(
  policy: NotifyPolicy,
  raw: unknown,
  configured: Readonly<Record<NotificationChannel, boolean>>,
  reasons: ChannelReasons = {},
): RoutedPolicy {
  const given = fromJsonText(raw) as { routing?: Record<string, unknown>; successNotice?: unknown } | undefined;
  const routing = { ...policy.routing };
  const dropped = new Map<NotificationChannel, string[]>();
  const problems: ConfigProblem[] = [];
  for (const [level, channels] of Object.entries(policy.routing) as [
    keyof NotifyPolicy["routing"],
    NotificationChannel[],
  ][]) {
    const missing = channels.filter((c) => !configured[c]);
    if (missing.length === 0) continue;
    const kept = channels.filter((c) => configured[c]);
    if (Array.isArray(given?.routing?.[level])) {
      for (const channel of missing) {
        problems.push(
          problemAt(
            ["notifyPolicy", "routing", level],
            `routes to ${channel}, which ${notConfigured(channel, reasons)}`,
            {
              path: ["notifyPolicy", "routing", level],
              value: kept.length > 0 ? kept : NOTIFICATION_CHANNELS.filter((c) => configured[c]).slice(0, 1),
            },
          ),
        );
      }
      continue;
    }
    routing[level] = kept;
    for (const channel of missing) dropped.set(channel, [...(dropped.get(channel) ?? []), level]);
  }
  let successNotice = policy.successNotice;
  if (successNotice && !configured.slack) {
    if (given?.successNotice === true) {
      problems.push(
        problemAt(["notifyPolicy", "successNotice"], `posts to slack, which ${notConfigured("slack", reasons)}`, {
          path: ["notifyPolicy", "successNotice"],
          value: false,
        }),
      );
    } else successNotice = false;
  }
  const warnings = [...dropped].map(
    ([channel, levels]) =>
      `notifyPolicy.routing: ${channel} ${notConfigured(channel, reasons)}; dropped from ${levels.join(", ")}`,
  );
  if (successNotice !== policy.successNotice) {
    warnings.push(`notifyPolicy.successNotice: slack ${notConfigured("slack", reasons)}; the success notice is off`);
  }
  return { policy: { ...policy, routing, successNotice }, warnings, problems };
}

/**
 * Checks the channel settings together — the e-mail pair, then the policy's routes — once each of them is valid on
 * its own, and returns the policy routed to the configured channels (see {@link routeToConfiguredChannels}).
 *
 * @param slack whether a Slack webhook is configured
 */
export function checkChannels(
  values: Partial<Pick<Settings, "emailFrom" | "emailTo" | "onCallEmail" | "notifyPolicy">>,
  rawPolicy: unknown,
  slack: boolean,
): { policy?: NotifyPolicy; warnings: string[]; problems: ConfigProblem[] } {
  const { emailTo, notifyPolicy } = values;
  if (emailTo === undefined || !("emailFrom" in values)) return { policy: notifyPolicy, warnings: [], problems: [] };
  const problems = emailProblems(values.emailFrom, emailTo);
  if (problems.length > 0 || notifyPolicy === undefined || !("onCallEmail" in values)) {
    return { policy: notifyPolicy, warnings: [], problems };
  }
  return routeToConfiguredChannels(notifyPolicy, rawPolicy, {
    slack,
    email: values.emailFrom !== undefined,
    sns: values.onCallEmail !== undefined,
  });
}

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
 * A feed checked together with the rest of the settings: what a stack's and a local run's feed are built from. Its
 * recipients and policy are the stack's where the feed's `notify` says nothing.
 */
export interface ResolvedFeed {
  name: string;
  prefix: string;
  /** The schema as written: the file's text, or the inline schema as JSON. */
  schemaText: string;
  /** The schema as validated JSON text. */
  schemaJson: string;
  /** The schema file's absolute path; unset when the schema is inline. */
  schemaPath?: string;
  /** Where the schema came from: the path as configured, or the config key of an inline schema. */
  schemaSource: string;
  /** The feed's own Slack webhook URL (a secret), when its `notify` sets one. */
  slackWebhookUrl?: string;
  /** Whether the feed posts to Slack (its own webhook or the stack's). */
  slack: boolean;
  emailTo: string[];
  onCallEmail?: string;
  /** Whether `onCallEmail` is the feed's own. */
  ownOnCall: boolean;
  /** The stack's policy with the feed's `notify.notifyPolicy` deep-merged over it, routed to the feed's channels. */
  policy: NotifyPolicy;
  alarms?: AlarmThresholds;
  /** When the feed's file must have arrived: its own `arrival`, else the top-level one. */
  arrival?: ArrivalRule;
}

/** The single-feed keys and the feed key that replaces each. */
const SINGLE_FEED_KEYS = { inputPrefix: "prefix", rowSchemaPath: "schema", rowSchema: "schema" } as const;

/**
 * With `feeds`, each feed sets its own prefix and schema: a single-feed key beside them is a problem naming it (of
 * the keys the source reads: a local file reports the others as unknown).
 */
function singleFeedKeyProblems(input: Readonly<Record<string, unknown>>, keys: readonly string[]): ConfigProblem[] {
  return Object.entries(SINGLE_FEED_KEYS)
    .filter(([key]) => keys.includes(key) && input[key] !== undefined)
    .map(([key, field]) =>
      problemAt(
        [key],
        `is set together with feeds, where each feed sets its own ${field}; remove ${key}`,
        feedExampleFor(["feeds", 0, field]),
      ),
    );
}

/**
 * Problems of the feed list as a whole: how many feeds, a name used twice, a prefix inside (or around) another. It
 * reads the list as given, so that a bad entry hides none of them.
 */
function feedListProblems(list: unknown): ConfigProblem[] {
  if (!Array.isArray(list)) return [];
  const problems: ConfigProblem[] = [];
  if (list.length === 0 || list.length > MAX_FEEDS) {
    problems.push(problemAt(["feeds"], `must list from 1 to ${MAX_FEEDS} feeds (got ${list.length})`));
  }
  const names = new Map<string, number>();
  const prefixes: { index: number; prefix: string }[] = [];
  list.forEach((entry: unknown, i) => {
    if (!isObject(entry)) return;
    const { name, prefix } = entry;
    if (typeof name === "string" && FEED_NAME_PATTERN.test(name)) {
      const first = names.get(name);
      if (first === undefined) names.set(name, i);
      else
        problems.push(
          problemAt(
            ["feeds", i, "name"],
            `is the same as feeds[${first}].name; give each feed its own name (got "${name}")`,
          ),
        );
    }
    if (typeof prefix === "string" && validInputPrefix(prefix)) {
      for (const other of prefixes.filter((p) => overlaps(prefix, p.prefix))) {
        problems.push(
          problemAt(
            ["feeds", i, "prefix"],
            `${relation(prefix, other.prefix)} feeds[${other.index}].prefix ("${other.prefix}"): an upload must belong to one feed; give each feed its own folder (got "${prefix}")`,
          ),
        );
      }
      prefixes.push({ index: i, prefix });
    }
  });
  return problems;
}

/** `over` merged into `base`: objects key by key, anything else (lists included) replaced. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isObject(base) || !isObject(over)) return over;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = deepMerge(base[key], value);
  return merged;
}

/** Moves a problem found in a feed's `notify` (paths from `notifyPolicy`) under `feeds[i].notify`. */
function inFeedNotify(index: number, problem: ConfigProblem): ConfigProblem {
  const at = ["feeds", index, "notify"];
  return {
    path: [...at, ...problem.path],
    message: problem.message,
    example: { path: [...at, ...problem.example.path], value: problem.example.value },
  };
}

/** How {@link resolveFeeds} reads the settings beside the feeds and the feeds' schema files. */
export interface ResolveFeedsOptions {
  /** The keys the source reads ({@link STACK_KEYS} or {@link LOCAL_KEYS}). */
  keys: readonly string[];
  /** The warnings of the stack's own routing: a feed does not repeat them. */
  stackWarnings: readonly string[];
  /** Whether the stack has a Slack webhook. */
  slack: boolean;
  /** The folder a feed's schema path is relative to (the stack's project, or the local file's folder). */
  schemaDir: string;
  /** How messages name an inline schema (`csv-pipeline:feeds[1].schema`). */
  inlineSchemaSource: (index: number) => string;
}

/**
 * Checks `feeds` with the rest of the settings and gives each feed its settings: no single-feed key beside them,
 * 1–{@link MAX_FEEDS} feeds with distinct names and prefixes that do not nest, no output folder inside or around a
 * feed's prefix, a feed's own `emailTo` only with the stack's `emailFrom`, a schema that reads and validates. Each
 * feed's policy is the stack's (as given) with the feed's `notify.notifyPolicy` deep-merged over it, validated, and
 * routed to the feed's channels: Slack (its own webhook or the stack's), e-mail (`emailFrom` and a non-empty
 * `emailTo`, its own or the stack's) and on-call (its own `onCallEmail` or the stack's). Every problem names its key
 * (`feeds[1].notify.emailTo`). Each entry is checked on its own, so one bad feed hides nothing about another.
 *
 * @param input the settings as given (to tell explicit routes from defaults, and which single-feed keys are set)
 * @param values the settings {@link parseSettings} read from `input` (the problems of `feeds` it found are not repeated)
 * @returns the feeds (complete only when there are no problems), the problems, and warnings to show
 * @example resolveFeeds(input, values, options).feeds.map((f) => f.name) // ["orders", "stock"]
 */
export function resolveFeeds(
  input: Readonly<Record<string, unknown>>,
  values: Partial<Settings>,
  options: ResolveFeedsOptions,
): { feeds: ResolvedFeed[]; problems: ConfigProblem[]; warnings: string[] } {
  const list = fromJsonText(input.feeds);
  const problems = [...singleFeedKeyProblems(input, options.keys), ...feedListProblems(list)];
  const warnings: string[] = [];
  const feeds: ResolvedFeed[] = [];
  if (!Array.isArray(list)) return { feeds, problems, warnings };
  const { emailFrom, emailTo, onCallEmail, notifyPolicy, outputs } = values;
  // Routing needs the stack's channel settings valid; when they are not, their own problems are reported.
  const channelsValid =
    "emailFrom" in values &&
    emailTo !== undefined &&
    "onCallEmail" in values &&
    notifyPolicy !== undefined &&
    emailProblems(emailFrom, emailTo).length === 0;
  const rawPolicy = fromJsonText(input.notifyPolicy) ?? {};
  list.forEach((entry: unknown, i) => {
    if (!isObject(entry)) return; // parseSettings reported it
    // Each part is checked on its own, as far as it is valid (parseSettings reported what is not).
    const key = `feeds[${i}]`;
    const schemaField = feedEntry.shape.schema.safeParse(entry.schema);
    const schema = schemaField.success
      ? readFeedSchema(i, schemaField.data, options.schemaDir, options.inlineSchemaSource(i))
      : undefined;
    problems.push(...(schema?.problems ?? []));
    const prefix = feedEntry.shape.prefix.safeParse(entry.prefix);
    if (prefix.success && outputs !== undefined)
      problems.push(...outputPrefixProblems(prefix.data, outputs, `${key}.prefix`));
    const notify = feedEntry.shape.notify.safeParse(entry.notify);
    const own = notify.success ? (notify.data ?? {}) : undefined;
    if (own?.emailTo !== undefined && own.emailTo.length > 0 && "emailFrom" in values && emailFrom === undefined) {
      problems.push(
        problemAt(["feeds", i, "notify", "emailTo"], "needs emailFrom (the sender) to be set", {
          path: ["emailFrom"],
          value: EXAMPLES.emailFrom,
        }),
      );
    }
    let policy: NotifyPolicy | undefined;
    const ownPolicy = isObject(entry.notify) ? entry.notify.notifyPolicy : undefined;
    const merged = deepMerge(rawPolicy, isObject(ownPolicy) ? ownPolicy : undefined);
    if (channelsValid) {
      try {
        policy = parseNotifyPolicy(merged);
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err;
        for (const issue of policyIssues(err)) {
          const shown = issue.unknownKey ? "" : describeInput(valueAt(merged, issue.path));
          problems.push(problemAt(["feeds", i, "notify", "notifyPolicy", ...issue.path], `${issue.message}${shown}`));
        }
      }
    }
    const feed = feedEntry.safeParse(entry);
    if (!feed.success || own === undefined || schema === undefined) return;
    const resolved: ResolvedFeed = {
      name: feed.data.name,
      prefix: feed.data.prefix,
      schemaText: schema.text,
      schemaJson: schema.json,
      ...(schema.path !== undefined ? { schemaPath: schema.path } : {}),
      schemaSource: schema.source,
      ...(own.slackWebhookUrl !== undefined ? { slackWebhookUrl: own.slackWebhookUrl } : {}),
      slack: own.slackWebhookUrl !== undefined || options.slack,
      emailTo: own.emailTo ?? emailTo ?? [],
      onCallEmail: own.onCallEmail ?? onCallEmail,
      ownOnCall: own.onCallEmail !== undefined,
      policy: policy ?? DEFAULT_NOTIFY_POLICY,
      ...(feed.data.alarms !== undefined ? { alarms: feed.data.alarms } : {}),
      ...((feed.data.arrival ?? values.arrival)
        ? { arrival: (feed.data.arrival ?? values.arrival) as ArrivalRule }
        : {}),
    };
    feeds.push(resolved);
    if (policy === undefined) return;
    const reasons: ChannelReasons =
      emailFrom !== undefined && own.emailTo?.length === 0 ? { email: `${key}.notify.emailTo is empty` } : {};
    const routed = routeToConfiguredChannels(
      policy,
      merged,
      {
        slack: resolved.slack,
        email: emailFrom !== undefined && resolved.emailTo.length > 0,
        sns: resolved.onCallEmail !== undefined,
      },
      reasons,
    );
    resolved.policy = routed.policy;
    problems.push(...routed.problems.map((p) => inFeedNotify(i, p)));
    warnings.push(
      ...routed.warnings.filter((w) => !options.stackWarnings.includes(w)).map((w) => `${key}.notify.${w}`),
    );
  });
  return { feeds, problems, warnings };
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
