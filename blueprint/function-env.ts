/**
 * The row-outcome environment of each function: where its outputs go and how it writes them. The Pulumi program sets
 * these on the deployed functions and the local runner on its handlers, from this one place, so the two never
 * differ. Free of `@pulumi/*`, so the local runner can use it without loading the Pulumi SDK.
 */
import { ENV, type FeedEnvEntry, type OutcomeSettings } from "../functions/contract";
import type { MessageLocale } from "../functions/core/csv/validation-messages";
import type { NotifyPolicy } from "../functions/core/notify/policy";
import type { FunctionKey } from "./function-specs";

/**
 * Each function's row-outcome variables (read by `functions/core/outcomes/settings.ts`): process-chunk writes the
 * parts (in the notices' language), aggregate-results composes them and writes the manifest, and the check links the
 * rejected folder and writes the run's report beside the manifest. split-csv writes no outcome.
 *
 * @param locale the notices' language (`notifyPolicy.locale`): `errors.csv` speaks it too
 * @example outcomeEnvironment(DEFAULT_OUTCOME_SETTINGS, "ja").checkErrors // { REJECTED_PREFIX: "rejected/", RESULTS_PREFIX: "results/", OUTPUT_PROCESSED: "true" }
 */
export function outcomeEnvironment(
  outputs: OutcomeSettings,
  locale: MessageLocale,
): Record<FunctionKey, Record<string, string>> {
  const prefixes = {
    [ENV.processedPrefix]: outputs.processedPrefix,
    [ENV.rejectedPrefix]: outputs.rejectedPrefix,
  };
  const writing = {
    [ENV.outputProcessed]: String(outputs.processed),
    [ENV.outputBom]: String(outputs.bom),
  };
  return {
    splitCsv: {},
    processChunk: { ...prefixes, ...writing, [ENV.outputLocale]: locale },
    aggregateResults: {
      ...prefixes,
      [ENV.resultsPrefix]: outputs.resultsPrefix,
      ...writing,
      [ENV.outputLocale]: locale,
    },
    findDuplicates: {},
    // The report lists the processed folder only when parts are written there.
    checkErrors: {
      [ENV.rejectedPrefix]: outputs.rejectedPrefix,
      [ENV.resultsPrefix]: outputs.resultsPrefix,
      [ENV.outputProcessed]: String(outputs.processed),
    },
  };
}

/**
 * Every function's row-outcome variables in one set, for a process where the handlers of all functions run (the
 * local runner): the values are the same for every function that reads a variable.
 */
export function mergedOutcomeEnvironment(outputs: OutcomeSettings, locale: MessageLocale): Record<string, string> {
  return Object.assign({}, ...Object.values(outcomeEnvironment(outputs, locale)));
}

/** One feed's settings as the functions read them (see `FeedEnvEntry`). */
export interface FeedEnvSettings {
  name: string;
  /** Key prefix of the feed's uploads. */
  prefix: string;
  /** Object key of the feed's row schema in the bucket (`feedSchemaKey`). */
  schemaKey: string;
  /** The feed's notices' language: its `errors.csv` speaks it too. */
  locale: MessageLocale;
  /** The feed's notification policy, routed to its channels. */
  notifyPolicy: NotifyPolicy;
  /** The feed's e-mail recipients (empty when it sends no e-mail). */
  emailTo: readonly string[];
  /** Name of the SSM parameter holding the feed's Slack webhook URL (unset when it posts to no Slack). */
  slackWebhookParameter?: string;
}

/**
 * The feed variables of each function: its own variables hold the first feed's values, and `FEEDS` lists every feed
 * with only the settings that function reads and that differ from its own variables (see `FeedEnvEntry`). split-csv
 * and process-chunk read the schema, process-chunk and aggregate-results the locale, the check the policy, the
 * recipients and the webhook parameter.
 *
 * @param bucket the bucket the schemas are uploaded to
 * @example feedEnvironment([orders, stock], "my-bucket").splitCsv.FEEDS
 * // '[{"name":"orders","prefix":"orders/"},{"name":"stock","prefix":"stock/","schema":"s3://my-bucket/_config/feeds/stock/schema.json"}]'
 */
export function feedEnvironment(
  feeds: readonly FeedEnvSettings[],
  bucket: string,
): Record<FunctionKey, Record<string, string>> {
  const [first] = feeds;
  if (first === undefined) throw new Error("feedEnvironment: a stack has at least one feed");
  const schema = (f: FeedEnvSettings) => `s3://${bucket}/${f.schemaKey}`;
  const policy = (f: FeedEnvSettings) => JSON.stringify(f.notifyPolicy);
  const emailTo = (f: FeedEnvSettings) => f.emailTo.join(",");
  const own = {
    [ENV.schemaLocation]: schema(first),
    [ENV.outputLocale]: first.locale,
    [ENV.notifyPolicy]: policy(first),
    [ENV.emailTo]: emailTo(first),
    ...(first.slackWebhookParameter ? { [ENV.slackWebhookParameter]: first.slackWebhookParameter } : {}),
  };
  const base = {
    schema: own[ENV.schemaLocation],
    locale: own[ENV.outputLocale],
    notifyPolicy: own[ENV.notifyPolicy],
    emailTo: own[ENV.emailTo],
    slackWebhookParameter: first.slackWebhookParameter,
  };
  /** `FEEDS` with the given settings of each feed, where they differ from the first feed's. */
  const list = (fields: (keyof FeedEnvEntry)[]): string =>
    JSON.stringify(
      feeds.map((f) => {
        const values: FeedEnvEntry = {
          name: f.name,
          prefix: f.prefix,
          schema: schema(f),
          locale: f.locale,
          notifyPolicy: policy(f),
          emailTo: emailTo(f),
          slackWebhookParameter: f.slackWebhookParameter,
        };
        const entry: Record<string, string> = { name: f.name, prefix: f.prefix };
        for (const field of fields) {
          const value = values[field];
          if (value !== undefined && value !== base[field as keyof typeof base]) entry[field] = value;
        }
        return entry;
      }),
    );
  return {
    splitCsv: { [ENV.schemaLocation]: own[ENV.schemaLocation], [ENV.feeds]: list(["schema"]) },
    processChunk: {
      [ENV.schemaLocation]: own[ENV.schemaLocation],
      [ENV.outputLocale]: own[ENV.outputLocale],
      [ENV.feeds]: list(["schema", "locale"]),
    },
    aggregateResults: { [ENV.outputLocale]: own[ENV.outputLocale], [ENV.feeds]: list(["locale"]) },
    // Reads and writes only the run's work objects: no feed setting.
    findDuplicates: {},
    checkErrors: {
      [ENV.notifyPolicy]: own[ENV.notifyPolicy],
      [ENV.emailTo]: own[ENV.emailTo],
      ...(first.slackWebhookParameter ? { [ENV.slackWebhookParameter]: first.slackWebhookParameter } : {}),
      [ENV.feeds]: list(["notifyPolicy", "emailTo", "slackWebhookParameter"]),
    },
  };
}

/** Lambda's limit on a function's environment: the names and values of all its variables together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * Bytes a function's environment counts against {@link LAMBDA_ENVIRONMENT_LIMIT_BYTES}: the UTF-8 length of every
 * name and value.
 */
export function environmentBytes(variables: Readonly<Record<string, string>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(variables)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** The configuration key of each `FEEDS` entry field, for messages (the entry's index is the feed's in `feeds`). */
const FEED_FIELD_KEYS: Record<Exclude<keyof FeedEnvEntry, "name" | "prefix">, string> = {
  schema: "schema",
  locale: "notify.notifyPolicy.locale",
  notifyPolicy: "notify.notifyPolicy",
  emailTo: "notify.emailTo",
  slackWebhookParameter: "notify.slackWebhookUrl",
};

/**
 * Fails when a function's environment exceeds {@link LAMBDA_ENVIRONMENT_LIMIT_BYTES} (AWS would refuse the function
 * part-way through a deployment). The message names the function, its size and, largest first, the `feeds`
 * settings that `FEEDS` holds because they differ from the first feed's — in practice `notify.notifyPolicy`
 * overrides, each of which puts the feed's whole merged policy there — with what to do.
 *
 * @example checkEnvironmentSize("check-errors-and-notify", variables) // throws when over 4 KB
 */
export function checkEnvironmentSize(functionName: string, variables: Readonly<Record<string, string>>): void {
  const bytes = environmentBytes(variables);
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return;
  const settings: { key: string; bytes: number }[] = [];
  const feedsText = variables[ENV.feeds];
  if (feedsText) {
    for (const [i, entry] of (JSON.parse(feedsText) as FeedEnvEntry[]).entries()) {
      for (const [field, key] of Object.entries(FEED_FIELD_KEYS)) {
        const value = entry[field as keyof FeedEnvEntry];
        // What the setting adds to FEEDS: its value as a JSON string, quotes and escapes included.
        if (value !== undefined)
          settings.push({ key: `feeds[${i}].${key}`, bytes: Buffer.byteLength(JSON.stringify(value)) });
      }
    }
  }
  settings.sort((a, b) => b.bytes - a.bytes);
  const held = settings.length
    ? ` ${ENV.feeds} (${Buffer.byteLength(feedsText ?? "")} bytes) repeats each feed setting that differs from the first feed's: ${settings.map((s) => `${s.key} (${s.bytes} bytes)`).join(", ")}.`
    : "";
  throw new Error(
    `The environment of function ${functionName} is ${bytes} bytes; Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}.${held} A feed whose notify.notifyPolicy makes its policy differ from the first feed's carries that whole policy: let more feeds share one policy, shorten long lists (quietHours.extraDates, emailTo), or split the feeds over two stacks.`,
  );
}
