/**
 * The notification channels together: the e-mail pair, and the policy's routes fitted to the channels that are
 * configured, so that the check never needs the settings of a channel that was never given.
 */
import { NOTIFICATION_CHANNELS, type NotificationChannel } from "../../functions/contract";
import type { NotifyPolicy } from "../../functions/core/notify/policy";
import { type ConfigProblem, problemAt } from "./problems";
import { CHANNEL_KEYS, type Settings } from "./settings";
import { fromJsonText } from "./text-values";

/** E-mail is on when both `emailFrom` and at least one `emailTo` address are set, and off when neither is. */
export function emailProblems(emailFrom: string | undefined, emailTo: readonly string[]): ConfigProblem[] {
  if (emailFrom !== undefined && emailTo.length === 0) {
    return [problemAt(["emailTo"], "must list at least one address when emailFrom is set (both or neither)")];
  }
  if (emailFrom === undefined && emailTo.length > 0) {
    return [problemAt(["emailFrom"], "must be set together with emailTo (both or neither)")];
  }
  return [];
}

/** The result of fitting a policy to the channels that are configured. */
export interface RoutedPolicy {
  policy: NotifyPolicy;
  /** Unconfigured channels that the default routing used and that were taken out (`notifyPolicy.routing: …`). */
  warnings: string[];
  /** Channels the policy names explicitly although they are not configured. */
  problems: ConfigProblem[];
}

/** Why a channel is not configured, when it is not for want of its stack keys (`feeds[1].notify.emailTo is empty`). */
export type ChannelReasons = Partial<Record<NotificationChannel, string>>;

function notConfigured(channel: NotificationChannel, reasons: ChannelReasons = {}): string {
  const keys = CHANNEL_KEYS[channel];
  return `is not configured (${reasons[channel] ?? `${keys.join(" and ")} ${keys.length > 1 ? "are" : "is"} not set`})`;
}

/**
 * Takes the channels that are not configured out of the policy: from a level's routing when that level was left at
 * its default (a warning), and reports a level or `successNotice` that names one explicitly (a problem naming the
 * key). The policy returned only routes to configured channels, so the check never needs a channel's settings that
 * were never given.
 *
 * @param raw the policy as given (JSON text or an object), to tell explicit routes from defaults
 * @param reasons why a channel is not configured, where its stack keys do not say (a feed's own recipients)
 * @example
 * routeToConfiguredChannels(parseNotifyPolicy({}), {}, { slack: true, sns: true, email: false }).policy.routing.HIGH
 * // ["slack"]
 */
export function routeToConfiguredChannels(
  policy: NotifyPolicy,
  raw: unknown,
  configured: Readonly<Record<NotificationChannel, boolean>>,
  reasons: ChannelReasons = {},
): RoutedPolicy {
  const given = fromJsonText(raw) as { routing?: Record<string, unknown>; successNotice?: unknown } | undefined;
  const routing = { ...policy.routing };
  const dropped = new Map<NotificationChannel, string[]>();
  const problems: ConfigProblem[] = [];
  for (const [level, channels] of Object.entries(policy.routing) as [
    keyof NotifyPolicy["routing"],
    NotificationChannel[],
  ][]) {
    const missing = channels.filter((c) => !configured[c]);
    if (missing.length === 0) continue;
    const kept = channels.filter((c) => configured[c]);
    if (Array.isArray(given?.routing?.[level])) {
      for (const channel of missing) {
        problems.push(
          problemAt(
            ["notifyPolicy", "routing", level],
            `routes to ${channel}, which ${notConfigured(channel, reasons)}`,
            {
              path: ["notifyPolicy", "routing", level],
              value: kept.length > 0 ? kept : NOTIFICATION_CHANNELS.filter((c) => configured[c]).slice(0, 1),
            },
          ),
        );
      }
      continue;
    }
    routing[level] = kept;
    for (const channel of missing) dropped.set(channel, [...(dropped.get(channel) ?? []), level]);
  }
  let successNotice = policy.successNotice;
  if (successNotice && !configured.slack) {
    if (given?.successNotice === true) {
      problems.push(
        problemAt(["notifyPolicy", "successNotice"], `posts to slack, which ${notConfigured("slack", reasons)}`, {
          path: ["notifyPolicy", "successNotice"],
          value: false,
        }),
      );
    } else successNotice = false;
  }
  const warnings = [...dropped].map(
    ([channel, levels]) =>
      `notifyPolicy.routing: ${channel} ${notConfigured(channel, reasons)}; dropped from ${levels.join(", ")}`,
  );
  if (successNotice !== policy.successNotice) {
    warnings.push(`notifyPolicy.successNotice: slack ${notConfigured("slack", reasons)}; the success notice is off`);
  }
  return { policy: { ...policy, routing, successNotice }, warnings, problems };
}

/**
 * Checks the channel settings together — the e-mail pair, then the policy's routes — once each of them is valid on
 * its own, and returns the policy routed to the configured channels (see {@link routeToConfiguredChannels}).
 *
 * @param slack whether a Slack webhook is configured
 */
export function checkChannels(
  values: Partial<Pick<Settings, "emailFrom" | "emailTo" | "onCallEmail" | "notifyPolicy">>,
  rawPolicy: unknown,
  slack: boolean,
): { policy?: NotifyPolicy; warnings: string[]; problems: ConfigProblem[] } {
  const { emailTo, notifyPolicy } = values;
  if (emailTo === undefined || !("emailFrom" in values)) return { policy: notifyPolicy, warnings: [], problems: [] };
  const problems = emailProblems(values.emailFrom, emailTo);
  if (problems.length > 0 || notifyPolicy === undefined || !("onCallEmail" in values)) {
    return { policy: notifyPolicy, warnings: [], problems };
  }
  return routeToConfiguredChannels(notifyPolicy, rawPolicy, {
    slack,
    email: values.emailFrom !== undefined,
    sns: values.onCallEmail !== undefined,
  });
}
