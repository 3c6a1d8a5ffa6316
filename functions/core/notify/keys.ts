import { RUN_KEYS } from "../../contract";

/**
 * Keys of the check's own items in the runs table, built on the contract's `RUN_KEYS`:
 * - ledger: `EXEC#<name>` / `NOTIFY#<channel>` (one per execution × channel);
 * - metrics ledger: `EXEC#<name>` / `METRICS` (the run's own metrics, published once);
 * - rate limit: `CHANNEL#<channel>` / `RATE`;
 * - deferred notice: `CHANNEL#<channel>` / `DIGEST#<executionName>` (one per execution, so a retry overwrites);
 * - digest flush lease: `CHANNEL#<channel>` / `DIGEST_LOCK`;
 * - failure streak: `PREFIX#<key prefix>` / `STREAK`.
 */
export const NOTIFY_KEYS = {
  ledger: (executionName: string, channel: string) => ({
    pk: RUN_KEYS.execution(executionName),
    sk: RUN_KEYS.notification(channel),
  }),
  metrics: (executionName: string) => ({ pk: RUN_KEYS.execution(executionName), sk: "METRICS" }),
  rate: (channel: string) => ({ pk: RUN_KEYS.channel(channel), sk: RUN_KEYS.rateWindow }),
  digestEntry: (channel: string, executionName: string) => ({
    pk: RUN_KEYS.channel(channel),
    sk: `${RUN_KEYS.digest}#${executionName}`,
  }),
  digestEntryPrefix: `${RUN_KEYS.digest}#`,
  digestLock: (channel: string) => ({ pk: RUN_KEYS.channel(channel), sk: `${RUN_KEYS.digest}_LOCK` }),
  streak: (keyPrefix: string) => ({ pk: RUN_KEYS.prefix(keyPrefix), sk: RUN_KEYS.streak }),
} as const;

/** How long the check's own items live (DynamoDB TTL): 30 days. */
export const NOTIFY_ITEM_TTL_SECONDS = 30 * 24 * 3600;
