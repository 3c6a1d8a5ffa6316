import { putRunMetrics } from "./adapters/metrics";
import { dynamoRunStore } from "./adapters/run-store";
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
  NOTIFY_NOW_ENV,
  type NotificationChannel,
} from "./contract";
import { requireEnv, timeEnv } from "./core/env";
import { createLogger } from "./core/log";
import { parseNotifyPolicy } from "./core/notify/policy";
import type { ChannelSender } from "./core/notify/ports";
import {
  type CheckConfig,
  type CheckDeps,
  type DigestOutcome,
  flushDigests,
  runCheck,
  validateCheckInput,
} from "./core/notify/run";
import { outcomeSettings } from "./core/outcomes/settings";

/** Everything the handler reads from its environment. */
export interface HandlerConfig extends CheckConfig {
  errorTable: string;
  runsTable: string;
  alertTopicArn?: string;
  slackWebhookParameter?: string;
  emailFrom?: string;
  emailTo: string[];
}

/**
 * Reads and validates the configuration. Tables are always required; each channel's variables are required when
 * the policy routes anything to that channel. A missing variable fails with its name; a bad policy names the key.
 */
export function loadCheckConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const policy = parseNotifyPolicy(env[ENV.notifyPolicy], ENV.notifyPolicy);
  const used = new Set<NotificationChannel>([
    ...Object.values(policy.routing).flat(),
    ...(policy.successNotice ? (["slack"] as const) : []),
  ]);
  const need = (name: string): string => requireEnv(name, env);
  const emailTo = used.has("email")
    ? need(ENV.emailTo)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
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
    slackWebhookParameter: used.has("slack") ? need(ENV.slackWebhookParameter) : undefined,
    emailFrom: used.has("email") ? need(ENV.emailFrom) : undefined,
    emailTo,
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

function sender(cfg: HandlerConfig): ChannelSender {
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

let cached: { key: string; cfg: HandlerConfig } | undefined;
function config(): HandlerConfig {
  const key = JSON.stringify(
    [
      ENV,
      process.env[ENV.notifyPolicy],
      process.env[ENV.runsTable],
      process.env[ENV.errorTable],
      process.env[ENV.rejectedPrefix],
    ].map(String),
  );
  if (!cached || cached.key !== key) cached = { key, cfg: loadCheckConfig() };
  return cached.cfg;
}

function deps(cfg: HandlerConfig): CheckDeps {
  return {
    now,
    store: dynamoRunStore({ runsTable: cfg.runsTable, errorTable: cfg.errorTable }),
    send: sender(cfg),
    putMetrics: (values, at) => putRunMetrics(cfg.pipelineName, values, at),
    log,
  };
}

/** What a digest flush returns. */
export interface DigestFlushOutput {
  digest: DigestFlushEvent["digest"];
  results: DigestOutcome[];
}

/**
 * Lambda entry point. A {@link CheckInput} (from the state machine) runs the error check and notification; a
 * `{ "digest": "flush" }` event (from the schedule) delivers deferred digests.
 */
export async function handler(event: unknown, _context?: unknown): Promise<CheckOutput | DigestFlushOutput> {
  const cfg = config();
  if ((event as Partial<DigestFlushEvent>)?.digest === DIGEST_FLUSH_EVENT.digest) {
    return { digest: DIGEST_FLUSH_EVENT.digest, results: await flushDigests(cfg, deps(cfg)) };
  }
  return runCheck(validateCheckInput(event), cfg, deps(cfg));
}
