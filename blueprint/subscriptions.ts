/**
 * The alert topic's on-call e-mail subscriptions and their SNS filter policies, and how SNS matches a message's
 * attributes against them. Pure (no Pulumi): the Pulumi program creates exactly {@link onCallSubscriptions}, and the
 * local runner's loopback SNS delivers each publish through the same list with {@link filterPolicyMatches}.
 */

import { type NotificationChannel, SEVERITIES, type Severity } from "../functions/contract";

/**
 * Subscription filter policy of the on-call path on the alert topic: notices whose `severity` attribute is CRITICAL.
 * CloudWatch alarm notifications carry no message attributes, and SNS never matches a filter policy against a message
 * without attributes (not even `{ exists: false }`, see {@link filterPolicyMatches}): Critical alarms therefore page
 * on-call through a topic of their own, whose on-call subscription has no filter (`infra/notifications.ts`).
 */
export const CRITICAL_FILTER_POLICY = { severity: ["CRITICAL"] } as const;

/** The SNS message attribute naming the feed of a notice. */
export const FEED_ATTRIBUTE = "feed";

/** SNS filter policy values: exact strings, `{ exists: false }` (attribute absent), `{ "anything-but": [...] }`. */
export type FilterValue = string | { exists: false } | { "anything-but": string[] };

/** A filter policy on message attributes: every key must match, each by one of its values. */
export type FilterPolicy = Record<string, FilterValue[]>;

/** What the on-call subscriptions need of one feed. */
export interface OnCallFeed {
  name: string;
  /** The address paged for the feed's CRITICAL notices. */
  onCallEmail?: string;
  /** Whether `onCallEmail` is the feed's own (not the stack's). */
  ownOnCall: boolean;
  /** The feed's notification routing (default: the default policy's, which sends only CRITICAL to `sns`). */
  policy?: { routing: Readonly<Record<Severity, readonly NotificationChannel[]>> };
}

/**
 * The `severity` values the feeds' notices may carry on the alert topic: CRITICAL always (the state machine's
 * check-failure page, escalations), and every level a feed's `notifyPolicy.routing` sends to `sns` — a HIGH notice
 * routed to `sns` must reach the on-call it is published for. Most severe first.
 *
 * @example snsSeverities([{ name: "orders", ownOnCall: false, policy: { routing: { …, HIGH: ["sns", "slack"] } } }]) // ["CRITICAL", "HIGH"]
 */
export function snsSeverities(feeds: readonly OnCallFeed[]): Severity[] {
  const routed = new Set<Severity>(["CRITICAL"]);
  for (const feed of feeds)
    for (const level of SEVERITIES) if (feed.policy?.routing[level]?.includes("sns")) routed.add(level);
  return [...SEVERITIES].reverse().filter((level) => routed.has(level));
}

/** One e-mail subscription of the alert topic. */
export interface OnCallSubscription {
  /** The e-mail address subscribed. */
  endpoint: string;
  filterPolicy: FilterPolicy;
  /** The stack's on-call, or the feeds a feed's own on-call is paged for. */
  owner: { kind: "stack" } | { kind: "feeds"; feeds: string[] };
}

/** The on-call e-mail addresses of the feeds that have their own, each with the feeds it is paged for. */
export function feedOnCallGroups(feeds: readonly OnCallFeed[], stackOnCall?: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const feed of feeds) {
    // A feed whose own address is the stack's is paged through the stack's subscription: SNS keeps one
    // subscription per topic and endpoint, so a second one with another filter would fight over it.
    if (!feed.ownOnCall || !feed.onCallEmail || feed.onCallEmail === stackOnCall) continue;
    groups.set(feed.onCallEmail, [...(groups.get(feed.onCallEmail) ?? []), feed.name]);
  }
  return groups;
}

/**
 * Filter policy of the stack's on-call e-mail: CRITICAL notices ({@link CRITICAL_FILTER_POLICY}) and the levels the
 * routing of the feeds it is paged for sends to `sns` ({@link snsSeverities}). When some feeds
 * page an on-call of their own, their notices are left out — by exclusion, so that a notice of any other feed (also
 * of a run whose key is under no feed's prefix, and the check-failure page of a run whose split did not return, whose
 * feed is `UNKNOWN_FEED`) still pages the stack's on-call — and messages without a `feed` attribute still come
 * through (a CRITICAL publish of anything else on the topic).
 *
 * @example stackOnCallFilterPolicy([orders, stockWithOwnOnCall]) // { severity: […], feed: [{ "anything-but": ["stock"] }, { exists: false }] }
 */
export function stackOnCallFilterPolicy(feeds: readonly OnCallFeed[], stackOnCall?: string): FilterPolicy {
  const pagedElsewhere = [...feedOnCallGroups(feeds, stackOnCall).values()].flat();
  const severity = snsSeverities(feeds.filter((feed) => !pagedElsewhere.includes(feed.name)));
  if (pagedElsewhere.length === 0) return { severity };
  return { severity, [FEED_ATTRIBUTE]: [{ "anything-but": pagedElsewhere }, { exists: false }] };
}

/**
 * Filter policy of a feed's own on-call e-mail on the alert topic: the notices its feeds send to `sns` (CRITICAL,
 * and the levels their routing sends there, see {@link snsSeverities}) and nothing of other feeds (its feeds' alarms
 * reach it through an alarm topic of their own, see `infra/notifications.ts`).
 */
export function feedOnCallFilterPolicy(
  feedNames: readonly string[],
  severities: readonly Severity[] = ["CRITICAL"],
): FilterPolicy {
  return { severity: [...severities], [FEED_ATTRIBUTE]: [...feedNames] };
}

/**
 * Every e-mail subscription the alert topic gets, in the order they are created: the stack's on-call (when set),
 * then each address a feed pages on its own (once, with every feed it is paged for).
 *
 * @example onCallSubscriptions([{ name: "orders", onCallEmail: "oncall@x", ownOnCall: false }], "oncall@x")
 * // [{ endpoint: "oncall@x", filterPolicy: { severity: ["CRITICAL"] }, owner: { kind: "stack" } }]
 */
export function onCallSubscriptions(feeds: readonly OnCallFeed[], stackOnCall?: string): OnCallSubscription[] {
  const subscriptions: OnCallSubscription[] = [];
  if (stackOnCall)
    subscriptions.push({
      endpoint: stackOnCall,
      filterPolicy: stackOnCallFilterPolicy(feeds, stackOnCall),
      owner: { kind: "stack" },
    });
  for (const [address, names] of feedOnCallGroups(feeds, stackOnCall))
    subscriptions.push({
      endpoint: address,
      filterPolicy: feedOnCallFilterPolicy(names, snsSeverities(feeds.filter((feed) => names.includes(feed.name)))),
      owner: { kind: "feeds", feeds: names },
    });
  return subscriptions;
}

/**
 * Whether SNS delivers a message with these String `attributes` (name → value) to a subscription with this filter
 * policy (scope `MessageAttributes`), for the operators the policies here use. As the Amazon SNS Developer Guide
 * states it ("Amazon SNS subscription filter policies", "String value matching", "Key matching"):
 * - each property name of the policy must match a message attribute (AND across keys), and at least one of a key's
 *   values must match (OR within a key);
 * - an exact string matches an attribute with that value;
 * - `"anything-but": [...]` matches an attribute whose value is none of them; it "can be combined with
 *   `"exists": false`" to also take messages without it — alone it does not match an absent attribute;
 * - `"exists": false` matches a message that does not include the attribute, but "only matches if at least one
 *   attribute is present. An empty set of attributes results in the filter not matching."
 */
export function filterPolicyMatches(policy: FilterPolicy, attributes: Readonly<Record<string, string>>): boolean {
  const anyAttribute = Object.keys(attributes).length > 0;
  return Object.entries(policy).every(([name, values]) => {
    const value = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
    return values.some((v) => {
      if (typeof v === "string") return value === v;
      if ("exists" in v) return value === undefined && anyAttribute;
      return value !== undefined && !v["anything-but"].includes(value);
    });
  });
}
