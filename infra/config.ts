import * as pulumi from "@pulumi/pulumi";
import type { OutcomeSettings } from "../functions/contract";
import type { NotifyPolicy } from "../functions/core/notify/policy";
import type { PipelinePattern } from "../workflow/pipeline";
import {
  type AlarmThresholds,
  ConfigError,
  type ConfigProblem,
  checkChannels,
  LOG_RETENTION_DAYS,
  outputPrefixProblems,
  parseSettings,
  readRowSchema,
  type SettingsSource,
  STACK_KEYS,
  throwIfProblems,
} from "./config-schema";

export { type AlarmThresholds, ConfigError, LOG_RETENTION_DAYS };

/** The typed stack configuration, read once. */
export interface StackConfig {
  /** The pipeline's name; with the stack's name it prefixes resource names and is the metric dimension `Pipeline`. */
  pipelineName: string;
  pattern: PipelinePattern;
  /** Key prefix under which uploaded `.csv` files start an execution (ends with `/`). */
  inputPrefix: string;
  /** Where each run's row outcomes go in the bucket, and how its CSV files are written. */
  outputs: OutcomeSettings;
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
  /** The notification policy, routed only to the channels this stack configures. */
  policy: NotifyPolicy;
  alarms: AlarmThresholds;
  errorRetentionDays: number;
  logRetentionDays: number;
}

/** Raw values as `pulumi config` holds them (strings; objects as JSON text). */
export type RawConfig = Record<string, string | undefined>;

/** Every key the program reads (documented in Pulumi.dev.yaml). */
export const CONFIG_KEYS = STACK_KEYS;

/** Options of {@link parseStackConfig}. */
export interface ParseStackConfigOptions {
  /** Directory `rowSchemaPath` is relative to (default: the working directory). */
  projectDir?: string;
  /** Receives each setting that was adjusted, e.g. a channel taken out of the default routing. */
  warn?: (message: string) => void;
}

/**
 * Validates raw stack configuration into a {@link StackConfig} with the schema the local runner uses too. Pure apart
 * from reading `rowSchemaPath`. Throws one {@link ConfigError} listing every bad key; an empty value counts as unset
 * (except `inputPrefix`, where "" — the bucket's root — is refused rather than taken for the default).
 *
 * @param project the Pulumi project name (config keys are `<project>:<key>`)
 * @param secretUrl the Slack webhook URL as an Output (it is validated through `raw.slackWebhookUrl`)
 * @example parseStackConfig("csv-pipeline", { rowSchemaPath: "samples/orders.schema.yaml", slackWebhookUrl }, secret)
 */
export function parseStackConfig(
  project: string,
  raw: RawConfig,
  secretUrl: pulumi.Output<string>,
  options: ParseStackConfigOptions = {},
): StackConfig {
  const source: SettingsSource = { kind: "stack", project };
  const input: Record<string, string | undefined> = {};
  for (const key of CONFIG_KEYS) input[key] = raw[key] === "" && key !== "inputPrefix" ? undefined : raw[key];

  const { values: v, problems } = parseSettings(input, CONFIG_KEYS);
  const rowSchema =
    "rowSchema" in v && "rowSchemaPath" in v
      ? readRowSchema(project, v.rowSchema, v.rowSchemaPath, options.projectDir ?? process.cwd())
      : { json: "", source: "", problems: [] as ConfigProblem[] };
  problems.push(...rowSchema.problems);
  if (v.inputPrefix !== undefined && v.outputs !== undefined)
    problems.push(...outputPrefixProblems(v.inputPrefix, v.outputs));

  const channels = checkChannels(v, input.notifyPolicy, input.slackWebhookUrl !== undefined);
  problems.push(...channels.problems);
  for (const warning of channels.warnings) options.warn?.(`${project}:${warning}`);

  throwIfProblems(source, problems);
  const ok = v as Required<typeof v>;
  return {
    pipelineName: ok.pipelineName,
    pattern: ok.pattern,
    inputPrefix: ok.inputPrefix,
    outputs: ok.outputs,
    rowSchemaJson: rowSchema.json,
    rowSchemaSource: rowSchema.source,
    chunkRows: ok.chunkRows,
    chunkBytes: ok.chunkBytes,
    mapConcurrency: ok.mapConcurrency,
    toleratedFailurePercentage: ok.toleratedFailurePercentage,
    slackWebhookUrl: secretUrl,
    emailFrom: v.emailFrom,
    emailTo: ok.emailTo,
    onCallEmail: v.onCallEmail,
    onCallTopicArn: v.onCallTopicArn,
    policy: channels.policy as NotifyPolicy,
    alarms: ok.alarms,
    errorRetentionDays: ok.errorRetentionDays,
    logRetentionDays: ok.logRetentionDays,
  };
}

/**
 * Reads the stack's configuration once through `pulumi.Config`, the Slack webhook URL through `requireSecret`, and
 * validates it. A notification channel the stack does not configure is taken out of the default routing with a
 * warning naming `notifyPolicy.routing`.
 */
export function loadStackConfig(): StackConfig {
  const project = pulumi.getProject();
  const cfg = new pulumi.Config(project);
  const raw: RawConfig = {};
  for (const key of CONFIG_KEYS) if (key !== "slackWebhookUrl") raw[key] = cfg.get(key);
  // The secret's plain text is read only to check its form; messages never show it.
  raw.slackWebhookUrl = pulumi.runtime.getConfig(`${project}:slackWebhookUrl`);
  const secret = raw.slackWebhookUrl ? cfg.requireSecret("slackWebhookUrl") : pulumi.secret("");
  return parseStackConfig(project, raw, secret, { warn: (message) => pulumi.log.warn(message) });
}
