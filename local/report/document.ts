import type { CheckOutput, DatasetOutcome, NotificationChannel, NotificationStatus } from "../../functions/contract";
import type { DuplicateExecution } from "../engine/duplicate";
import type { AwsLimitEntry } from "../services/aws-limits";
import type { RecordedCall } from "../services/aws-recorder";
import type { SlackDelivery } from "../services/slack-receiver";

/** An earlier execution of the same upload, as the run document lists it (`earlierExecutions`). */
export interface EarlierExecution {
  executionName: string;
  status: "SUCCEEDED" | "FAILED";
}

/**
 * The run document of DESIGN.md ("Local run"): exactly what `--json` prints and `--out` saves as `run.json`.
 * Scripts depend on this shape; keep it.
 */
export interface RunDocument {
  executionName: string;
  /** The name of the feed the file ran under (`default` when the config sets no feeds). */
  feed: string;
  status: "SUCCEEDED" | "FAILED";
  states: string[];
  rows: { total: number; valid: number; invalid: number };
  /** Error records that reject a row or the file (what `ErrorCount` reports); header warnings are not errors. */
  errors: {
    total: number;
    critical: number;
    byType: Record<string, number>;
    bySeverity: { LOW: number; MEDIUM: number; HIGH: number; CRITICAL: number };
  };
  /** Findings that reject no row — a header column the row schema does not define (what `WarningCount` reports). */
  warnings: { total: number; byType: Record<string, number> };
  notifications: NoticeEntry[];
  metrics: MetricEntry[];
  /** How each state entered ended, in the order of `states`. */
  stateResults: StateResult[];
  /** The run's row outcomes, from its manifest (`null` when no manifest was written, e.g. the aggregation failed). */
  outcomes: RunOutcomes | null;
  /**
   * One entry per AWS size limit the run was measured against (state payload, DynamoDB item): AWS's maximum in
   * bytes, the largest value this run produced and where (a state or a table). Past `max` AWS fails the run; the
   * local run fails the same way.
   */
  awsLimits: AwsLimitEntry[];
  /** With `--inject duplicate-event`: the second execution started for the same upload, and how it ended. */
  duplicateExecutions?: DuplicateExecution[];
  /**
   * With `rerun-after-failure`: the executions of the same upload before this one, which ended without succeeding
   * (this one took their claim over).
   */
  earlierExecutions?: EarlierExecution[];
  /**
   * When the row schema has dataset rules: the rules the file breaks (each one `DatasetError`), why a rule was not
   * evaluated, and the feed's earlier runs the history rules compared with (as the check returned them).
   */
  dataset?: DatasetOutcome;
  /**
   * The run's report in the local bucket (`results/<exec>.html`), as the check returned it: `written` before the
   * notices, which link it, or `failed` with the reason (the notices went without the link). Absent when the check
   * never returned.
   */
  report?: CheckOutput["report"];
}

/** Where a run's row outcomes are in the input bucket (object keys), as its manifest names them. */
export interface RunOutcomes {
  /** `results/<exec>.json`. */
  manifest: string;
  /** `rejected/<exec>/rows.csv`: the header and every rejected row. */
  rejectedRows: string;
  /** `rejected/<exec>/errors.csv`: one line per error. */
  rejectedErrors: string;
  /** `processed/<exec>/part-NNNNN.csv`, one per completed chunk (empty when `outputs.processed` is off). */
  processedParts: string[];
  /** Data rows in `rows.csv`. */
  rowCount: number;
  /** Lines (errors) in `errors.csv`. */
  errorCount: number;
  /** Chunks whose outcome is not in the files (their ids). */
  missingChunks: number[];
  /**
   * Those of `missingChunks` that completed after the files were composed: their rows and errors are in their parts
   * (`rejected/<exec>/parts/`), and the counts include them. The others left no outcome at all.
   */
  lateChunks: number[];
}

/** How one state ended, all its entries (Map iterations) taken together. */
export interface StateResult {
  name: string;
  /** `caught`: it failed and one of its Catch rules took over, so the execution went on. */
  status: "succeeded" | "failed" | "caught";
  /** From its first entry to its last exit. */
  durationMs: number;
  /** The error it failed with (`failed` and `caught` only). */
  error?: string;
}

export interface NoticeEntry {
  channel: NotificationChannel;
  status: NotificationStatus;
  reason?: string;
  /** HTTP attempts the channel received for this notice in this run, across check attempts (at most 3). */
  attempts: number;
  subject?: string;
  /**
   * SNS only: the alert topic's subscribed addresses the notice was delivered to — those whose filter policy its
   * message attributes pass (empty when none did, or nothing was published).
   */
  deliveredTo?: string[];
  /** Exactly what the channel received ("" when nothing reached it, e.g. a suppressed notice). */
  body: string;
}

export interface MetricEntry {
  namespace: string;
  name: string;
  value: number;
  unit: string;
  dimensions: Record<string, string>;
}

/** A notice with everything its channel received (the e-mail's HTML part, Slack's parsed payload), for `--out`. */
export interface DeliveredNotice extends Omit<NoticeEntry, "attempts"> {
  /** Who sent it: the check function, or the state machine's own sns:publish (NotifyCheckFailure). */
  sender: "check" | "state-machine";
  html?: string;
  slackPayload?: unknown;
  attributes?: Record<string, string>;
  recipients?: string[];
  /** Slack: the webhook path the last attempt was posted to (the stack's or a feed's own, see ../services/slack-receiver). */
  webhookPath?: string;
  /** HTTP statuses of every attempt, in order. */
  attempts: number[];
}

interface SnsParams {
  Subject?: string;
  Message?: string;
  MessageAttributes?: { Name: string; Value: { StringValue?: string } }[];
}
interface SesParams {
  Destination?: { ToAddresses?: string[] };
  Message?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string }; Html?: { Data?: string } } };
}

function attributesOf(params: SnsParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of params.MessageAttributes ?? []) out[a.Name] = a.Value?.StringValue ?? "";
  return out;
}

const ok = (status: number) => status >= 200 && status < 300;

/** Every address the accepted publishes among `calls` were delivered to, each once, in order. */
function deliveredTo(calls: readonly RecordedCall[]): string[] {
  return [...new Set(calls.filter((c) => ok(c.status)).flatMap((c) => c.deliveredTo ?? []))];
}

/** What one channel received from one sender: every attempt, the last one's content. */
function received(
  channel: NotificationChannel,
  sender: DeliveredNotice["sender"],
  aws: readonly RecordedCall[],
  slack: readonly SlackDelivery[],
  stateMachineKey: string,
): Omit<DeliveredNotice, "status"> | undefined {
  if (channel === "slack") {
    if (sender !== "check" || slack.length === 0) return undefined;
    const last = slack[slack.length - 1];
    return {
      channel,
      sender,
      body: last.body,
      slackPayload: last.json,
      webhookPath: last.path,
      attempts: slack.map((d) => d.status),
    };
  }
  const service = channel === "sns" ? "sns" : "ses";
  const calls = aws.filter(
    (c) =>
      c.service === service &&
      (c.action === "Publish" || c.action === "SendEmail" || c.action === "SendRawEmail") &&
      (c.accessKeyId === stateMachineKey) === (sender === "state-machine"),
  );
  if (calls.length === 0) return undefined;
  const last = calls[calls.length - 1];
  const attempts = calls.map((c) => c.status);
  if (channel === "sns") {
    const p = last.params as SnsParams;
    return {
      channel,
      sender,
      subject: p.Subject,
      body: p.Message ?? "",
      attributes: attributesOf(p),
      deliveredTo: deliveredTo(calls),
      attempts,
    };
  }
  const p = last.params as SesParams;
  return {
    channel,
    sender,
    subject: p.Message?.Subject?.Data,
    body: p.Message?.Body?.Text?.Data ?? "",
    html: p.Message?.Body?.Html?.Data,
    recipients: p.Destination?.ToAddresses,
    attempts,
  };
}

/**
 * Pairs what the check reported for each channel with what that channel actually received; when the check never
 * returned, each channel it reached is reported from the endpoint's side. The state machine's own alert
 * (NotifyCheckFailure) comes last.
 */
export function collectNotices(
  check: CheckOutput | undefined,
  aws: readonly RecordedCall[],
  slack: readonly SlackDelivery[],
  stateMachineKey: string,
): DeliveredNotice[] {
  const notices: DeliveredNotice[] = [];
  if (check) {
    for (const n of check.notifications) {
      // What the channel got, across check attempts (a retried check reports an earlier delivery as sent).
      const got = received(n.channel, "check", aws, slack, stateMachineKey);
      notices.push({
        ...(got ?? {
          channel: n.channel,
          sender: "check",
          body: "",
          attempts: [],
          ...(n.channel === "sns" ? { deliveredTo: [] } : {}),
        }),
        status: n.status,
        ...(n.reason !== undefined ? { reason: n.reason } : {}),
      });
    }
  } else {
    for (const channel of ["slack", "sns", "email"] as const) {
      const got = received(channel, "check", aws, slack, stateMachineKey);
      if (!got) continue;
      const last = got.attempts[got.attempts.length - 1];
      notices.push(
        ok(last)
          ? { ...got, status: "sent" }
          : {
              ...got,
              status: "failed",
              reason: `the check returned no result (it failed); the channel answered HTTP ${last}`,
            },
      );
    }
  }
  const alert = received("sns", "state-machine", aws, slack, stateMachineKey);
  if (alert) {
    const last = alert.attempts[alert.attempts.length - 1];
    notices.push(ok(last) ? { ...alert, status: "sent" } : { ...alert, status: "failed", reason: `HTTP ${last}` });
  }
  return notices;
}

/** The document's view of a notice (no sender or extra parts; attempts counted as the endpoint received them). */
export function noticeEntry(n: DeliveredNotice): NoticeEntry {
  return {
    channel: n.channel,
    status: n.status,
    ...(n.reason !== undefined ? { reason: n.reason } : {}),
    attempts: n.attempts.length,
    ...(n.subject !== undefined ? { subject: n.subject } : {}),
    ...(n.deliveredTo !== undefined ? { deliveredTo: n.deliveredTo } : {}),
    body: n.body,
  };
}

interface MetricDatum {
  MetricName?: string;
  Value?: number;
  Values?: number[];
  Unit?: string;
  Dimensions?: { Name: string; Value: string }[];
}

/** Every metric data point CloudWatch accepted, in the order received. */
export function collectMetrics(aws: readonly RecordedCall[]): MetricEntry[] {
  const out: MetricEntry[] = [];
  for (const call of aws) {
    if (call.service !== "cloudwatch" || call.action !== "PutMetricData" || !ok(call.status)) continue;
    const namespace = String(call.params.Namespace ?? "");
    for (const d of (call.params.MetricData ?? []) as MetricDatum[]) {
      const dimensions: Record<string, string> = {};
      for (const dim of d.Dimensions ?? []) dimensions[dim.Name] = dim.Value;
      const value = d.Value ?? (d.Values ?? []).reduce((a, b) => a + b, 0);
      out.push({ namespace, name: String(d.MetricName ?? ""), value, unit: d.Unit ?? "None", dimensions });
    }
  }
  return out;
}
