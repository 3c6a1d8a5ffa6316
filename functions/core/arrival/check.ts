import type { NotificationChannel, NotificationStatus } from "../../contract";
import { NotificationDeliveryError } from "../errors";
import type { Logger } from "../log";
import { buildArrivalEmail, buildArrivalSlack, buildArrivalSns } from "../notify/arrival-notice";
import type { NotifyPolicy } from "../notify/policy";
import { channelsFor, rateWindowStart } from "../notify/policy-rules";
import type { ChannelMessage, ChannelSender, RunStorePort } from "../notify/ports";
import type { ArrivalStorePort, FeedRun } from "./ports";
import { type ArrivalRule, arrivalWindow, zonedIso } from "./rule";

/** How a feed stands at its deadline. */
export type ArrivalStatus = "received" | "missing" | "not-due";

/** One channel's outcome of a missing-file notice. */
export interface ArrivalChannelOutcome {
  channel: NotificationChannel;
  status: NotificationStatus;
  reason?: string;
  attempts?: number;
}

/** What one arrival check of one feed found and did. */
export interface ArrivalResult {
  feed: string;
  /** The deadline judged (or the next one, when nothing is due yet), ISO-8601 in the policy's time zone. */
  expectedBy: string | null;
  status: ArrivalStatus;
  /** The feed's latest run on record, whenever it started. */
  lastRun: FeedRun | null;
  /** When the day's window opened (the previous expected deadline); unset when nothing is due. */
  windowOpened?: string;
  /** Why nothing is due: the deadline is still to come, or no file is expected today. */
  notDue?: "before-deadline" | "not-expected-today";
  /** `sent`: this check sent the day's notice; `already-notified`: an earlier check of the day did (or is doing so). */
  notice?: "sent" | "already-notified" | "failed";
  notifications: ArrivalChannelOutcome[];
}

/** The feed the check is for, and how its notices go. */
export interface ArrivalConfig {
  feed: string;
  /** The feed's upload location shown in the notice (`s3://bucket/prefix`). */
  location: string;
  policy: NotifyPolicy;
}

/** What the check talks to. */
export interface ArrivalDeps {
  now(): Date;
  arrivals: ArrivalStorePort;
  /** The feed's notice store: its rate limit is the one the feed's other notices count against. */
  notices: Pick<RunStorePort, "acquireRateSlot">;
  send: ChannelSender;
  /** Publishes `FilesMissing` = 1 for the feed. */
  putFilesMissing(at: Date): Promise<void>;
  log: Logger;
}

/**
 * Checks one feed at its deadline: when today (in the policy's time zone) expects a file, the deadline has passed and
 * no run of the feed started since the day's window opened, the feed missed its file. The first check of the day to
 * find it so claims the day, publishes `FilesMissing` and sends the notice on the channels its severity routes to
 * (CRITICAL bypasses the rate limit, as every CRITICAL notice does; quiet hours do not hold it back: the deadline is
 * the hour the user chose to hear). Later checks of that day report the file missing and send nothing. Throws
 * {@link NotificationDeliveryError} when every channel failed, so a retry (which may claim the day again) can send it.
 */
export async function checkArrival(rule: ArrivalRule, cfg: ArrivalConfig, deps: ArrivalDeps): Promise<ArrivalResult> {
  const now = deps.now();
  const { timeZone } = cfg.policy;
  const window = arrivalWindow(now, rule, timeZone);
  const lastRun = (await deps.arrivals.latestRun(cfg.feed)) ?? null;
  const base = { feed: cfg.feed, lastRun, notifications: [] as ArrivalChannelOutcome[] };
  if (!window.due) {
    const result: ArrivalResult = {
      ...base,
      expectedBy: window.deadline ? zonedIso(window.deadline, timeZone) : null,
      status: "not-due",
      notDue: window.reason,
    };
    deps.log.info("arrival check: not due", { ...logFields(result), severity: "NONE" });
    return result;
  }
  const expectedBy = zonedIso(window.deadline, timeZone);
  const windowOpened = zonedIso(window.opens, timeZone);
  const received = lastRun !== null && Date.parse(lastRun.startTime) >= window.opens.getTime();
  if (received) {
    const result: ArrivalResult = { ...base, expectedBy, windowOpened, status: "received" };
    deps.log.info("arrival check: file received", { ...logFields(result), severity: "NONE" });
    return result;
  }

  const claim = await deps.arrivals.claimDay(cfg.feed, window.date, now);
  if (!claim.claimed) {
    const result: ArrivalResult = {
      ...base,
      expectedBy,
      windowOpened,
      status: "missing",
      notice: "already-notified",
    };
    deps.log.info("arrival check: file missing, already notified", { ...logFields(result), severity: "NONE" });
    return result;
  }
  let metricSent = false;
  if (claim.first) {
    metricSent = await deps.putFilesMissing(now).then(
      () => true,
      (err: unknown) => {
        deps.log.warn("arrival check: FilesMissing metric not published", { error: String(err) });
        return false;
      },
    );
  }
  const input = {
    feed: cfg.feed,
    location: cfg.location,
    by: rule.by,
    deadline: window.deadline,
    ...(lastRun ? { lastRun } : {}),
    severity: rule.severity,
    locale: cfg.policy.locale,
    timeZone,
  };
  const noticeId = `arrival-${cfg.feed}-${window.date}`;
  const render = (channel: NotificationChannel): ChannelMessage =>
    channel === "slack"
      ? { channel, payload: buildArrivalSlack(input) }
      : channel === "sns"
        ? { channel, notice: buildArrivalSns(input, noticeId) }
        : { channel, notice: buildArrivalEmail(input) };
  const outcomes = await Promise.all(
    channelsFor(rule.severity, cfg.policy).map(async (channel): Promise<ArrivalChannelOutcome> => {
      if (rule.severity !== "CRITICAL") {
        const slot = await deps.notices.acquireRateSlot(
          channel,
          rateWindowStart(now, cfg.policy),
          cfg.policy.rateLimit.max,
          now,
        );
        if (!slot.allowed) {
          const { max, windowMinutes } = cfg.policy.rateLimit;
          return {
            channel,
            status: "suppressed",
            reason: `rate limited: more than ${max} notices in ${windowMinutes} min`,
          };
        }
      }
      try {
        const sent = await deps.send(render(channel));
        return { channel, status: "sent", attempts: sent.attempts };
      } catch (err) {
        const attempts = (err as { attempts?: number }).attempts;
        return {
          channel,
          status: "failed",
          reason: (err as Error).message.slice(0, 200),
          ...(attempts !== undefined ? { attempts } : {}),
        };
      }
    }),
  );
  const allFailed = outcomes.length > 0 && outcomes.every((o) => o.status === "failed");
  await deps.arrivals.completeDay(cfg.feed, window.date, allFailed ? "failed" : "sent", now);
  const result: ArrivalResult = {
    ...base,
    expectedBy,
    windowOpened,
    status: "missing",
    notice: allFailed ? "failed" : "sent",
    notifications: outcomes,
  };
  const fields = { ...logFields(result), severity: rule.severity, metricSent };
  if (allFailed) {
    deps.log.error("arrival check: file missing, every notification channel failed", fields);
    throw new NotificationDeliveryError(
      noticeId,
      outcomes.map((o) => ({ channel: o.channel, reason: o.reason ?? "failed" })),
    );
  }
  deps.log.warn("arrival check: file missing", fields);
  return result;
}

function logFields(r: ArrivalResult): Record<string, unknown> {
  return {
    feed: r.feed,
    arrival: r.status,
    expectedBy: r.expectedBy,
    windowOpened: r.windowOpened ?? null,
    lastRun: r.lastRun?.executionName ?? null,
    ...(r.notice ? { notice: r.notice } : {}),
    notifications: r.notifications,
  };
}
