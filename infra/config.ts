import * as pulumi from "@pulumi/pulumi";
import {
  type AlarmThresholds,
  ConfigError,
  checkChannels,
  LOG_RETENTION_DAYS,
  parseSettings,
  type ResolvedFeed,
  resolveFeeds,
  type SettingsSource,
  STACK_KEYS,
  slackConfigured,
  stackSlackProblems,
  throwIfProblems,
} from "../blueprint/config";
import type { OutcomeSettings } from "../functions/contract";
import type { NotifyPolicy } from "../functions/core/notify/policy";
import type { PipelinePattern } from "../workflow/pipeline";

export { type AlarmThresholds, ConfigError, LOG_RETENTION_DAYS };

/**
 * One CSV feed of a stack: its uploads (under `prefix`), its row schema and who hears about its runs. The single-feed
 * keys (`inputPrefix`, `rowSchemaPath`/`rowSchema`) make one feed named `default`; `feeds` makes one per entry. As
 * {@link ResolvedFeed}, with the feed's own Slack webhook URL (when it sets one) as a secret Output, which gets its own
 * SSM SecureString, and without the schema's source text (the program uploads `schemaJson`).
 */
export type FeedConfig = Omit<ResolvedFeed, "schemaText" | "schemaPath" | "slackWebhookUrl"> & {
  slackWebhookUrl?: pulumi.Output<string>;
};

/** The typed stack configuration, read once. */
export interface StackConfig {
  /** The pipeline's name; with the stack's name it prefixes resource names and is the metric dimension `Pipeline`. */
  pipelineName: string;
  pattern: PipelinePattern;
  /** The stack's feeds, at least one, in configuration order. */
  feeds: FeedConfig[];
  /** Where each run's row outcomes go in the bucket, and how its CSV files are written. */
  outputs: OutcomeSettings;
  chunkRows: number;
  chunkBytes: number;
  mapConcurrency: number;
  toleratedFailurePercentage: number;
  /**
   * The stack's Slack incoming webhook URL (a secret), for the feeds without their own; unset when the stack sets
   * none (then every feed sets its own).
   */
  slackWebhookUrl?: pulumi.Output<string>;
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
  /** Directory `rowSchemaPath` and the feeds' schema paths are relative to (default: the working directory). */
  projectDir?: string;
  /** Receives each setting that was adjusted, e.g. a channel taken out of the default routing. */
  warn?: (message: string) => void;
}

/**
 * Validates raw stack configuration into a {@link StackConfig} with the schema the local runner uses too. Pure apart
 * from reading the schema files. Throws one {@link ConfigError} listing every bad key; an empty value counts as unset
 * (except `inputPrefix`, where "" — the bucket's root — is refused rather than taken for the default).
 *
 * Without `feeds`, the single-feed keys make one feed, `default`; with `feeds` (JSON text, as `pulumi config` holds
 * it), each entry is a feed, whose own Slack webhook URL becomes a secret Output. `slackWebhookUrl` is required
 * unless every feed sets its own.
 *
 * @param project the Pulumi project name (config keys are `<project>:<key>`)
 * @param secretUrl the Slack webhook URL as an Output (it is validated through `raw.slackWebhookUrl`, and ignored
 *   when that is unset)
 * @example parseStackConfig("csv-pipeline", { rowSchemaPath: "samples/orders.schema.yaml", slackWebhookUrl }, secret)
 */
export function parseStackConfig(
  project: string,
  raw: RawConfig,
  secretUrl: pulumi.Output<string> | undefined,
  options: ParseStackConfigOptions = {},
): StackConfig {
  const source: SettingsSource = { kind: "stack", project };
  const projectDir = options.projectDir ?? process.cwd();
  const input: Record<string, string | undefined> = {};
  for (const key of CONFIG_KEYS) input[key] = raw[key] === "" && key !== "inputPrefix" ? undefined : raw[key];

  const { values: v, problems } = parseSettings(input, CONFIG_KEYS);
  const slack = input.slackWebhookUrl !== undefined;
  problems.push(...stackSlackProblems(input));
  // Without the stack's webhook, Slack is still configured when every feed has its own: the stack's policy (which the
  // feeds' are merged from) keeps its Slack routes.
  const channels = checkChannels(v, input.notifyPolicy, slackConfigured(input));
  const warnings = channels.warnings.map((w) => `${project}:${w}`);

  problems.push(...channels.problems);
  // Without `feeds`, the single-feed keys are read as a one-item list: the feed `default`.
  const resolved = resolveFeeds(input, v, {
    keys: CONFIG_KEYS,
    stackWarnings: channels.warnings,
    slack,
    schemaDir: projectDir,
    inlineSchemaSource: (i) => `${project}:feeds[${i}].schema`,
    singleFeedSchemaSource: `${project}:rowSchema`,
  });
  problems.push(...resolved.problems);
  warnings.push(...resolved.warnings.map((w) => `${project}:${w}`));
  const feeds = resolved.feeds.map(
    ({ schemaText: _text, schemaPath: _path, slackWebhookUrl, ...feed }): FeedConfig => ({
      ...feed,
      ...(slackWebhookUrl !== undefined ? { slackWebhookUrl: pulumi.secret(slackWebhookUrl) } : {}),
    }),
  );

  for (const warning of warnings) options.warn?.(warning);
  throwIfProblems(source, problems);
  const ok = v as Required<typeof v>;
  return {
    pipelineName: ok.pipelineName,
    pattern: ok.pattern,
    feeds,
    outputs: ok.outputs,
    chunkRows: ok.chunkRows,
    chunkBytes: ok.chunkBytes,
    mapConcurrency: ok.mapConcurrency,
    toleratedFailurePercentage: ok.toleratedFailurePercentage,
    ...(slack && secretUrl !== undefined ? { slackWebhookUrl: secretUrl } : {}),
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

/** Keys read as raw text through the runtime (they may hold secrets, whose plain text is only checked, never shown). */
const RAW_KEYS: readonly string[] = ["slackWebhookUrl", "feeds"];

/**
 * Reads the stack's configuration once through `pulumi.Config`, the Slack webhook URL (when set) as a secret, and
 * validates it. `feeds` is read as its raw JSON text: a feed's `notify.slackWebhookUrl` set with `--secret` makes the
 * whole key secret, and each feed's URL is wrapped with `pulumi.secret`. A notification channel the stack does not
 * configure is taken out of the default routing with a warning naming `notifyPolicy.routing`.
 */
export function loadStackConfig(): StackConfig {
  const project = pulumi.getProject();
  const cfg = new pulumi.Config(project);
  const raw: RawConfig = {};
  for (const key of CONFIG_KEYS) if (!RAW_KEYS.includes(key)) raw[key] = cfg.get(key);
  // The secrets' plain text is read only to check its form; messages never show it.
  raw.slackWebhookUrl = pulumi.runtime.getConfig(`${project}:slackWebhookUrl`);
  raw.feeds = pulumi.runtime.getConfig(`${project}:feeds`);
  const secret = raw.slackWebhookUrl ? cfg.requireSecret("slackWebhookUrl") : undefined;
  return parseStackConfig(project, raw, secret, { warn: (message) => pulumi.log.warn(message) });
}
