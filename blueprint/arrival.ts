import * as z from "zod";
import { type ArrivalEvent, arrivalEvent } from "../functions/core/arrival/event";
import { type ArrivalRule, arrivalRuleSchema, ruleWeekdays, WEEKDAYS } from "../functions/core/arrival/rule";
import { noticeChannelStatements, type RoleStatement } from "./role-statements";

export type { ArrivalRule } from "../functions/core/arrival/rule";

/** A valid `arrival`, shown beside a problem with it. */
export const ARRIVAL_EXAMPLE = { by: "10:00", days: "weekdays", holidays: "skip", severity: "CRITICAL" } as const;

/**
 * The `arrival` setting, at the top level (the single feed's, or every feed's default) or in a feed: a stack gives it
 * as JSON text, a local file as a mapping; both are read as the rule, defaults filled.
 */
export const arrivalField = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}, arrivalRuleSchema);

/**
 * The EventBridge Scheduler cron expression that fires at a rule's deadline on each day it names, evaluated in the
 * schedule's time zone (`ScheduleExpressionTimezone`): `cron(minutes hours day-of-month month day-of-week year)`,
 * with `?` for the day of month since the day of week is given. Holidays are not in cron: the check skips them.
 *
 * @example arrivalCron({ by: "10:00", days: "weekdays" }) // "cron(0 10 ? * MON,TUE,WED,THU,FRI *)"
 */
export function arrivalCron(rule: Pick<ArrivalRule, "by" | "days">): string {
  const [hours, minutes] = rule.by.split(":").map(Number);
  const days = ruleWeekdays(rule);
  const dayOfWeek = days.length === WEEKDAYS.length ? "*" : days.join(",");
  return `cron(${minutes} ${hours} ? * ${dayOfWeek} *)`;
}

/** One feed's arrival schedule as the program creates it. */
export interface ArrivalSchedule {
  feed: string;
  expression: string;
  timeZone: string;
  /** The event the schedule sends the check (JSON). */
  input: ArrivalEvent;
}

/** The schedules of the feeds that set an `arrival` (their own or the top-level one), in the feeds' order. */
export function arrivalSchedules(
  feeds: readonly { name: string; arrival?: ArrivalRule; policy: { timeZone: string } }[],
): ArrivalSchedule[] {
  return feeds.flatMap((feed) =>
    feed.arrival === undefined
      ? []
      : [
          {
            feed: feed.name,
            expression: arrivalCron(feed.arrival),
            timeZone: feed.policy.timeZone,
            input: arrivalEvent(feed.name, feed.arrival),
          },
        ],
  );
}

/** The ARNs the arrival check's role names (see `RoleRefs` of the functions' roles). */
export interface ArrivalRoleRefs<S> {
  runsTableArn: S;
  alertTopicArn: S;
  keyArn: S;
  webhookParameterArns: S[];
  logGroupArn: S;
  partition: S;
  region: S;
  account: S;
}

/**
 * The statements of the arrival check's role: exactly what its code calls. The runs table: Query (the feed's latest
 * run), PutItem and GetItem (the day's claim and who holds it), UpdateItem (a non-CRITICAL notice's rate-limit slot);
 * the channels as the error check reaches them; `FilesMissing` through PutMetricData in the pipeline's namespace.
 */
export function arrivalRoleStatements<S>(
  refs: ArrivalRoleRefs<S>,
  settings: { emailFrom?: string; emailTo?: readonly string[] },
  join: (...parts: (S | string)[]) => S,
): RoleStatement<S>[] {
  return [
    {
      Sid: "WriteOwnLogs",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [join(refs.logGroupArn, ":*")],
    },
    {
      Sid: "FeedRunsAndDayClaims",
      Action: ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      Resource: [refs.runsTableArn],
    },
    ...noticeChannelStatements(refs, settings, join, "PutFilesMissing"),
  ];
}
