/**
 * The operator's IAM policy: exactly the calls `npm run ops` makes, on the stack's own resources. docs/operate.md
 * shows it with placeholders (a test keeps the two in step), and a local stack authorizes its operator's key
 * against it, so a call the policy lacks is refused locally as AWS refuses it.
 */
import { DEFAULT_OUTCOME_SETTINGS, ERROR_TABLE } from "../functions/contract";

/** One statement of the operator's policy. */
export interface OperatorStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
}

/** The names the policy is written for: a deployed stack's outputs, or placeholders for the documentation. */
export interface OperatorPolicyNames {
  region: string;
  account: string;
  bucket: string;
  runsTable: string;
  errorTable: string;
  /** The state machine's name (the end of `stateMachineArn`). */
  stateMachine: string;
  /** Where the run manifests and reports are, and the rejected rows (default `results/`, `rejected/`). */
  resultsPrefix?: string;
  rejectedPrefix?: string;
}

/** The names docs/operate.md shows, for an operator to replace. */
export const OPERATOR_POLICY_PLACEHOLDERS: OperatorPolicyNames = {
  region: "<region>",
  account: "<account>",
  bucket: "<bucket>",
  runsTable: "<runs-table>",
  errorTable: "<error-table>",
  stateMachine: "<state-machine>",
};

/**
 * The policy's statements for a stack. `MissingObjectsAsNotFound` is the one grant the CLI never calls: with it S3
 * answers a GetObject of a missing key 404 NoSuchKey instead of 403 AccessDenied. `Rerun` is the one write.
 *
 * @example operatorPolicy(OPERATOR_POLICY_PLACEHOLDERS).Statement.map((s) => s.Sid)
 */
export function operatorPolicy(names: OperatorPolicyNames): { Version: "2012-10-17"; Statement: OperatorStatement[] } {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${names.region}:${names.account}:${resource}`;
  const results = names.resultsPrefix ?? DEFAULT_OUTCOME_SETTINGS.resultsPrefix;
  const rejected = names.rejectedPrefix ?? DEFAULT_OUTCOME_SETTINGS.rejectedPrefix;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadRuns",
        Effect: "Allow",
        Action: ["dynamodb:Query"],
        Resource: [
          arn("dynamodb", `table/${names.runsTable}`),
          arn("dynamodb", `table/${names.errorTable}/index/${ERROR_TABLE.executionIndex.name}`),
        ],
      },
      {
        Sid: "ReadOutcomes",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`arn:aws:s3:::${names.bucket}/${results}*`, `arn:aws:s3:::${names.bucket}/${rejected}*`],
      },
      {
        Sid: "MissingObjectsAsNotFound",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: `arn:aws:s3:::${names.bucket}`,
      },
      {
        Sid: "ReadExecutions",
        Effect: "Allow",
        Action: ["states:DescribeExecution"],
        Resource: arn("states", `execution:${names.stateMachine}:*`),
      },
      {
        Sid: "Rerun",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: arn("states", `stateMachine:${names.stateMachine}`),
      },
    ],
  };
}
