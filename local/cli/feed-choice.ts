/**
 * The feeds of a local run and the one a file runs under: the config file's `feeds`, or without them the one feed
 * `default` under the contract's input prefix, as a stack configured with the single-feed keys has. The object key
 * decides the feed on AWS (see functions/core/feeds.ts), so the runner only accepts a key the picked feed owns.
 */
import { basename } from "node:path";
import { DEFAULT_FEED, PREFIXES } from "../../functions/contract";
import { UsageError } from "../usage-error";
import type { LocalConfig, LocalFeed } from "./run-config";

/** What picks the feed: `--feed`, `--key`, the CSV file (for the default key) and `--schema`. */
export interface FeedChoice {
  /** `--feed <name>`. */
  feed?: string;
  /** `--key <key>`: the object key the file is uploaded to. */
  key?: string;
  csvPath: string;
  /** `--schema` (or, without feeds, the schema chosen for the file); replaces the picked feed's schema when given. */
  schema?: { path: string; text: string };
}

/** The run's feeds and the one its file runs under, with the key it is uploaded to. */
export interface PickedFeed {
  /** Every feed of the run (the picked one with `--schema` applied): each gets its schema uploaded and its settings. */
  feeds: LocalFeed[];
  feed: LocalFeed;
  key: string;
}

/** The one feed of a run whose config sets no `feeds`: the file's settings under the contract's input prefix. */
export function defaultFeed(config: LocalConfig, schema: { path: string; text: string }): LocalFeed {
  return {
    name: DEFAULT_FEED,
    prefix: PREFIXES.input,
    schemaPath: schema.path,
    schemaText: schema.text,
    emailTo: config.emailTo,
    onCallEmail: config.onCallEmail,
    notify: config.notify,
    ownSlack: false,
  };
}

/** `orders (incoming/orders/), stock (incoming/stock/)`: every feed, for a usage error. */
export function describeFeeds(feeds: readonly Pick<LocalFeed, "name" | "prefix">[]): string {
  return feeds.map((f) => `${f.name} (${f.prefix})`).join(", ");
}

/**
 * Picks the feed a file runs under: `--feed` names it; else the feed whose prefix `--key` is under; else the only
 * feed. The key is `--key`, or the feed's prefix and the file's name. A usage error (one line, naming every feed
 * and its prefix) for an unknown feed, a key under no feed's prefix or under another feed's than `--feed`'s, and
 * several feeds with neither flag. `--schema` replaces the picked feed's schema (and only its).
 *
 * @example pickFeed(config, { feed: "stock", csvPath: "/data/s.csv" }).key // "incoming/stock/s.csv"
 */
export function pickFeed(config: LocalConfig, choice: FeedChoice): PickedFeed {
  const configured = config.feeds;
  let feeds: LocalFeed[];
  if (configured === undefined || configured.length === 0) {
    if (choice.schema === undefined) throw new Error("pickFeed: a run without feeds needs the schema chosen for it");
    feeds = [defaultFeed(config, choice.schema)];
  } else {
    feeds = configured;
  }
  const known = describeFeeds(feeds);
  const where = configured === undefined ? "the run has one feed (the config sets no feeds)" : "the config's feeds";

  let feed: LocalFeed | undefined;
  if (choice.feed !== undefined) {
    feed = feeds.find((f) => f.name === choice.feed);
    if (feed === undefined) throw new UsageError(`--feed ${choice.feed}: no such feed; ${where}: ${known}`);
    if (choice.key !== undefined && !choice.key.startsWith(feed.prefix)) {
      const owner = feeds.find((f) => choice.key?.startsWith(f.prefix));
      throw new UsageError(
        `--key ${choice.key} is not under the prefix of feed ${feed.name} (${feed.prefix})` +
          `${owner ? `: it is feed ${owner.name}'s` : ""}; ${where}: ${known}`,
      );
    }
  } else if (choice.key !== undefined) {
    feed = feeds.find((f) => choice.key?.startsWith(f.prefix));
    if (feed === undefined)
      throw new UsageError(
        `--key ${choice.key} is under no feed's prefix (an upload there starts no run); ${where}: ${known}`,
      );
  } else if (feeds.length === 1) {
    feed = feeds[0];
  } else {
    throw new UsageError(`the config has ${feeds.length} feeds: pick one with --feed <name> or --key <key>; ${known}`);
  }

  const picked: LocalFeed =
    configured !== undefined && choice.schema !== undefined
      ? { ...feed, schemaPath: choice.schema.path, schemaText: choice.schema.text }
      : feed;
  return {
    feeds: feeds.map((f) => (f === feed ? picked : f)),
    feed: picked,
    key: choice.key ?? `${picked.prefix}${basename(choice.csvPath)}`,
  };
}
