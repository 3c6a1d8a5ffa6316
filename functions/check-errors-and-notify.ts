import { ErrorWriter } from "./adapters/error-store";
import { dynamoFeedHistory } from "./adapters/feed-history";
import { putRunMetrics } from "./adapters/metrics";
import { dynamoRunStore } from "./adapters/run-store";
import { decodeEventKey } from "./adapters/s3";
import { putReportHtml } from "./adapters/s3-report";
import { sendEmailNotice } from "./adapters/ses";
import { postSlackWebhook } from "./adapters/slack";
import { publishSnsNotice } from "./adapters/sns";
import { getSlackWebhookUrl } from "./adapters/ssm";
import {
  type CheckOutput,
  DEFAULT_PIPELINE_NAME,
  DIGEST_FLUSH_EVENT,
  type DigestFlushEvent,
  ENV,
  type FeedEnvEntry,
  NOTIFY_NOW_ENV,
  type NotificationChannel,
} from "./contract";
import { type Env, FUNCTION_ENV, requireEnv, timeEnv } from "./core/env";
import { EnvironmentError } from "./core/errors";
import { ANY_KEY_FEED, feedLabel, findFeed, readFeeds } from "./core/feeds";
import { checkInput } from "./core/inputs";
import { createLogger, withFields } from "./core/log";
import { type CheckConfig, type CheckDeps, runCheck } from "./core/notify/check";
import { type DigestOutcome, flushDigests } from "./core/notify/digest-flush";
import { parseNotifyPolicy } from "./core/notify/policy";
import type { ChannelSender } from "./core/notify/ports";
import { outcomeSettings } from "./core/outcomes/settings";

/** Everything the handler reads from its environment, for the notices of one feed. */
export interface HandlerConfig extends CheckConfig {
  errorTable: string;
  runsTable: string;
  alertTopicArn?: string;
  slackWebhookParameter?: string;
  emailFrom?: string;
  emailTo: string[];
  /**
   * The feed whose rate limit, digest and failure streaks the notices count against: the run's feed, or — for a key
   * under no feed's prefix, notified with the function's own variables — the first feed, whose values those are.
   */
  noticeScope: string;
  /** The `Feed` metric dimension: the run's feed; unset for a key under no feed's prefix. */
  metricFeed?: string;
}

/** Where a setting of a feed comes from, for error messages. */
const fromFeed = (feed: FeedEnvEntry, field: keyof FeedEnvEntry) => `${ENV.feeds} entry "${feed.name}" ${field}`;

/**
 * Reads and validates the configuration of one feed's notices: `feed`'s `FEEDS` settings over the function's own
 * variables (the first feed's values); `null` for a key under no feed's prefix (the own variables, reported as
 * `UNKNOWN_FEED`). Tables are always required; each channel's variables are required when the policy routes anything
 * to that channel. A missing variable fails with its name; a bad policy names the key (and the feed, when it is its own).
 */
export function loadCheckConfig(env: Env = FUNCTION_ENV, feed: FeedEnvEntry | null = ANY_KEY_FEED): HandlerConfig {
  const policy =
    feed?.notifyPolicy !== undefined
      ? parseNotifyPolicy(feed.notifyPolicy, fromFeed(feed, "notifyPolicy"))
      : parseNotifyPolicy(env[ENV.notifyPolicy], ENV.notifyPolicy);
  const used = new Set<NotificationChannel>([
    ...Object.values(policy.routing).flat(),
    ...(policy.successNotice ? (["slack"] as const) : []),
  ]);
  const need = (name: string): string => requireEnv(name, env);
  let emailTo: string[] = [];
  if (used.has("email")) {
    const list = feed?.emailTo ?? need(ENV.emailTo);
    emailTo = list
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean);
    if (feed?.emailTo !== undefined && emailTo.length === 0) {
      throw new EnvironmentError(
        `${fromFeed(feed, "emailTo")} names no recipient while its policy routes notices to e-mail: give the feed notify.emailTo or route it to no e-mail.`,
      );
    }
  }
  const slackWebhookParameter = used.has("slack")
    ? (feed?.slackWebhookParameter ?? need(ENV.slackWebhookParameter))
    : undefined;
  return {
    errorTable: need(ENV.errorTable),
    runsTable: need(ENV.runsTable),
    pipelineName: env[ENV.pipelineName] || DEFAULT_PIPELINE_NAME,
    policy,
    consoleRegion: env[ENV.consoleRegion] || env.AWS_REGION || "ap-northeast-1",
    stateMachineArn: env[ENV.stateMachineArn] || undefined,
    checkLogGroup: env[ENV.checkLogGroup] || env.AWS_LAMBDA_LOG_GROUP_NAME || undefined,
    outcomes: outcomeSettings(env),
    alertTopicArn: used.has("sns") ? need(ENV.alertTopicArn) : undefined,
    slackWebhookParameter,
    emailFrom: used.has("email") ? need(ENV.emailFrom) : undefined,
    emailTo,
    feed: feedLabel(feed ?? undefined),
    ...(feed ? { feedPrefix: feed.prefix } : {}),
    noticeScope: feed?.name ?? readFeeds(env)[0].name,
    ...(feed ? { metricFeed: feed.name } : {}),
  };
}

let clockOverride: (() => Date) | undefined;

/** Replaces the clock (tests); `undefined` restores `NOTIFY_NOW` or the system clock. */
export function setClock(clock: (() => Date) | undefined): void {
  clockOverride = clock;
}

function now(): Date {
  if (clockOverride) return clockOverride();
  return timeEnv(NOTIFY_NOW_ENV) ?? new Date();
}

const log = createLogger("check-errors-and-notify");

/** Delivers a notice on its channel with the feed's delivery settings (the error check and the arrival check). */
export function channelSender(cfg: HandlerConfig): ChannelSender {
  const d = cfg.policy.delivery;
  return async (message) => {
    const opts = {
      timeoutMs: d.timeoutMs,
      attempts: message.attempts ?? d.attempts,
      backoffMs: d.backoffMs,
      maxRetryAfterMs: d.maxRetryAfterSeconds * 1000,
    };
    if (message.channel === "slack") {
      const url = await getSlackWebhookUrl(cfg.slackWebhookParameter!);
      return postSlackWebhook(url, message.payload, opts);
    }
    if (message.channel === "sns") return publishSnsNotice(cfg.alertTopicArn!, message.notice, opts);
    return sendEmailNotice(cfg.emailFrom!, cfg.emailTo, message.notice, opts);
  };
}

/** The variables a config is read from: a config is read again when one of them changed (tests, the local runner). */
const CONFIG_VARIABLES = [
  ENV.feeds,
  ENV.notifyPolicy,
  ENV.runsTable,
  ENV.errorTable,
  ENV.rejectedPrefix,
  ENV.resultsPrefix,
  ENV.outputProcessed,
  ENV.emailTo,
  ENV.emailFrom,
  ENV.slackWebhookParameter,
  ENV.alertTopicArn,
  ENV.pipelineName,
];

/** Configs by feed (`UNKNOWN_FEED` for a key under none), each read once per warm container. */
const cached = new Map<string, { key: string; cfg: HandlerConfig }>();
function config(feed: FeedEnvEntry | null): HandlerConfig {
  const key = JSON.stringify(CONFIG_VARIABLES.map((name) => FUNCTION_ENV[name] ?? null));
  const label = feedLabel(feed ?? undefined);
  const hit = cached.get(label);
  if (hit?.key === key) return hit.cfg;
  const cfg = loadCheckConfig(FUNCTION_ENV, feed);
  cached.set(label, { key, cfg });
  return cfg;
}

function deps(cfg: HandlerConfig): CheckDeps {
  return {
    now,
    store: dynamoRunStore({ runsTable: cfg.runsTable, errorTable: cfg.errorTable, feed: cfg.noticeScope }),
    send: channelSender(cfg),
    putMetrics: (values, at) => putRunMetrics(cfg.pipelineName, values, at, cfg.metricFeed),
    log: withFields(log, { feed: cfg.feed }),
    dataset: {
      history: dynamoFeedHistory(cfg.runsTable),
      async writeRecords(records) {
        const writer = new ErrorWriter(cfg.errorTable);
        for (const record of records) await writer.add(record);
        await writer.flush();
      },
    },
    writeReport: putReportHtml,
  };
}

/** What a digest flush returns: each feed's digest per channel. */
export interface DigestFlushOutput {
  digest: DigestFlushEvent["digest"];
  results: (DigestOutcome & { feed: string })[];
}

/**
 * Lambda entry point. A {@link CheckInput} (from the state machine) runs the error check and notification with the
 * settings of the feed its key is under (`findFeed`; the function's own variables when it is under none); a
 * `{ "digest": "flush" }` event (from the schedule) delivers every feed's deferred digests.
 */
export async function handler(event: unknown, _context?: unknown): Promise<CheckOutput | DigestFlushOutput> {
  if ((event as Partial<DigestFlushEvent>)?.digest === DIGEST_FLUSH_EVENT.digest) {
    const perFeed = await Promise.all(
      readFeeds().map(async (feed) => {
        const cfg = config(feed);
        const results = await flushDigests(cfg, deps(cfg));
        return results.map((r) => ({ ...r, feed: feed.name }));
      }),
    );
    return { digest: DIGEST_FLUSH_EVENT.digest, results: perFeed.flat() };
  }
  const input = checkInput(event);
  // The key is the split's (decoded) one, or the event's when the split failed: either form finds the feed.
  const cfg = config(findFeed(input.key) ?? findFeed(decodeEventKey(input.key)) ?? null);
  return runCheck(input, cfg, deps(cfg));
}
