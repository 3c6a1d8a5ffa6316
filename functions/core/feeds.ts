/**
 * Which feed a run belongs to. A stack's feeds each own an input prefix, and prefixes never nest, so the feed is a
 * function of the object key: every function finds it from the key it already has, and no state has to carry it
 * (a run started by hand with only `bucket` and `key` finds its feed as an upload does).
 */
import { DEFAULT_FEED, ENV, FEED_NAME_PATTERN, type FeedEnvEntry, UNKNOWN_FEED } from "../contract";
import { type Env, FUNCTION_ENV, requireEnv } from "./env";
import { EnvironmentError, InputError } from "./errors";

/** The one feed of a function whose `FEEDS` is unset: every key is its own (unit tests, older deployments). */
export const ANY_KEY_FEED: FeedEnvEntry = Object.freeze({ name: DEFAULT_FEED, prefix: "" });

let cached: { raw: string; feeds: FeedEnvEntry[] } | undefined;

/**
 * The feeds named by `FEEDS` (JSON list of {@link FeedEnvEntry}), checked: names and prefixes present, names
 * well-formed and unique. Unset or empty gives the single {@link ANY_KEY_FEED}. Parsed once per distinct value.
 *
 * @example readFeeds({ FEEDS: '[{"name":"orders","prefix":"orders/"}]' })[0].prefix // "orders/"
 */
export function readFeeds(env: Env = FUNCTION_ENV): FeedEnvEntry[] {
  const raw = env[ENV.feeds];
  if (raw === undefined || raw === "") return [ANY_KEY_FEED];
  if (cached?.raw === raw) return cached.feeds;
  const bad = (what: string) =>
    new EnvironmentError(
      `Environment variable ${ENV.feeds} ${what}. It must be a JSON list of feeds, e.g. [{"name":"orders","prefix":"orders/"}].`,
    );
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw bad("is not JSON");
  }
  if (!Array.isArray(value) || value.length === 0) throw bad("is not a non-empty list");
  const seen = new Set<string>();
  const feeds = value.map((entry: unknown, i): FeedEnvEntry => {
    const e = entry as Partial<FeedEnvEntry> | null;
    if (typeof e !== "object" || e === null || typeof e.name !== "string" || typeof e.prefix !== "string")
      throw bad(`has an entry without a name and prefix at [${i}]`);
    if (!FEED_NAME_PATTERN.test(e.name)) throw bad(`names a feed "${e.name}" at [${i}] that is not a feed name`);
    if (seen.has(e.name)) throw bad(`names the feed "${e.name}" twice`);
    seen.add(e.name);
    return e as FeedEnvEntry;
  });
  cached = { raw, feeds };
  return feeds;
}

/** The feed whose prefix the key is under, or `undefined` when it is under none. */
export function findFeed(key: string, env: Env = FUNCTION_ENV): FeedEnvEntry | undefined {
  return readFeeds(env).find((feed) => key.startsWith(feed.prefix));
}

/**
 * The feed of an uploaded object's key. A key under no feed's prefix is an {@link InputError} naming the key and
 * every feed's prefix: the run was started by hand, or by a rule that no longer matches the configuration.
 *
 * @example feedOfKey("orders/2025-06-01.csv").name // "orders", with FEEDS naming that prefix
 */
export function feedOfKey(bucket: string, key: string, env: Env = FUNCTION_ENV): FeedEnvEntry {
  const feed = findFeed(key, env);
  if (feed) return feed;
  const known = readFeeds(env)
    .map((f) => `${f.name}: ${f.prefix}`)
    .join(", ");
  throw new InputError(
    `s3://${bucket}/${key} is under no feed's prefix (${known}); upload it under the prefix of the feed it belongs to.`,
  );
}

/**
 * `s3://bucket/key` of the feed's row schema: its `FEEDS` entry's `schema`, else the function's `SCHEMA_LOCATION`
 * (the first feed's, which the entry leaves out).
 */
export function schemaLocationOf(feed: FeedEnvEntry, env: Env = FUNCTION_ENV): string {
  return feed.schema ?? requireEnv(ENV.schemaLocation, env);
}

/** The feed's name as logs, manifests and the SNS `feed` attribute carry it: {@link UNKNOWN_FEED} for none. */
export function feedLabel(feed: FeedEnvEntry | undefined): string {
  return feed?.name ?? UNKNOWN_FEED;
}
