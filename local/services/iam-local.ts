/**
 * A small IAM evaluator for the local endpoints: Allow statements only (a role's inline policy has nothing else),
 * actions and resources matched with `*` / `?` wildcards, and the condition operators the pipeline's roles use
 * (`StringEquals`, `StringLike`). A request is allowed when at least one statement allows it; anything else is an
 * implicit deny, as in IAM.
 */

import type { FunctionKey } from "../../blueprint/function-specs";
import { type RoleSettings, roleStatements } from "../../blueprint/role-statements";
import { ERROR_TABLE } from "../../functions/contract";

/** A policy statement with its values resolved (a rendered policy document's `Statement` entry). */
export interface LocalStatement {
  Sid: string;
  Effect?: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** One request to authorize: `s3:GetObject` on `arn:aws:s3:::bucket/key`, with its condition keys. */
export interface AccessRequest {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

/** A role of the local account: its name (for messages) and its statements. */
export interface LocalRole {
  name: string;
  statements: LocalStatement[];
}

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** Whether `value` matches an IAM pattern (`*` any run of characters, `?` one character). */
export function iamMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

const OPERATORS: Record<string, (pattern: string, value: string) => boolean> = {
  StringEquals: (p, v) => p === v,
  StringLike: (p, v) => iamMatch(p, v),
};

function conditionHolds(condition: LocalStatement["Condition"], context: Record<string, string>): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) => {
    const test = OPERATORS[operator];
    if (test === undefined) throw new Error(`condition operator ${operator} is not evaluated locally`);
    // A key absent from the request fails the condition (no `...IfExists` operators here).
    return Object.entries(keys).every(
      ([key, values]) => key in context && list(values).some((p) => test(p, context[key])),
    );
  });
}

/** Whether one statement allows the request (action names are case-insensitive, as in IAM). */
export function statementAllows(statement: LocalStatement, request: AccessRequest): boolean {
  return (
    (statement.Effect ?? "Allow") === "Allow" &&
    list(statement.Action).some((a) => iamMatch(a, request.action, true)) &&
    list(statement.Resource).some((r) => iamMatch(r, request.resource)) &&
    conditionHolds(statement.Condition, request.context ?? {})
  );
}

/** The Sids of every statement that allows the request; empty when it is denied. */
export function allowingStatements(statements: readonly LocalStatement[], request: AccessRequest): string[] {
  return statements.filter((s) => statementAllows(s, request)).map((s) => s.Sid);
}

/** Names of the local resources the function roles refer to. */
export interface LocalRoleNames {
  bucket: string;
  errorTable: string;
  runsTable: string;
  region: string;
  account?: string;
  /** Names of the SSM parameters holding Slack webhook URLs (default: one stand-in for the stack's). */
  webhookParameters?: readonly string[];
  /** The local state machine's ARN (default: `csv-pipeline` in this region and account). */
  stateMachineArn?: string;
}

/**
 * Each function's role statements (the builder the Pulumi program renders into its policies) with the local
 * resources' ARNs.
 *
 * @example localFunctionStatements({ bucket: "csv-pipeline-local", errorTable, runsTable, region }, { inputPrefix: "incoming/" })
 */
export function localFunctionStatements(
  names: LocalRoleNames,
  settings: RoleSettings,
): Record<FunctionKey, LocalStatement[]> {
  const account = names.account ?? "000000000000";
  const arn = (service: string, resource: string) => `arn:aws:${service}:${names.region}:${account}:${resource}`;
  const logGroup = (key: FunctionKey) => arn("logs", `log-group:/aws/lambda/${key}`);
  const errorTableArn = arn("dynamodb", `table/${names.errorTable}`);
  return roleStatements<string>(
    {
      bucketArn: `arn:aws:s3:::${names.bucket}`,
      errorTableArn,
      runsTableArn: arn("dynamodb", `table/${names.runsTable}`),
      executionIndexArn: `${errorTableArn}/index/${ERROR_TABLE.executionIndex.name}`,
      alertTopicArn: arn("sns", "csv-pipeline-alerts"),
      keyArn: arn("kms", "key/local"),
      // A parameter's ARN names it without its leading "/" (`parameter/a/b` for `/a/b`).
      webhookParameterArns: (names.webhookParameters ?? ["/csv-pipeline/slack-webhook"]).map((name) =>
        arn("ssm", `parameter/${name.replace(/^\//, "")}`),
      ),
      logGroupArns: {
        splitCsv: logGroup("splitCsv"),
        processChunk: logGroup("processChunk"),
        aggregateResults: logGroup("aggregateResults"),
        findDuplicates: logGroup("findDuplicates"),
        checkErrors: logGroup("checkErrors"),
      },
      executionArns: `${(names.stateMachineArn ?? arn("states", "stateMachine:csv-pipeline")).replace(":stateMachine:", ":execution:")}:*`,
      partition: "aws",
      region: names.region,
      account,
    },
    settings,
    (...parts) => parts.join(""),
  );
}
