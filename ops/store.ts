import { GetObjectCommand } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { ERROR_TABLE, RUN_KEYS, type RunManifest } from "../functions/contract";
import { ARRIVAL_KEYS } from "../functions/core/arrival/keys";
import type { OpsClients } from "./aws";
import { OpsFailureError } from "./failure";
import type { StackOutputs } from "./outputs";

/**
 * What the operator's commands read of a stack, each with the fewest calls: a feed's runs (`FEED#<feed>` /
 * `RUN#<start>#<exec>`), one execution's items (`EXEC#<exec>`: FILE, CHUNK#…, NOTIFY#…), its error records (the GSI
 * `ExecutionName-index`), its manifest (`results/<exec>.json`) and Step Functions' view of it.
 */

/** One `RUN#` item of a feed: written by split-csv when its run claimed the upload. */
export interface FeedRunItem {
  feed: string;
  executionName: string;
  startTime: string;
  key: string;
  /** What the check writes on the item once the run ended, when it does. */
  rows?: number;
  valid?: number;
  invalid?: number;
  errors?: unknown;
  critical?: number;
  status?: string;
}

type Item = Record<string, unknown>;

async function queryAll(clients: OpsClients, input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const out = await clients.doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...((out.Items ?? []) as Item[]));
    ExclusiveStartKey = out.LastEvaluatedKey as Item | undefined;
  } while (ExclusiveStartKey !== undefined);
  return items;
}

function optionalNumber(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** A feed's runs started at or after `since` (all when undefined), newest first, at most `limit`. */
export async function feedRuns(
  clients: OpsClients,
  outputs: StackOutputs,
  feed: string,
  since: Date | undefined,
  limit: number,
): Promise<FeedRunItem[]> {
  const from = since === undefined ? ARRIVAL_KEYS.runPrefix : `${ARRIVAL_KEYS.runPrefix}${since.toISOString()}`;
  const out = await clients.doc.send(
    new QueryCommand({
      TableName: outputs.runsTableName,
      // `$` sorts after `#` and every digit, so the range ends after the last RUN# item.
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": ARRIVAL_KEYS.partition(feed), ":from": from, ":to": "RUN$" },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return ((out.Items ?? []) as Item[]).map((i) => ({
    feed,
    executionName: String(i.executionName),
    startTime: String(i.startTime),
    key: String(i.key ?? ""),
    rows: optionalNumber(i.rows),
    valid: optionalNumber(i.valid),
    invalid: optionalNumber(i.invalid),
    errors: i.errors,
    critical: optionalNumber(i.critical),
    status: typeof i.status === "string" ? i.status : undefined,
  }));
}

/** One execution's items in the runs table: its file summary, chunk summaries and notice ledger. */
export interface ExecutionItems {
  file?: Item;
  chunks: Item[];
  notices: Item[];
}

/** Reads `EXEC#<exec>` with one (paged) consistent Query: at most 256 chunks, a few ledger items. */
export async function executionItems(
  clients: OpsClients,
  outputs: StackOutputs,
  exec: string,
): Promise<ExecutionItems> {
  const items = await queryAll(clients, {
    TableName: outputs.runsTableName,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": RUN_KEYS.execution(exec) },
    ConsistentRead: true,
  });
  const sk = (i: Item) => String(i.sk);
  return {
    file: items.find((i) => sk(i) === RUN_KEYS.file),
    chunks: items.filter((i) => sk(i).startsWith(RUN_KEYS.chunkPrefix)),
    notices: items.filter((i) => sk(i).startsWith(RUN_KEYS.notification(""))),
  };
}

/** One execution's error records, most severe first (the GSI's order), every page. */
export async function errorRecords(clients: OpsClients, outputs: StackOutputs, exec: string): Promise<Item[]> {
  return queryAll(clients, {
    TableName: outputs.errorTableName,
    IndexName: ERROR_TABLE.executionIndex.name,
    KeyConditionExpression: "executionName = :e",
    ExpressionAttributeValues: { ":e": exec },
  });
}

/** The manifest key of a run. */
export function manifestKey(outputs: StackOutputs, exec: string): string {
  return `${outputs.resultsPrefix}${exec}.json`;
}

/** The run's manifest, or undefined when none was written (the aggregation did not run). */
export async function readManifest(
  clients: OpsClients,
  outputs: StackOutputs,
  exec: string,
): Promise<RunManifest | undefined> {
  try {
    const out = await clients.s3.send(
      new GetObjectCommand({ Bucket: outputs.bucketName, Key: manifestKey(outputs, exec) }),
    );
    return JSON.parse(await (out.Body as { transformToString(): Promise<string> }).transformToString()) as RunManifest;
  } catch (err) {
    if ((err as Error).name === "NoSuchKey") return undefined;
    throw err;
  }
}

/** The ARN of an execution of the stack's state machine. */
export function executionArn(outputs: StackOutputs, exec: string): string {
  return `${outputs.stateMachineArn.replace(":stateMachine:", ":execution:")}:${exec}`;
}

/** Step Functions' view of an execution. */
export interface ExecutionView {
  status: string;
  input: string;
  startDate?: Date;
  stopDate?: Date;
}

/** DescribeExecution; undefined when Step Functions does not know it (a wrong name, or older than 90 days). */
export async function describeExecution(
  clients: OpsClients,
  outputs: StackOutputs,
  exec: string,
): Promise<ExecutionView | undefined> {
  try {
    const out = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(outputs, exec) }));
    return { status: String(out.status), input: out.input ?? "{}", startDate: out.startDate, stopDate: out.stopDate };
  } catch (err) {
    if ((err as Error).name === "ExecutionDoesNotExist") return undefined;
    throw err;
  }
}

/** The refusal for a name the stack knows nothing of. */
export function unknownExecution(exec: string): OpsFailureError {
  return new OpsFailureError(`unknown execution "${exec}": \`npm run ops -- runs\` lists the stack's recent runs`);
}
