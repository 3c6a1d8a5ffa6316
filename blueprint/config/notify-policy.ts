/** The `notifyPolicy` setting: read with the check's own policy parser, its problems at their paths inside the policy. */
import * as z from "zod";
import { type NotifyPolicy, PolicyError, parseNotifyPolicy } from "../../functions/core/notify/policy";
import type { PathSegment } from "./paths";
import { RULES } from "./rules";
import { fromJsonText, isObject } from "./text-values";

/** One problem of a notification policy, as a path inside the policy. */
export interface PolicyIssue {
  path: PathSegment[];
  message: string;
  /** A key the policy does not know (its value is not shown). */
  unknownKey: boolean;
}

/** The problems of a {@link PolicyError}, each at its path inside the policy (unknown keys one by one). */
export function policyIssues(err: PolicyError): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  for (const problem of err.problems) {
    const at = problem.indexOf(": ");
    const where = problem.slice(0, at);
    const path = where === "(root)" ? [] : where.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const message = problem.slice(at + 2);
    const unknown = /^Unrecognized keys?: (.*)$/.exec(message);
    if (unknown) {
      for (const key of unknown[1].split(", ")) {
        issues.push({ path: [...path, JSON.parse(key)], message: "is not a known setting", unknownKey: true });
      }
    } else issues.push({ path, message, unknownKey: false });
  }
  return issues;
}

/** `notifyPolicy`: the check's policy, with every problem at its own path. */
export const policyField = z.preprocess(fromJsonText, z.unknown()).transform((value, ctx): NotifyPolicy => {
  if (value === undefined) return parseNotifyPolicy({});
  if (!isObject(value)) {
    ctx.addIssue({ code: "custom", message: RULES.object });
    return z.NEVER;
  }
  try {
    return parseNotifyPolicy(value);
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    for (const issue of policyIssues(err)) {
      ctx.addIssue({
        code: "custom",
        path: issue.path,
        message: issue.message,
        ...(issue.unknownKey ? { params: { unknownKey: true } } : {}),
      });
    }
    return z.NEVER;
  }
});
