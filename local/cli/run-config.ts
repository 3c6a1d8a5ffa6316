import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ArrivalRule } from "../../blueprint/arrival";
import {
  ConfigError,
  checkChannels,
  LOCAL_KEYS,
  outputPrefixProblems,
  parseSettings,
  resolveFeeds,
  type SettingsSource,
  throwIfProblems,
  unknownKeyProblems,
} from "../../blueprint/config";
import { type OutcomeSettings, PREFIXES } from "../../functions/contract";
import type { NotifyPolicy } from "../../functions/core/notify/policy";
import { UsageError } from "../usage-error";

/** One feed of a local config file (`feeds`): as a stack's feed, with its schema read from a file or given inline. */
export interface LocalFeed {
  name: string;
  /** Key prefix of the feed's uploads (ends with "/"). */
  prefix: string;
  /** Absolute path of the schema file (a relative `schema` path is resolved against the config file's folder); unset when inline. */
  schemaPath?: string;
  /** The schema as written: the file's text, or the inline schema as JSON. */
  schemaText: string;
  /** The feed's e-mail recipients (its override or the file's `emailTo`). */
  emailTo: string[];
  /** The feed's on-call address (its override or the file's `onCallEmail`). */
  onCallEmail?: string;
  /** The feed's policy: the file's, with the feed's `notify.notifyPolicy` merged over it, routed to its channels. */
  notify: NotifyPolicy;
  /** Whether the feed sets its own `notify.slackWebhookUrl`: locally it gets its own parameter and receiver path. */
  ownSlack: boolean;
  /** When the feed's file must have arrived (its own `arrival`, else the file's). */
  arrival?: ArrivalRule;
}

/** Settings of a local run: what a stack's config sets on AWS, with local defaults. */
export interface LocalConfig {
  pipelineName: string;
  chunkRows: number;
  chunkBytes: number;
  errorRetentionDays: number;
  mapConcurrency: number;
  /** Unset when the run has no e-mail channel. */
  emailFrom?: string;
  emailTo: string[];
  /** Unset when the run has no on-call channel. */
  onCallEmail?: string;
  /** The notification policy, routed only to the channels this run configures. */
  notify: NotifyPolicy;
  /** Where the run's row outcomes go in the local bucket, and how its CSV files are written. */
  outputs: OutcomeSettings;
  /** The file's `feeds`; unset when it sets none (then the run has the one feed `default` under `incoming/`). */
  feeds?: LocalFeed[];
  /** The file's top-level `arrival`: the default feed's rule, and every feed's that sets none. */
  arrival?: ArrivalRule;
}

/**
 * What a local run uses where its file says nothing: every channel is configured (their endpoints are loopback).
 * The e-mail pair is taken as one: a file that sets either key decides e-mail alone.
 */
export const LOCAL_DEFAULTS = {
  emailFrom: "csv-pipeline@example.com",
  emailTo: ["ops@example.com"],
  onCallEmail: "oncall@example.com",
} as const;

export const CONFIG_EXAMPLE = `pipelineName: csv-pipeline
chunkRows: 5000
emailFrom: csv-pipeline@example.com
emailTo: [ops@example.com]
notifyPolicy: { locale: en, quietHours: { start: "22:00", end: "07:00" } }
outputs: { processed: true, bom: true }`;

function withLocalDefaults(doc: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = { ...doc };
  if (!("emailFrom" in doc) && !("emailTo" in doc)) {
    input.emailFrom = LOCAL_DEFAULTS.emailFrom;
    input.emailTo = [...LOCAL_DEFAULTS.emailTo];
  }
  if (!("onCallEmail" in doc)) input.onCallEmail = LOCAL_DEFAULTS.onCallEmail;
  for (const [key, value] of Object.entries(input)) if (value === null || value === "") input[key] = undefined;
  return input;
}

/** Options of {@link parseLocalConfig}. */
export interface ParseLocalConfigOptions {
  /**
   * The folder a feed's `schema` path is relative to: the config file's (default: the folder of `source.path`, or
   * the working directory for settings that come from no file).
   */
  configDir?: string;
}

/**
 * Validates local settings (a parsed YAML/JSON document) with the schema a stack's config uses: every problem at
 * once, each naming its key with an example. A channel the settings leave unconfigured (`emailTo: []` and no
 * `emailFrom`; `onCallEmail: null`) is taken out of the default routing and reported through `warn`; a policy that
 * routes to it explicitly is a problem. With `feeds`, each feed's schema is read (a path relative to the config
 * file's folder, or inline) and checked, and its recipients and policy are the file's with the feed's `notify` over
 * them. A feed's own `notify.slackWebhookUrl` is only checked: locally it gets its own loopback receiver.
 *
 * @example parseLocalConfig({ emailTo: [] }, { kind: "file", path: "local.yaml" }).notify.routing.HIGH // ["slack"]
 */
export function parseLocalConfig(
  doc: unknown,
  source: SettingsSource,
  warn: (message: string) => void = () => undefined,
  options: ParseLocalConfigOptions = {},
): LocalConfig {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ConfigError(
      `${source.kind === "file" ? `config file ${source.path}` : "settings"}: must be a mapping of settings. Example:\n${CONFIG_EXAMPLE}`,
      ["(root) must be a mapping of settings"],
    );
  }
  const input = withLocalDefaults(doc as Record<string, unknown>);
  const problems = unknownKeyProblems(input, LOCAL_KEYS);
  const parsed = parseSettings(input, LOCAL_KEYS);
  problems.push(...parsed.problems);
  const v = parsed.values;
  const channels = checkChannels(v, input.notifyPolicy, true);
  let feeds: LocalFeed[] | undefined;
  if (input.feeds === undefined) {
    // A run without feeds uploads under the contract's input prefix.
    if (v.outputs !== undefined) problems.push(...outputPrefixProblems(PREFIXES.input, v.outputs));
    problems.push(...channels.problems);
  } else {
    problems.push(...channels.problems);
    const configDir = options.configDir ?? (source.kind === "file" ? dirname(resolve(source.path)) : process.cwd());
    const resolved = resolveFeeds(input, v, {
      keys: LOCAL_KEYS,
      stackWarnings: channels.warnings,
      slack: true,
      schemaDir: configDir,
      inlineSchemaSource: (i) => `feeds[${i}].schema`,
    });
    problems.push(...resolved.problems);
    channels.warnings.push(...resolved.warnings);
    feeds = resolved.feeds.map(
      (feed): LocalFeed => ({
        name: feed.name,
        prefix: feed.prefix,
        ...(feed.schemaPath !== undefined ? { schemaPath: feed.schemaPath } : {}),
        schemaText: feed.schemaText,
        emailTo: feed.emailTo,
        onCallEmail: feed.onCallEmail,
        notify: feed.policy,
        ownSlack: feed.slackWebhookUrl !== undefined,
        ...(feed.arrival ? { arrival: feed.arrival } : {}),
      }),
    );
  }
  for (const warning of channels.warnings) warn(warning);
  throwIfProblems(source, problems);
  const ok = v as Required<typeof v>;
  return {
    pipelineName: ok.pipelineName,
    chunkRows: ok.chunkRows,
    chunkBytes: ok.chunkBytes,
    errorRetentionDays: ok.errorRetentionDays,
    mapConcurrency: ok.mapConcurrency,
    emailFrom: v.emailFrom,
    emailTo: ok.emailTo,
    onCallEmail: v.onCallEmail,
    notify: channels.policy as NotifyPolicy,
    outputs: ok.outputs,
    ...(feeds !== undefined ? { feeds } : {}),
    ...(v.arrival ? { arrival: v.arrival as ArrivalRule } : {}),
  };
}

/**
 * Reads and validates a local config file (YAML or JSON), or the local defaults without one. Problems end the run
 * as a usage error (exit 2) naming the file, each bad key and an example; a channel taken out of the routing is
 * reported on stderr.
 */
export function loadConfig(
  path?: string,
  warn: (message: string) => void = (message) => process.stderr.write(`warning: ${message}\n`),
): LocalConfig {
  const source: SettingsSource = { kind: "file", path: path ?? "(defaults)" };
  if (path === undefined) return parseLocalConfig({}, source, warn);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, "utf8")) ?? {};
  } catch (err) {
    throw new UsageError(`config file ${path}: not valid YAML or JSON (${(err as Error).message.split("\n")[0]})`, {
      cause: err,
    });
  }
  try {
    return parseLocalConfig(doc, source, (message) => warn(`config file ${path}: ${message}`), {
      configDir: dirname(resolve(path)),
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}
