import type { CheckInput, NotificationChannel } from "../../contract";
import type { RunSummary } from "../records/summary";
import type { DigestEntry } from "./digest";
import { buildEmailNotice, buildSlackNotice, buildSnsNotice, type NoticeInput } from "./messages";
import type { NotifyPolicy } from "./policy";
import { type NoticeLevel, type quietReason, rateWindowStart } from "./policy-rules";
import type { ChannelMessage, ChannelOutcome, ChannelSender, RunStorePort } from "./ports";

/** Longest failure reason a channel outcome carries, in characters. */
const MAX_REASON = 200;

/** A failure reason cut to {@link MAX_REASON} characters, as channel outcomes and logs carry it. */
export const boundedReason = (s: string) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s);

/** The channel's rendering of the notice. */
function renderFor(channel: NotificationChannel, notice: NoticeInput): ChannelMessage {
  if (channel === "slack") return { channel, payload: buildSlackNotice(notice) };
  if (channel === "sns") return { channel, notice: buildSnsNotice(notice) };
  return { channel, notice: buildEmailNotice(notice) };
}

/** What the check decided for the run, the same for every channel it notifies. */
export interface ChannelContext {
  input: CheckInput;
  summary: RunSummary;
  level: NoticeLevel;
  quiet: ReturnType<typeof quietReason>;
  notice: NoticeInput;
  now: Date;
}

/**
 * Notifies one routed channel of the run: dedup ledger → quiet hours (defer to the digest) → rate limit → delivery,
 * within what is left of the notice's attempts budget. A failed delivery is an outcome, recorded in the ledger; an
 * error of the store throws (the check reports the channel failed).
 */
export async function notifyChannel(
  channel: NotificationChannel,
  ctx: ChannelContext,
  cfg: { policy: NotifyPolicy },
  deps: { store: RunStorePort; send: ChannelSender },
): Promise<ChannelOutcome> {
  const { store } = deps;
  const exec = ctx.input.executionName;
  const claim = await store.claimNotification(exec, channel, ctx.now);
  if (!claim.claimed) {
    if (claim.status === "sent") {
      const reason = "delivered by an earlier attempt";
      return { channel, status: "sent", reason, attempts: claim.attempts, settledEarlier: true };
    }
    const reason =
      claim.status === "pending"
        ? "duplicate: another check is sending it now"
        : `duplicate: already ${claim.status}${claim.updatedAt ? ` at ${claim.updatedAt}` : ""}`;
    return { channel, status: "suppressed", reason, settledEarlier: true };
  }
  // The attempts budget is per notice: a notice an earlier check attempt failed continues with what is left.
  const budget = cfg.policy.delivery.attempts - claim.attempts;
  if (budget <= 0) {
    const reason = `not retried: earlier check attempts made all ${claim.attempts} HTTP attempts`;
    await store.completeNotification(exec, channel, "failed", ctx.now, { reason, attempts: claim.attempts });
    return { channel, status: "failed", reason, attempts: claim.attempts, settledEarlier: true };
  }
  const critical = ctx.level === "CRITICAL";

  if (!critical && ctx.quiet) {
    const entry: DigestEntry = {
      executionName: exec,
      bucket: ctx.summary.bucket,
      key: ctx.summary.key,
      level: ctx.level,
      errorCount: ctx.summary.errorCount,
      criticalCount: ctx.summary.criticalCount,
      startTime: ctx.summary.startTime,
      deferredAt: ctx.now.toISOString(),
      quietReason: ctx.quiet,
      ...(ctx.summary.warningCount > 0 ? { warningCount: ctx.summary.warningCount } : {}),
      ...(ctx.notice.rejected
        ? {
            rejected: {
              rows: ctx.notice.rejected.rows,
              ...(ctx.notice.rejected.url ? { url: ctx.notice.rejected.url } : {}),
            },
          }
        : {}),
    };
    await store.putDigestEntry(channel, entry, ctx.now);
    const reason = `deferred: quiet hours (${ctx.quiet}); sent in the next digest`;
    await store.completeNotification(exec, channel, "deferred", ctx.now, { reason });
    return { channel, status: "suppressed", reason };
  }

  let suppressedBefore: { count: number; since: string } | undefined;
  if (critical) {
    suppressedBefore = await store.takeSuppressed(channel);
  } else {
    const rate = await store.acquireRateSlot(
      channel,
      rateWindowStart(ctx.now, cfg.policy),
      cfg.policy.rateLimit.max,
      ctx.now,
    );
    if (!rate.allowed) {
      const reason = `rate limited: more than ${cfg.policy.rateLimit.max} notices in ${cfg.policy.rateLimit.windowMinutes} min`;
      await store.completeNotification(exec, channel, "suppressed", ctx.now, { reason });
      return { channel, status: "suppressed", reason };
    }
    suppressedBefore = rate.suppressedBefore;
  }

  const message = renderFor(channel, { ...ctx.notice, suppressed: suppressedBefore });
  try {
    const sent = await deps.send({ ...message, attempts: budget });
    const attempts = claim.attempts + sent.attempts;
    await store.completeNotification(exec, channel, "sent", ctx.now, { attempts });
    return { channel, status: "sent", attempts };
  } catch (err) {
    const reason = boundedReason(`${(err as Error).message}`);
    const attempts = claim.attempts + ((err as { attempts?: number }).attempts ?? 0);
    if (suppressedBefore) await store.restoreSuppressed(channel, suppressedBefore).catch(() => undefined);
    await store.completeNotification(exec, channel, "failed", ctx.now, { reason, attempts }).catch(() => undefined);
    return { channel, status: "failed", reason, attempts };
  }
}
