/** Each feed checked together with the rest of the settings, and given its own recipients, policy and schema. */
import {
  DEFAULT_NOTIFY_POLICY,
  type NotifyPolicy,
  PolicyError,
  parseNotifyPolicy,
} from "../../functions/core/notify/policy";
import type { ArrivalRule } from "../arrival";
import type { AlarmThresholds } from "./alarms";
import { type ChannelReasons, emailProblems, routeToConfiguredChannels } from "./channels";
import { EXAMPLES } from "./examples";
import { feedEntry } from "./feed-entry";
import { feedListProblems } from "./feed-list";
import { policyIssues } from "./notify-policy";
import { outputPrefixProblems } from "./prefix-overlaps";
import { type ConfigProblem, describeInput, keyPath, problemAt } from "./problems";
import { readRowSchema } from "./row-schema";
import type { Settings } from "./settings";
import { type SingleFeed, singleFeed, singleFeedKeyProblems } from "./single-feed";
import { fromJsonText, isObject, valueAt } from "./text-values";

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
  /**
   * How messages name the inline schema of a stack's single-feed keys (`csv-pipeline:rowSchema`). Set where the
   * source reads those keys (a stack): without `feeds`, they are read as a one-item list.
   */
  singleFeedSchemaSource?: string;
}

/**
 * Checks `feeds` (or, where the source reads them and `feeds` is unset, the single-feed keys as a one-item list:
 * see {@link singleFeed}) with the rest of the settings and gives each feed its settings: no single-feed key beside them,
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
  const single: SingleFeed | undefined =
    input.feeds === undefined && options.singleFeedSchemaSource !== undefined ? singleFeed(values) : undefined;
  const list = single !== undefined ? [single.entry] : fromJsonText(input.feeds);
  const problems =
    single !== undefined ? single.problems : [...singleFeedKeyProblems(input, options.keys), ...feedListProblems(list)];
  /** The key that names field `field` of feed `i`: the single-feed key, for the feed they describe. */
  const keyOf = (i: number, field: "prefix" | "schema") => single?.keyOf(field) ?? ["feeds", i, field];
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
      ? readRowSchema(schemaField.data, {
          key: keyOf(i, "schema"),
          baseDir: options.schemaDir,
          inlineSource:
            single !== undefined ? (options.singleFeedSchemaSource as string) : options.inlineSchemaSource(i),
          showGivenPath: single !== undefined,
        })
      : undefined;
    problems.push(...(schema?.problems ?? []));
    const prefix = feedEntry.shape.prefix.safeParse(entry.prefix);
    if (prefix.success && outputs !== undefined)
      problems.push(...outputPrefixProblems(prefix.data, outputs, keyPath(keyOf(i, "prefix"))));
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
    // The feed of the single-feed keys has the stack's channels and policy: their problems are the stack's own.
    if (single === undefined) problems.push(...routed.problems.map((p) => inFeedNotify(i, p)));
    warnings.push(
      ...routed.warnings.filter((w) => !options.stackWarnings.includes(w)).map((w) => `${key}.notify.${w}`),
    );
  });
  return { feeds, problems, warnings };
}
