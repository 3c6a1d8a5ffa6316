import type { ChunkSummaryItem, FileSummaryItem, NotificationChannel, NotificationStatus } from "../../contract";
import type { DigestEntry } from "./digest";
import type { EmailNotice, ErrorExample, SlackPayload, SnsNotice } from "./messages";

/** Ledger state of one execution × channel. */
export type LedgerStatus = "pending" | "sent" | "failed" | "deferred" | "suppressed";

/**
 * Result of trying to claim the right to notify one channel for one execution. `attempts`: HTTP attempts earlier
 * check attempts made for the notice (a failed one may be claimed again; it continues with what is left).
 */
export type LedgerClaim =
  | { claimed: true; attempts: number }
  | { claimed: false; status: LedgerStatus; updatedAt?: string; attempts: number };

/** What a finished notice records in the ledger besides its status. */
export interface LedgerOutcome {
  reason?: string;
  /** HTTP attempts made for the notice in all, across check attempts. */
  attempts?: number;
}

/** Ledger state of the run's own metrics (ErrorCount, CriticalErrorCount, RowsProcessed): published once. */
export type MetricsClaim = { claimed: true } | { claimed: false; status: "pending" | "published" };

/** Result of asking the rate limiter for a slot. */
export type RateDecision =
  | { allowed: true; suppressedBefore?: { count: number; since: string } }
  | { allowed: false; windowStart: number };

/** Persistence the check needs (the runs table and the error table's GSI). */
export interface RunStorePort {
  /** FILE and CHUNK items of one execution (consistent, every page). */
  readRun(executionName: string): Promise<{ file?: FileSummaryItem; chunks: ChunkSummaryItem[] }>;
  /** Up to `limit` HIGH/CRITICAL error records of the execution, most severe first. */
  readExamples(executionName: string, limit: number): Promise<ErrorExample[]>;
  claimNotification(executionName: string, channel: NotificationChannel, now: Date): Promise<LedgerClaim>;
  completeNotification(
    executionName: string,
    channel: NotificationChannel,
    status: Exclude<LedgerStatus, "pending">,
    now: Date,
    outcome?: LedgerOutcome,
  ): Promise<void>;
  /**
   * Claims the publication of the run's own metrics: granted once per execution, again only when an earlier
   * publication failed or a crashed check's lease lapsed.
   */
  claimRunMetrics(executionName: string, now: Date): Promise<MetricsClaim>;
  completeRunMetrics(executionName: string, status: "published" | "failed", now: Date): Promise<void>;
  /**
   * Claims the run's closing log line with its severity (what the log metric filter counts): true for the first check
   * attempt of the execution to ask, false for every later one (a Step Functions retry of the check).
   */
  claimRunLine(executionName: string, now: Date): Promise<boolean>;
  /** Counts a notice in the channel's window, or counts it as suppressed when the window is full. */
  acquireRateSlot(channel: NotificationChannel, windowStart: number, max: number, now: Date): Promise<RateDecision>;
  /** Takes (and clears) the channel's suppressed count, for a notice that bypasses the limit. */
  takeSuppressed(channel: NotificationChannel): Promise<{ count: number; since: string } | undefined>;
  /** Puts back a suppressed count taken for a notice that then failed. */
  restoreSuppressed(channel: NotificationChannel, s: { count: number; since: string }): Promise<void>;
  /** Records the run's outcome under its key prefix; returns the consecutive failures, this run included. */
  recordStreak(keyPrefix: string, executionName: string, failed: boolean, now: Date): Promise<number>;
  putDigestEntry(channel: NotificationChannel, entry: DigestEntry, now: Date): Promise<void>;
  /** Leases the channel's digest for flushing; false when another flush holds it. */
  claimDigestFlush(channel: NotificationChannel, now: Date): Promise<boolean>;
  readDigestEntries(channel: NotificationChannel): Promise<DigestEntry[]>;
  deleteDigestEntries(channel: NotificationChannel, executionNames: string[]): Promise<void>;
  releaseDigestFlush(channel: NotificationChannel): Promise<void>;
}

/** What a channel is asked to deliver. */
export type ChannelMessage =
  | { channel: "slack"; payload: SlackPayload }
  | { channel: "sns"; notice: SnsNotice }
  | { channel: "email"; notice: EmailNotice };

/**
 * Sends one message on its channel (with its own timeout and retries, at most `attempts` HTTP attempts when given,
 * else the policy's); throws when delivery failed, with the attempts made as the error's `attempts` when known.
 */
export type ChannelSender = (message: ChannelMessage & { attempts?: number }) => Promise<{ attempts: number }>;

/** One channel's outcome. */
export interface ChannelOutcome {
  channel: NotificationChannel;
  status: NotificationStatus;
  reason?: string;
  /** HTTP attempts made for the notice, across check attempts. */
  attempts?: number;
  /** Decided by an earlier (or a concurrent) check attempt: reported, not counted again in the metrics. */
  settledEarlier?: boolean;
}
