import { DEFAULT_FEED, RUN_KEYS } from "../../contract";

/**
 * The channel part of a feed's items: a feed's notices go to its own recipients, so its rate limit, suppressed count
 * and deferred digest are its own. The {@link DEFAULT_FEED}'s (and a store without a feed) is the channel alone, as
 * before a stack had feeds, so an upgraded stack keeps its items.
 */
function scoped(channel: string, feed: string | undefined): string {
  return feed === undefined || feed === DEFAULT_FEED ? channel : `${channel}#FEED#${feed}`;
}

/** The key prefix part of a feed's failure streak (see {@link scoped}). */
function scopedPrefix(keyPrefix: string, feed: string | undefined): string {
  return feed === undefined || feed === DEFAULT_FEED ? keyPrefix : `FEED#${feed}#${keyPrefix}`;
}

/**
 * Keys of the check's own items in the runs table, built on the contract's `RUN_KEYS`:
 * - ledger: `EXEC#<name>` / `NOTIFY#<channel>` (one per execution × channel);
 * - metrics ledger: `EXEC#<name>` / `METRICS` (the run's own metrics, published once);
 * - run line: `EXEC#<name>` / `RUN_LINE` (the run's closing log line carries its severity once);
 * - rate limit: `CHANNEL#<channel>` / `RATE`;
 * - deferred notice: `CHANNEL#<channel>` / `DIGEST#<executionName>` (one per execution, so a retry overwrites);
 * - digest flush lease: `CHANNEL#<channel>` / `DIGEST_LOCK`;
 * - failure streak: `PREFIX#<key prefix>` / `STREAK`.
 *
 * A feed other than `default` has its own rate limit, digest, lease and streak: `<channel>` becomes
 * `<channel>#FEED#<feed>` and `<key prefix>` becomes `FEED#<feed>#<key prefix>`. An execution's items need no feed:
 * an execution has one.
 */
export const NOTIFY_KEYS = {
  ledger: (executionName: string, channel: string) => ({
    pk: RUN_KEYS.execution(executionName),
    sk: RUN_KEYS.notification(channel),
  }),
  metrics: (executionName: string) => ({ pk: RUN_KEYS.execution(executionName), sk: "METRICS" }),
  runLine: (executionName: string) => ({ pk: RUN_KEYS.execution(executionName), sk: "RUN_LINE" }),
  rate: (channel: string, feed?: string) => ({ pk: RUN_KEYS.channel(scoped(channel, feed)), sk: RUN_KEYS.rateWindow }),
  /** Partition of a channel's (and feed's) digest entries. */
  digestPartition: (channel: string, feed?: string) => RUN_KEYS.channel(scoped(channel, feed)),
  digestEntry: (channel: string, executionName: string, feed?: string) => ({
    pk: RUN_KEYS.channel(scoped(channel, feed)),
    sk: `${RUN_KEYS.digest}#${executionName}`,
  }),
  digestEntryPrefix: `${RUN_KEYS.digest}#`,
  digestLock: (channel: string, feed?: string) => ({
    pk: RUN_KEYS.channel(scoped(channel, feed)),
    sk: `${RUN_KEYS.digest}_LOCK`,
  }),
  streak: (keyPrefix: string, feed?: string) => ({
    pk: RUN_KEYS.prefix(scopedPrefix(keyPrefix, feed)),
    sk: RUN_KEYS.streak,
  }),
} as const;

/** How long the check's own items live (DynamoDB TTL): 30 days. */
export const NOTIFY_ITEM_TTL_SECONDS = 30 * 24 * 3600;
