import * as z from "zod";
import { NOTIFICATION_CHANNELS, type NotificationChannel, type Severity } from "../../contract";
import { PipelineError } from "../errors";

/**
 * The notification policy: who hears about a run, when, and how often. Configured per stack (the Pulumi program
 * validates it with {@link parseNotifyPolicy} and passes it to the check function as JSON in `NOTIFY_POLICY`);
 * every field has a default, so `{}` is a valid policy.
 */
export interface NotifyPolicy {
  /** Language of every notice. */
  locale: "ja" | "en";
  /** IANA time zone of the quiet hours and of the times shown in notices. */
  timeZone: string;
  quietHours: {
    /** false turns every quiet rule off. */
    enabled: boolean;
    /** Daily window "HH:MM"–"HH:MM" in `timeZone`; may wrap midnight; start = end means no daily window. */
    start: string;
    end: string;
    /** Saturdays and Sundays are quiet all day. */
    weekends: boolean;
    /** Japanese public holidays (from @holiday-jp/holiday_jp) are quiet all day. */
    holidays: boolean;
    /** Further quiet dates "YYYY-MM-DD" (company holidays, year-end). */
    extraDates: string[];
  };
  /** At most `max` notices per channel per `windowMinutes` (CRITICAL is never limited). */
  rateLimit: { max: number; windowMinutes: number };
  /** This many consecutive runs with errors or failures under the same key prefix page on-call. */
  escalation: { consecutiveFailures: number };
  /** Channels per run level. */
  routing: Record<Severity, NotificationChannel[]>;
  /** A clean run posts a short success notice to Slack. */
  successNotice: boolean;
  /** Per-channel delivery: timeout per attempt, attempts, first backoff, longest Slack Retry-After honoured. */
  delivery: { timeoutMs: number; attempts: number; backoffMs: number; maxRetryAfterSeconds: number };
}

/** The defaults, as a complete policy. */
export const DEFAULT_NOTIFY_POLICY: NotifyPolicy = {
  locale: "ja",
  timeZone: "Asia/Tokyo",
  quietHours: { enabled: true, start: "22:00", end: "07:00", weekends: true, holidays: true, extraDates: [] },
  rateLimit: { max: 10, windowMinutes: 10 },
  escalation: { consecutiveFailures: 3 },
  routing: {
    CRITICAL: ["sns", "slack", "email"],
    HIGH: ["slack", "email"],
    MEDIUM: ["slack"],
    LOW: ["slack"],
  },
  successNotice: true,
  delivery: { timeoutMs: 5000, attempts: 3, backoffMs: 200, maxRetryAfterSeconds: 30 },
};

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const channels = z.array(z.enum(NOTIFICATION_CHANNELS)).refine((l) => new Set(l).size === l.length, {
  message: "lists a channel twice",
});
const d = DEFAULT_NOTIFY_POLICY;

const schema = z
  .object({
    locale: z.enum(["ja", "en"]).default(d.locale),
    timeZone: z.string().refine(validTimeZone, { message: "is not an IANA time zone" }).default(d.timeZone),
    quietHours: z
      .object({
        enabled: z.boolean().default(d.quietHours.enabled),
        start: z.string().regex(HHMM, { message: 'must be "HH:MM" (24 h)' }).default(d.quietHours.start),
        end: z.string().regex(HHMM, { message: 'must be "HH:MM" (24 h)' }).default(d.quietHours.end),
        weekends: z.boolean().default(d.quietHours.weekends),
        holidays: z.boolean().default(d.quietHours.holidays),
        extraDates: z.array(z.string().regex(DATE, { message: 'must be a date "YYYY-MM-DD"' })).default([]),
      })
      .strict()
      .prefault({}),
    rateLimit: z
      .object({
        max: z.number().int().min(1).max(10_000).default(d.rateLimit.max),
        windowMinutes: z.number().int().min(1).max(1440).default(d.rateLimit.windowMinutes),
      })
      .strict()
      .prefault({}),
    escalation: z
      .object({ consecutiveFailures: z.number().int().min(1).max(1000).default(d.escalation.consecutiveFailures) })
      .strict()
      .prefault({}),
    routing: z
      .object({
        CRITICAL: channels.default(d.routing.CRITICAL),
        HIGH: channels.default(d.routing.HIGH),
        MEDIUM: channels.default(d.routing.MEDIUM),
        LOW: channels.default(d.routing.LOW),
      })
      .strict()
      .prefault({}),
    successNotice: z.boolean().default(d.successNotice),
    delivery: z
      .object({
        timeoutMs: z.number().int().min(100).max(60_000).default(d.delivery.timeoutMs),
        attempts: z.number().int().min(1).max(10).default(d.delivery.attempts),
        backoffMs: z.number().int().min(0).max(10_000).default(d.delivery.backoffMs),
        maxRetryAfterSeconds: z.number().int().min(0).max(120).default(d.delivery.maxRetryAfterSeconds),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** Invalid notification policy: the message names every bad key and shows a valid example. */
export class PolicyError extends PipelineError {
  constructor(
    message: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super("PolicyError", message, options);
  }
}

/** A small valid policy, shown in error messages. */
export const POLICY_EXAMPLE =
  '{"locale":"ja","timeZone":"Asia/Tokyo","quietHours":{"start":"22:00","end":"07:00","extraDates":["2025-12-31"]},' +
  '"rateLimit":{"max":10,"windowMinutes":10},"escalation":{"consecutiveFailures":3}}';

/**
 * Parses and validates a notification policy (a JSON string or an object), filling defaults.
 * Throws {@link PolicyError} naming each bad key (`quietHours.start: must be "HH:MM" (24 h)`).
 *
 * @param source where the policy came from, used in the message (e.g. `NOTIFY_POLICY`, `csv-pipeline:notifyPolicy`)
 * @example parseNotifyPolicy('{"locale":"en","rateLimit":{"max":5}}').rateLimit // { max: 5, windowMinutes: 10 }
 */
export function parseNotifyPolicy(input: unknown, source = "notification policy"): NotifyPolicy {
  let value = input;
  if (value === undefined || value === null || value === "") value = {};
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw new PolicyError(
        `${source} is not valid JSON (${(e as Error).message}). Example: ${POLICY_EXAMPLE}`,
        ["(root): not valid JSON"],
        { cause: e },
      );
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new PolicyError(`${source} is invalid: ${problems.join("; ")}. Example: ${POLICY_EXAMPLE}`, problems);
  }
  return parsed.data as NotifyPolicy;
}
