/** The `alarms` setting: the thresholds that page on-call, for the stack and for each feed. */
import * as z from "zod";
import { RULES } from "./rules";
import { fromJsonText } from "./text-values";

/** Alarm thresholds (the original design: ErrorCount Sum > 10 in 300 s). */
export interface AlarmThresholds {
  /** ErrorCount Sum over one period above this pages on-call. */
  errorCount: number;
  /** CriticalErrorCount Sum at or above this pages on-call. */
  criticalErrorCount: number;
  /** Alarm period in seconds (multiple of 60). */
  periodSeconds: number;
}

export const alarmRule = {
  errorCount: "must be a whole number ≥ 0",
  criticalErrorCount: "must be a whole number ≥ 1",
  periodSeconds: "must be a multiple of 60 seconds, from 60 to 86400",
};
export const alarmsField = z.preprocess(
  (value) => (value === undefined ? {} : fromJsonText(value)),
  z.strictObject(
    {
      errorCount: z.int({ error: alarmRule.errorCount }).min(0, { error: alarmRule.errorCount }).default(10),
      criticalErrorCount: z
        .int({ error: alarmRule.criticalErrorCount })
        .min(1, { error: alarmRule.criticalErrorCount })
        .default(1),
      periodSeconds: z
        .int({ error: alarmRule.periodSeconds })
        .min(60, { error: alarmRule.periodSeconds })
        .max(86_400, { error: alarmRule.periodSeconds })
        .multipleOf(60, { error: alarmRule.periodSeconds })
        .default(300),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? "is not a known threshold (errorCount, criticalErrorCount, periodSeconds)"
          : RULES.object,
    },
  ),
);
