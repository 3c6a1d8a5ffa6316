import { TZDate } from "@date-fns/tz";
import holidayJp from "@holiday-jp/holiday_jp";
import * as z from "zod";
import { SEVERITIES, type Severity } from "../../contract";
import { InputError } from "../errors";
import { localTime } from "../notify/policy-rules";

/** Days of the week as an arrival rule and a cron expression name them, Sunday first (as `Date#getDay`). */
export const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * When a feed's file must have arrived: by `by` ("HH:MM" in the feed's `notifyPolicy.timeZone`) on each of `days`;
 * on a Japanese public holiday only with `holidays: expect`. A file that has not come by then is announced at
 * `severity`, routed as any notice of that level.
 */
export interface ArrivalRule {
  by: string;
  /** `weekdays` (Monday to Friday), `daily`, or the days named. */
  days: "weekdays" | "daily" | Weekday[];
  /** `skip`: no file is expected on a Japanese public holiday (the calendar quiet hours use). */
  holidays: "skip" | "expect";
  severity: Severity;
}

/** What a rule that sets only `by` means. */
export const ARRIVAL_DEFAULTS = { days: "weekdays", holidays: "skip", severity: "CRITICAL" } as const;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The rule of a rule's fields, each message naming what is valid (the key is named by whoever reports it). */
export const ARRIVAL_RULES = {
  by: 'must be the deadline as "HH:MM" (24 h), e.g. "10:00"',
  days: `must be weekdays, daily, or a list of days (${WEEKDAYS.join(", ")}), each once`,
  holidays: "must be skip (no file on Japanese public holidays) or expect",
  severity: `must be one of ${SEVERITIES.join(", ")}`,
  rule: 'must be an object such as { by: "10:00", days: weekdays, holidays: skip, severity: CRITICAL }',
  key: "is not an arrival setting (by, days, holidays, severity)",
} as const;

/** The zod schema of an arrival rule, defaults filled (shared by the stack's config and the check's event). */
export const arrivalRuleSchema = z.strictObject(
  {
    by: z
      .string({ error: (issue) => (issue.input === undefined ? `is missing: ${ARRIVAL_RULES.by}` : ARRIVAL_RULES.by) })
      .regex(HHMM, { error: ARRIVAL_RULES.by }),
    days: z
      .union(
        [
          z.enum(["weekdays", "daily"]),
          z
            .array(z.enum(WEEKDAYS))
            .min(1, { error: ARRIVAL_RULES.days })
            .refine((l) => new Set(l).size === l.length, { error: ARRIVAL_RULES.days }),
        ],
        { error: ARRIVAL_RULES.days },
      )
      .default(ARRIVAL_DEFAULTS.days),
    holidays: z.enum(["skip", "expect"], { error: ARRIVAL_RULES.holidays }).default(ARRIVAL_DEFAULTS.holidays),
    severity: z.enum(SEVERITIES, { error: ARRIVAL_RULES.severity }).default(ARRIVAL_DEFAULTS.severity),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? ARRIVAL_RULES.key : ARRIVAL_RULES.rule) },
);

/**
 * Reads an arrival rule (defaults filled) or throws an {@link InputError} naming each bad field under `source`.
 *
 * @example parseArrivalRule({ by: "10:00" }, "arrival").days // "weekdays"
 */
export function parseArrivalRule(value: unknown, source: string): ArrivalRule {
  const parsed = arrivalRuleSchema.safeParse(value);
  if (parsed.success) return parsed.data as ArrivalRule;
  const problems = parsed.error.issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((k) => `${source}.${k}: ${i.message}`)
      : [`${[source, ...i.path].join(".")}: ${i.message}`],
  );
  throw new InputError(`${problems.join("; ")}. Example: { "by": "10:00", "days": "weekdays" }`);
}

/** The days of the week a rule expects a file on, in `WEEKDAYS` order. */
export function ruleWeekdays(rule: Pick<ArrivalRule, "days">): Weekday[] {
  if (rule.days === "daily") return [...WEEKDAYS];
  if (rule.days === "weekdays") return ["MON", "TUE", "WED", "THU", "FRI"];
  return WEEKDAYS.filter((d) => (rule.days as Weekday[]).includes(d));
}

/** A calendar date "YYYY-MM-DD" with its weekday (0 = Sunday). */
interface CalendarDay {
  date: string;
  weekday: number;
}

function dayOf(date: string): CalendarDay {
  return { date, weekday: new Date(`${date}T00:00:00Z`).getUTCDay() };
}

function previousDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** Whether a file is expected on `day` (its weekday is one of the rule's; a holiday only with `holidays: expect`). */
export function expectedOn(rule: ArrivalRule, date: string): boolean {
  const day = dayOf(date);
  if (!ruleWeekdays(rule).includes(WEEKDAYS[day.weekday])) return false;
  return rule.holidays === "expect" || !holidayJp.isHoliday(date);
}

/** The instant of `by` on local `date` in `timeZone`. */
export function deadlineOn(date: string, by: string, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number);
  const [h, min] = by.split(":").map(Number);
  return new Date(new TZDate(y, m - 1, d, h, min, timeZone).getTime());
}

/**
 * How far back the window looks for the previous expected day: a rule names at least one weekday, so an expected day
 * comes within a week, unless holidays are skipped (the longest run of Japanese holidays is a few days).
 */
const LOOKBACK_DAYS = 40;

/** Where a check at some instant stands against a rule. */
export type ArrivalWindow =
  | {
      due: true;
      /** The local date whose file is checked. */
      date: string;
      /** That day's deadline. */
      deadline: Date;
      /** A run that started at or after this instant counts for the day: the previous expected day's deadline. */
      opens: Date;
    }
  | {
      due: false;
      /** The next deadline (today's when it is still to come), or undefined when none comes within the lookback. */
      deadline?: Date;
      /** Why nothing is due. */
      reason: "before-deadline" | "not-expected-today";
    };

/**
 * The day a check at `now` judges. A file is due once today (in `timeZone`) is an expected day and its deadline has
 * passed; the day's window opens at the previous expected day's deadline, so a file that comes after one deadline
 * counts for the next expected day (a file delivered on Saturday counts for Monday).
 */
export function arrivalWindow(now: Date, rule: ArrivalRule, timeZone: string): ArrivalWindow {
  const today = localTime(now, timeZone).date;
  if (!expectedOn(rule, today)) {
    return { due: false, reason: "not-expected-today", deadline: nextDeadline(today, rule, timeZone) };
  }
  const deadline = deadlineOn(today, rule.by, timeZone);
  if (now.getTime() < deadline.getTime()) return { due: false, reason: "before-deadline", deadline };
  let date = previousDay(today);
  for (let i = 0; i < LOOKBACK_DAYS && !expectedOn(rule, date); i++) date = previousDay(date);
  return { due: true, date: today, deadline, opens: deadlineOn(date, rule.by, timeZone) };
}

function nextDeadline(today: string, rule: ArrivalRule, timeZone: string): Date | undefined {
  const d = new Date(`${today}T00:00:00Z`);
  for (let i = 0; i < LOOKBACK_DAYS; i++) {
    d.setUTCDate(d.getUTCDate() + 1);
    const date = d.toISOString().slice(0, 10);
    if (expectedOn(rule, date)) return deadlineOn(date, rule.by, timeZone);
  }
  return undefined;
}

/** An instant as ISO-8601 in `timeZone`, with its offset: `2026-12-07T10:00:00+09:00`. */
export function zonedIso(at: Date, timeZone: string): string {
  return new TZDate(at.getTime(), timeZone).toISOString().replace(/\.000(?=[+-]|Z)/, "");
}
