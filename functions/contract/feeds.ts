import { PREFIXES } from "./metrics";
import { SCHEMA_OBJECT_KEY } from "./outcomes";

// ---------------------------------------------------------------------------------------------------------------
// Feeds: several CSV feeds in one stack, each under its own input prefix, with its own schema and recipients
// ---------------------------------------------------------------------------------------------------------------

/** The feed of a stack configured with the single-feed keys (`inputPrefix`, `rowSchemaPath`, …). */
export const DEFAULT_FEED = "default";

/**
 * What logs, manifests and the SNS `feed` attribute say for a key under no feed's prefix (a run started by hand, or
 * by a rule the configuration no longer has). Not a feed name (`FEED_NAME_PATTERN` rejects it), so no feed can
 * claim it; the stack's on-call filter matches it to be paged for such runs.
 */
export const UNKNOWN_FEED = "(unknown)";

/** Most feeds one stack may have: each adds a rule, alarms, a dashboard row and metric streams. */
export const MAX_FEEDS = 20;

/**
 * A feed's name: lower-case letters, digits and hyphens, starting with a letter, at most 24 characters. It appears in
 * resource names, an SSM parameter path, an S3 key and a metric dimension, which all accept these characters.
 */
export const FEED_NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,22}[a-z0-9])?$/;

/**
 * One feed as a function reads it from `FEEDS`. Every function gets `name` and `prefix`, and only the settings it
 * reads; a setting absent from an entry means the function's own variable (the stack's value), so the environment
 * stays within Lambda's 4 KB however many feeds share a value.
 */
export interface FeedEnvEntry {
  name: string;
  /** Key prefix of the feed's uploads (ends with "/"); prefixes of a stack never nest, so one key has one feed. */
  prefix: string;
  /** `s3://bucket/key` of the feed's row schema (split-csv, process-chunk); else `SCHEMA_LOCATION`. */
  schema?: string;
  /** Language of the feed's `errors.csv` (process-chunk, aggregate-results); else `OUTPUT_LOCALE`. */
  locale?: "ja" | "en";
  /** The feed's notification policy as JSON (check); else `NOTIFY_POLICY`. */
  notifyPolicy?: string;
  /** The feed's e-mail recipients, comma-separated (check); else `EMAIL_TO`. */
  emailTo?: string;
  /** Name of the SSM SecureString holding the feed's Slack webhook URL (check); else `SLACK_WEBHOOK_PARAMETER`. */
  slackWebhookParameter?: string;
}

/**
 * Object key of a feed's row schema: the {@link DEFAULT_FEED}'s is `SCHEMA_OBJECT_KEY` (where a single-feed stack
 * has always kept it), every other feed's is under `_config/feeds/<name>/`.
 *
 * @example feedSchemaKey("orders") // "_config/feeds/orders/schema.json"
 */
export function feedSchemaKey(feed: string): string {
  return feed === DEFAULT_FEED ? SCHEMA_OBJECT_KEY : `${PREFIXES.config}feeds/${feed}/schema.json`;
}
