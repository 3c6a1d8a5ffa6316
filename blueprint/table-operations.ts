import type { TableKey } from "../functions/contract";
import { roleStatements } from "./role-statements";

/** Stand-ins for the tables' ARNs: the statements are read for their actions, not evaluated. */
const REFS = {
  errorTableArn: "table:errors",
  executionIndexArn: "table:errors/index",
  runsTableArn: "table:runs",
} as const;

/**
 * The DynamoDB operations the functions call on each table: every `dynamodb:` action some function's role grants on
 * the table (or, for the error table, on its `ExecutionName-index`). The roles grant exactly what the handlers call
 * (the offline deploy proof checks both ways), so the table alarms watch exactly the operations in use, and a new
 * operation granted to a function is watched without a second list to keep in step.
 *
 * @example tableOperations().runs // ["BatchWriteItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"]
 */
export function tableOperations(): Record<TableKey, string[]> {
  const statements = Object.values(
    roleStatements<string>(
      {
        bucketArn: "bucket",
        ...REFS,
        alertTopicArn: "topic",
        keyArn: "key",
        webhookParameterArns: ["parameter"],
        logGroupArns: {
          splitCsv: "l",
          processChunk: "l",
          aggregateResults: "l",
          findDuplicates: "l",
          checkErrors: "l",
        },
        executionArns: "executions",
        partition: "aws",
        region: "region",
        account: "account",
      },
      { inputPrefix: "incoming/", emailFrom: "from@example.com", emailTo: ["to@example.com"] },
      (...parts) => parts.join(""),
    ),
  ).flat();
  const on = (arns: readonly string[]) =>
    [
      ...new Set(
        statements
          .filter((s) => s.Resource.some((r) => arns.includes(r)))
          .flatMap((s) => s.Action)
          .filter((a) => a.startsWith("dynamodb:"))
          .map((a) => a.slice("dynamodb:".length)),
      ),
    ].sort();
  return {
    errors: on([REFS.errorTableArn, REFS.executionIndexArn]),
    runs: on([REFS.runsTableArn]),
  };
}
