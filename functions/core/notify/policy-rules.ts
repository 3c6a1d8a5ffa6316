import { TZDate } from "@date-fns/tz";
import holidayJp from "@holiday-jp/holiday_jp";
import type { NotificationChannel, Severity } from "../../contract";
import type { NotifyPolicy } from "./policy";

/** Why a moment is quiet (or not). */
export type QuietReason = "night" | "weekend" | "holiday" | "extra-date";

/** Local calendar fields of an instant in a time zone. */
export interface LocalTime {
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

/** The local date ("YYYY-MM-DD"), minute of day and weekday of `now` in `timeZone`. */
export function localTime(now: Date, timeZone: string): LocalTime {
  const t = new TZDate(now.getTime(), timeZone);
  const date = `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, "0")}-${String(t.getDate()).padStart(2, "0")}`;
  return { date, minutes: t.getHours() * 60 + t.getMinutes(), weekday: t.getDay() };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
}

/**
 * Whether non-critical notices are held back at `now`: inside the daily window (which may wrap midnight), on a
 * weekend, a Japanese public holiday or an extra configured date — all judged in the policy's time zone.
 */
export function quietReason(now: Date, policy: NotifyPolicy): QuietReason | undefined {
  const q = policy.quietHours;
  if (!q.enabled) return undefined;
  const local = localTime(now, policy.timeZone);
  if (q.extraDates.includes(local.date)) return "extra-date";
  if (q.holidays && holidayJp.isHoliday(local.date)) return "holiday";
  if (q.weekends && (local.weekday === 0 || local.weekday === 6)) return "weekend";
  const start = toMinutes(q.start);
  const end = toMinutes(q.end);
  if (start === end) return undefined;
  const inWindow =
    start < end ? local.minutes >= start && local.minutes < end : local.minutes >= start || local.minutes < end;
  return inWindow ? "night" : undefined;
}

/** Start (epoch ms) of the fixed rate-limit window containing `now`. */
export function rateWindowStart(now: Date, policy: NotifyPolicy): number {
  const size = policy.rateLimit.windowMinutes * 60_000;
  return Math.floor(now.getTime() / size) * size;
}

/**
 * The key prefix a failure streak is counted under: the object key's folder (`incoming/shop-a/x.csv` →
 * `incoming/shop-a/`), or `/` for a key at the bucket root.
 */
export function keyPrefixOf(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? "/" : key.slice(0, i + 1);
}

/**
 * The level of a notice: the run's severity; WARNING for a run whose only findings reject no row (header warnings);
 * SUCCESS for a clean run.
 */
export type NoticeLevel = Severity | "WARNING" | "SUCCESS";

/** The channel that pages on-call: a notice that must not page never goes there. */
export const PAGING_CHANNEL: NotificationChannel = "sns";

/**
 * Channels a notice of `level` goes to under `policy`. A clean run: Slack only, when success notices are on. A run
 * with warnings only: where LOW goes, except the paging channel (a valid file never pages on-call).
 */
export function channelsFor(level: NoticeLevel, policy: NotifyPolicy): NotificationChannel[] {
  if (level === "SUCCESS") return policy.successNotice ? ["slack"] : [];
  if (level === "WARNING") return policy.routing.LOW.filter((c) => c !== PAGING_CHANNEL);
  return [...policy.routing[level]];
}
