import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PIPELINE_NAME, PREFIXES } from "../functions/contract";
import { parseSchema } from "../functions/core/csv/schema";
import { type NotifyPolicy, PolicyError, parseNotifyPolicy } from "../functions/core/notify/policy";

/** Workflow shapes the state machine can take. */
export const PATTERNS = ["sequential", "parallel"] as const;
export type Pattern = (typeof PATTERNS)[number];

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

/** The typed stack configuration, read once. */
export interface StackConfig {
  /** Value of the metric dimension `Pipeline`, and the prefix of resource names. */
  pipelineName: string;
  pattern: Pattern;
  /** Key prefix under which uploaded `.csv` files start an execution (ends with `/`). */
  inputPrefix: string;
  /** The row schema as validated JSON text (uploaded to `_config/schema.json`). */
  rowSchemaJson: string;
  /** Where the schema came from (file path or config key), for messages. */
  rowSchemaSource: string;
  chunkRows: number;
  chunkBytes: number;
  mapConcurrency: number;
  toleratedFailurePercentage: number;
  /** The Slack incoming webhook URL (a secret). */
  slackWebhookUrl: pulumi.Output<string>;
  emailFrom?: string;
  emailTo: string[];
  onCallEmail?: string;
  onCallTopicArn?: string;
  policy: NotifyPolicy;
  alarms: AlarmThresholds;
  errorRetentionDays: number;
  logRetentionDays: number;
}

/** Invalid stack configuration: one message naming every bad key with a valid example. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Raw values as `pulumi config` holds them (strings; objects as JSON text). */
export type RawConfig = Record<string, string | undefined>;

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/**
 * Validates raw stack configuration into a {@link StackConfig}. Pure apart from reading `rowSchemaPath` (relative to
 * `projectDir`). Throws one {@link ConfigError} listing every bad key.
 *
 * @param project the Pulumi project name (config keys are `<project>:<key>`)
 * @param secretUrl the Slack webhook URL as an Output (it is validated through `raw.slackWebhookUrl`)
 */
export function parseStackConfig(
  project: string,
  raw: RawConfig,
  secretUrl: pulumi.Output<string>,
  projectDir = process.cwd(),
): StackConfig {
  const problems: string[] = [];
  const bad = (key: string, what: string, example: string) =>
    problems.push(`${project}:${key} ${what}. Example: pulumi config set ${project}:${key} ${example}`);

  const int = (key: string, def: number, min: number, max: number, example: string): number => {
    const text = raw[key];
    if (text === undefined || text === "") return def;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) {
      bad(key, `must be a whole number from ${min} to ${max} (got "${text}")`, example);
      return def;
    }
    return n;
  };
  const json = (key: string, example: string): unknown => {
    const text = raw[key];
    if (text === undefined || text === "") return undefined;
    try {
      return JSON.parse(text);
    } catch {
      bad(key, "must be a JSON/YAML object", `--path '${example}'`);
      return undefined;
    }
  };

  const pipelineName = raw.pipelineName || DEFAULT_PIPELINE_NAME;
  if (!NAME.test(pipelineName)) {
    bad(
      "pipelineName",
      "must be 3–32 lower-case letters, digits or hyphens, starting with a letter",
      "orders-pipeline",
    );
  }

  const pattern = (raw.pattern || "sequential") as Pattern;
  if (!PATTERNS.includes(pattern))
    bad("pattern", `must be one of ${PATTERNS.join(", ")} (got "${raw.pattern}")`, "parallel");

  const inputPrefix = raw.inputPrefix ?? PREFIXES.input;
  if (
    !/^([A-Za-z0-9!_.*'()-]+\/)*$/.test(inputPrefix) ||
    inputPrefix.startsWith(PREFIXES.config) ||
    inputPrefix.startsWith(PREFIXES.results)
  ) {
    bad(
      "inputPrefix",
      `must be empty or end with "/", and not be under ${PREFIXES.config} or ${PREFIXES.results}`,
      "incoming/",
    );
  }

  let rowSchemaJson = "";
  let rowSchemaSource = "";
  const inline = json("rowSchema", "rowSchema.columns[0].name order_id");
  const schemaPath = raw.rowSchemaPath;
  if (inline !== undefined && schemaPath) {
    bad("rowSchema", "and rowSchemaPath are both set; keep one", "--path rowSchema.columns[0].name order_id");
  } else if (inline === undefined && !schemaPath) {
    bad(
      "rowSchemaPath",
      "is missing: give a schema file (or an inline rowSchema object)",
      "samples/orders.schema.yaml",
    );
  } else {
    rowSchemaSource = schemaPath ? schemaPath : `${project}:rowSchema`;
    let text: string | undefined;
    if (schemaPath) {
      try {
        text = readFileSync(resolve(projectDir, schemaPath), "utf8");
      } catch {
        bad("rowSchemaPath", `names a file that cannot be read (${schemaPath})`, "samples/orders.schema.yaml");
      }
    } else text = JSON.stringify(inline);
    if (text !== undefined) {
      try {
        rowSchemaJson = JSON.stringify(parseSchema(text, rowSchemaSource));
      } catch (e) {
        bad(
          schemaPath ? "rowSchemaPath" : "rowSchema",
          `is not a valid row schema: ${(e as Error).message}`,
          schemaPath ? "samples/orders.schema.yaml" : "--path rowSchema.columns[0].type string",
        );
      }
    }
  }

  const chunkRows = int("chunkRows", 5000, 1, 1_000_000, "5000");
  const chunkBytes = int("chunkBytes", 4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024, "4194304");
  const mapConcurrency = int("mapConcurrency", 100, 1, 10_000, "100");
  const toleratedFailurePercentage = int("toleratedFailurePercentage", 0, 0, 100, "0");

  const url = raw.slackWebhookUrl;
  if (url === undefined || url === "") {
    bad("slackWebhookUrl", "is missing (a secret)", "--secret https://hooks.slack.com/services/T000/B000/XXXX");
  } else if (!/^https:\/\/\S+$/.test(url)) {
    bad(
      "slackWebhookUrl",
      "must be an https:// incoming-webhook URL (value not shown)",
      "--secret https://hooks.slack.com/services/T000/B000/XXXX",
    );
  }

  const emailFrom = raw.emailFrom || undefined;
  if (emailFrom !== undefined && !EMAIL.test(emailFrom))
    bad("emailFrom", `must be an e-mail address (got "${emailFrom}")`, "alerts@example.com");
  let emailTo: string[] = [];
  const toValue = json("emailTo", '["ops@example.com"]');
  if (toValue !== undefined) {
    if (
      !Array.isArray(toValue) ||
      toValue.length === 0 ||
      !toValue.every((a) => typeof a === "string" && EMAIL.test(a))
    ) {
      bad("emailTo", "must be a non-empty list of e-mail addresses", "--path 'emailTo[0]' ops@example.com");
    } else emailTo = toValue as string[];
  }
  if ((emailFrom === undefined) !== (emailTo.length === 0) && !problems.some((p) => p.includes(":email"))) {
    bad(
      emailFrom === undefined ? "emailFrom" : "emailTo",
      "must be set together with emailFrom/emailTo (both or neither)",
      emailFrom === undefined ? "alerts@example.com" : "--path 'emailTo[0]' ops@example.com",
    );
  }
  const onCallEmail = raw.onCallEmail || undefined;
  if (onCallEmail !== undefined && !EMAIL.test(onCallEmail))
    bad("onCallEmail", `must be an e-mail address (got "${onCallEmail}")`, "oncall@example.com");
  const onCallTopicArn = raw.onCallTopicArn || undefined;
  if (onCallTopicArn !== undefined && !TOPIC_ARN.test(onCallTopicArn)) {
    bad(
      "onCallTopicArn",
      `must be an SNS topic ARN (got "${onCallTopicArn}")`,
      "arn:aws:sns:ap-northeast-1:123456789012:pagerduty",
    );
  }

  let policy = parseNotifyPolicy({});
  const policyValue = json("notifyPolicy", "notifyPolicy.locale en");
  try {
    policy = parseNotifyPolicy(policyValue ?? {}, `${project}:notifyPolicy`);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    for (const p of e.problems) bad(`notifyPolicy`, `is invalid: ${p}`, "--path notifyPolicy.quietHours.start 22:00");
  }

  const alarmValue = json("alarms", "alarms.errorCount 10");
  const alarms: AlarmThresholds = { errorCount: 10, criticalErrorCount: 1, periodSeconds: 300 };
  if (alarmValue !== undefined) {
    if (typeof alarmValue !== "object" || alarmValue === null || Array.isArray(alarmValue)) {
      bad("alarms", "must be an object", "--path alarms.errorCount 10");
    } else {
      for (const [k, v] of Object.entries(alarmValue)) {
        if (!(k in alarms)) {
          bad(
            `alarms.${k}`,
            "is not a known threshold (errorCount, criticalErrorCount, periodSeconds)",
            "--path alarms.errorCount 10",
          );
        } else if (
          typeof v !== "number" ||
          !Number.isInteger(v) ||
          v < 0 ||
          (k === "periodSeconds" && (v < 60 || v % 60 !== 0)) ||
          (k === "criticalErrorCount" && v < 1)
        ) {
          bad(
            `alarms.${k}`,
            k === "periodSeconds"
              ? "must be a multiple of 60 seconds"
              : "must be a whole number ≥ 1 (≥ 0 for errorCount)",
            `--path alarms.${k} ${k === "periodSeconds" ? 300 : 10}`,
          );
        } else alarms[k as keyof AlarmThresholds] = v;
      }
    }
  }

  const errorRetentionDays = int("errorRetentionDays", 30, 1, 3650, "30");
  const logRetentionDays = int("logRetentionDays", 30, 1, 3653, "30");
  if (
    !problems.some((p) => p.includes(":logRetentionDays")) &&
    !(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)
  ) {
    bad("logRetentionDays", `must be one CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")})`, "30");
  }

  if (problems.length > 0) {
    throw new ConfigError(
      `Invalid stack configuration (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n  - ${problems.join("\n  - ")}`,
      problems,
    );
  }
  return {
    pipelineName,
    pattern,
    inputPrefix,
    rowSchemaJson,
    rowSchemaSource,
    chunkRows,
    chunkBytes,
    mapConcurrency,
    toleratedFailurePercentage,
    slackWebhookUrl: secretUrl,
    emailFrom,
    emailTo,
    onCallEmail,
    onCallTopicArn,
    policy,
    alarms,
    errorRetentionDays,
    logRetentionDays,
  };
}

/** Every key the program reads (documented in Pulumi.dev.yaml). */
export const CONFIG_KEYS = [
  "pipelineName",
  "pattern",
  "inputPrefix",
  "rowSchema",
  "rowSchemaPath",
  "chunkRows",
  "chunkBytes",
  "mapConcurrency",
  "toleratedFailurePercentage",
  "slackWebhookUrl",
  "emailFrom",
  "emailTo",
  "onCallEmail",
  "onCallTopicArn",
  "notifyPolicy",
  "alarms",
  "errorRetentionDays",
  "logRetentionDays",
] as const;

/** Reads the stack's configuration once (`pulumi config`), secrets through `requireSecret`. */
export function loadStackConfig(): StackConfig {
  const project = pulumi.getProject();
  const raw: RawConfig = {};
  for (const key of CONFIG_KEYS) raw[key] = pulumi.runtime.getConfig(`${project}:${key}`);
  const cfg = new pulumi.Config();
  const secret = raw.slackWebhookUrl ? cfg.requireSecret("slackWebhookUrl") : pulumi.secret("");
  return parseStackConfig(project, raw, secret);
}
