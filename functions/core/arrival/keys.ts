import { RUN_KEYS } from "../../contract";

/**
 * Keys of a feed's arrival items in the runs table, one partition per feed (`FEED#<feed>`):
 * - a run: `RUN#<start time, ISO UTC>#<execution name>`, written by split-csv when it claims an upload, so the feed's
 *   latest run is the partition's last `RUN#` item (sort keys order by start time);
 * - a day's missing-file notice: `ARRIVAL#<local date>`, claimed once per feed and day however often the check runs.
 */
export const ARRIVAL_KEYS = {
  partition: (feed: string) => RUN_KEYS.feedHistory(feed),
  runPrefix: RUN_KEYS.feedRunPrefix,
  run: (feed: string, startTime: string, executionName: string) => ({
    pk: RUN_KEYS.feedHistory(feed),
    sk: RUN_KEYS.feedRun(startTime, executionName),
  }),
  day: (feed: string, date: string) => ({ pk: `FEED#${feed}`, sk: `ARRIVAL#${date}` }),
} as const;
