/** A run of a feed as the runs table keeps it for the arrival check. */
export interface FeedRun {
  executionName: string;
  /** When the execution started, ISO-8601 UTC. */
  startTime: string;
  key: string;
}

/** The outcome of claiming a day's missing-file notice. */
export type DayClaim =
  | {
      claimed: true;
      /** No check of this day claimed it before (a retry after a failed notice is not the first). */
      first: boolean;
    }
  | { claimed: false; status: "pending" | "sent"; updatedAt?: string };

/** What the arrival check reads and writes in the runs table. */
export interface ArrivalStorePort {
  /** The feed's most recent run, or undefined when the table holds none (runs expire with the table's TTL). */
  latestRun(feed: string): Promise<FeedRun | undefined>;
  /**
   * Claims the notice of `feed` missing its file on local `date`: granted to the first check, and again only when an
   * earlier notice failed on every channel or a crashed check's lease lapsed.
   */
  claimDay(feed: string, date: string, now: Date): Promise<DayClaim>;
  completeDay(feed: string, date: string, status: "sent" | "failed", now: Date): Promise<void>;
}
