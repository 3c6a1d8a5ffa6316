import {
  DEFAULT_FEED,
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
  SEVERITY_RANK,
  type Severity,
} from "../../contract";
import type { Logger } from "../log";
import { boundedReason } from "./check-channel";
import { buildDigest } from "./digest";
import type { NotifyPolicy } from "./policy";
import { quietReason } from "./policy-rules";
import type { ChannelMessage, ChannelSender, RunStorePort } from "./ports";

/** Outcome of one channel's digest flush. */
export interface DigestOutcome {
  channel: NotificationChannel;
  status: "sent" | "empty" | "skipped" | "failed";
  runs: number;
  reason?: string;
}

/**
 * Delivers the notices deferred during quiet hours, one digest per channel, once the quiet period is over. Runs
 * from a schedule (`{ "digest": "flush" }`). A lease per channel keeps two flushes from sending the same digest;
 * entries are deleted only after their digest was delivered, so a failed flush is retried by the next one.
 */
export async function flushDigests(
  cfg: { policy: NotifyPolicy; feed?: string },
  deps: { now(): Date; store: RunStorePort; send: ChannelSender; log: Logger },
): Promise<DigestOutcome[]> {
  const now = deps.now();
  const quiet = quietReason(now, cfg.policy);
  if (quiet) {
    const out = NOTIFICATION_CHANNELS.map((channel) => ({
      channel,
      status: "skipped" as const,
      runs: 0,
      reason: `quiet hours (${quiet})`,
    }));
    deps.log.info("digest flush skipped", { reason: quiet, severity: "NONE" });
    return out;
  }
  const outcomes = await Promise.all(
    NOTIFICATION_CHANNELS.map(async (channel): Promise<DigestOutcome> => {
      if (!(await deps.store.claimDigestFlush(channel, now))) {
        return { channel, status: "skipped", runs: 0, reason: "another flush is running" };
      }
      try {
        const entries = await deps.store.readDigestEntries(channel);
        if (!entries.length) return { channel, status: "empty", runs: 0 };
        const digest = buildDigest(entries, cfg.policy.locale, cfg.policy.timeZone, cfg.feed);
        const top = entries.reduce<Severity>(
          (acc, e) =>
            e.level !== "SUCCESS" && e.level !== "WARNING" && SEVERITY_RANK[e.level] < SEVERITY_RANK[acc]
              ? e.level
              : acc,
          "LOW",
        );
        const message: ChannelMessage =
          channel === "slack"
            ? { channel, payload: digest.slack }
            : channel === "sns"
              ? {
                  channel,
                  notice: {
                    subject: digest.subject,
                    message: digest.text,
                    severity: top,
                    executionName: "digest",
                    feed: cfg.feed ?? DEFAULT_FEED,
                    truncated: false,
                  },
                }
              : { channel, notice: { subject: digest.subject, text: digest.text, html: digest.html } };
        try {
          await deps.send(message);
        } catch (err) {
          return { channel, status: "failed", runs: entries.length, reason: boundedReason((err as Error).message) };
        }
        await deps.store.deleteDigestEntries(
          channel,
          entries.map((e) => e.executionName),
        );
        return { channel, status: "sent", runs: entries.length };
      } finally {
        await deps.store.releaseDigestFlush(channel).catch(() => undefined);
      }
    }),
  );
  const failed = outcomes.some((o) => o.status === "failed");
  (failed ? deps.log.warn : deps.log.info)("digest flush finished", { digests: outcomes, severity: "NONE" });
  return outcomes;
}
