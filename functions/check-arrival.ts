import { dynamoArrivalStore } from "./adapters/arrival-store";
import { putFilesMissing } from "./adapters/files-missing-metric";
import { dynamoRunStore } from "./adapters/run-store";
import { channelSender, loadCheckConfig } from "./check-errors-and-notify";
import { NOTIFY_NOW_ENV } from "./contract";
import { type ArrivalResult, checkArrival } from "./core/arrival/check";
import { parseArrivalEvent } from "./core/arrival/event";
import { timeEnv } from "./core/env";
import { InputError } from "./core/errors";
import { readFeeds } from "./core/feeds";
import { createLogger, withFields } from "./core/log";

let clockOverride: (() => Date) | undefined;

/** Replaces the clock (tests); `undefined` restores `NOTIFY_NOW` or the system clock. */
export function setArrivalClock(clock: (() => Date) | undefined): void {
  clockOverride = clock;
}

function now(): Date {
  return clockOverride?.() ?? timeEnv(NOTIFY_NOW_ENV) ?? new Date();
}

const log = createLogger("check-arrival");

/**
 * Lambda entry point of a feed's arrival schedule (`{ "arrival": "check", "feed", "rule" }`): checks whether the
 * feed's file arrived by the rule's deadline and, once per feed and day, announces a missing one with the feed's
 * recipients and policy (the same environment as the error check: `FEEDS`, the tables, the channels).
 */
export async function handler(event: unknown, _context?: unknown): Promise<ArrivalResult> {
  const { feed: name, rule } = parseArrivalEvent(event);
  const feeds = readFeeds();
  const feed = feeds.find((f) => f.name === name);
  if (feed === undefined) {
    throw new InputError(
      `check-arrival: feed "${name}" is not one of this stack's feeds (${feeds.map((f) => f.name).join(", ")}); deploy again so the schedules match the feeds`,
    );
  }
  const cfg = loadCheckConfig(process.env, feed);
  return checkArrival(
    rule,
    { feed: feed.name, location: feed.prefix, policy: cfg.policy },
    {
      now,
      arrivals: dynamoArrivalStore(cfg.runsTable),
      notices: dynamoRunStore({ runsTable: cfg.runsTable, errorTable: cfg.errorTable, feed: feed.name }),
      send: channelSender(cfg),
      putFilesMissing: (at) => putFilesMissing(cfg.pipelineName, feed.name, at),
      log: withFields(log, { feed: feed.name }),
    },
  );
}
