import { InputError } from "../errors";
import { type ArrivalRule, parseArrivalRule } from "./rule";

/** What a feed's arrival schedule sends the check: the feed and its rule (the same the schedule's cron is built from). */
export interface ArrivalEvent {
  arrival: "check";
  feed: string;
  rule: ArrivalRule;
}

/** The event of a feed's schedule (the local runner sends the same). */
export function arrivalEvent(feed: string, rule: ArrivalRule): ArrivalEvent {
  return { arrival: "check", feed, rule };
}

/** Reads an {@link ArrivalEvent}; throws an {@link InputError} naming what is wrong. */
export function parseArrivalEvent(event: unknown): ArrivalEvent {
  const e = (event ?? {}) as Partial<Record<keyof ArrivalEvent, unknown>>;
  if (e.arrival !== "check" || typeof e.feed !== "string" || e.feed === "") {
    throw new InputError(
      'check-arrival input must be { "arrival": "check", "feed": "<feed name>", "rule": { "by": "10:00", … } } (the feed\'s schedule sends it)',
    );
  }
  return { arrival: "check", feed: e.feed, rule: parseArrivalRule(e.rule, "rule") };
}
