import assert from "node:assert/strict";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { BATCH_SIZE, DEFAULT_RETRY, ErrorWriter } from "../../../functions/adapters/error-store";
import { ERROR_TABLE, type ErrorRecord } from "../../../functions/contract";
import {
  type DynamoThrottle,
  startDynamoThrottle,
  THROTTLE_FORMS,
  type ThrottleForm,
} from "../../../local/services/dynamo-throttle";
import type { FaultPlan } from "../../../local/services/faults";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalServices,
  startLocalServices,
} from "../../../local/services/services";

const START = "2024-05-01T00:00:00.000Z";

function record(executionName: string, i: number): ErrorRecord {
  return {
    errorId: `${executionName}-${i}`,
    timestamp: START,
    executionName,
    errorType: "ValidationError",
    severity: "LOW",
    errorMessage: "m",
    recordData: { row: String(i) },
    retryCount: 0,
    processingStage: "process",
    rowNumber: i + 2,
    chunkId: 1,
    severityRow: `3#${String(i + 2).padStart(12, "0")}`,
    expiresAt: 1,
  };
}

describe("the dynamodb-throttle fault against the error writer (local DynamoDB)", () => {
  let svc: LocalServices;
  const started: { throttle: DynamoThrottle; client: DynamoDBClient }[] = [];

  before(async () => {
    svc = await startLocalServices();
  });
  afterEach(async () => {
    for (const { throttle, client } of started.splice(0)) {
      client.destroy();
      await throttle.stop();
    }
  });
  after(async () => {
    await svc.stop();
  });

  /** The proxy in front of dynalite, and a client through it that makes one HTTP attempt per call (no SDK retries). */
  async function throttled(faults: FaultPlan, forms?: ThrottleForm[]) {
    const throttle = await startDynamoThrottle(svc.dynamoEndpoint, faults, forms);
    const client = new DynamoDBClient({
      endpoint: throttle.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    started.push({ throttle, client });
    return { throttle, client };
  }

  async function errorIdsOf(executionName: string): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await svc.dynamo.send(
        new QueryCommand({
          TableName: svc.errorTable,
          IndexName: ERROR_TABLE.executionIndex.name,
          KeyConditionExpression: "executionName = :e",
          ExpressionAttributeValues: { ":e": { S: executionName } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) ids.push(String(item.errorId.S));
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return ids.sort();
  }

  async function write(writer: ErrorWriter, executionName: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await writer.add(record(executionName, i));
    await writer.flush();
  }

  const cases: { name: string; forms?: ThrottleForm[]; byForm: Partial<Record<ThrottleForm, number>> }[] = [
    ...THROTTLE_FORMS.map((form) => ({ name: `answered in ${form}`, forms: [form], byForm: { [form]: 3 } })),
    {
      name: "in each form in turn (the fault's default)",
      byForm: { UnprocessedItems: 1, ProvisionedThroughputExceededException: 1, ThrottlingException: 1 },
    },
  ];
  for (const { name, forms, byForm } of cases) {
    it(`writes every record exactly once when BatchWriteItem is throttled ${name}`, async () => {
      const { throttle, client } = await throttled({ "dynamodb-throttle": 3 }, forms);
      const executionName = `exec-${name.replace(/\W+/g, "-")}`;
      const writer = new ErrorWriter(svc.errorTable, { client, sleep: async () => undefined });

      await write(writer, executionName, 60);

      assert.deepEqual(
        await errorIdsOf(executionName),
        Array.from({ length: 60 }, (_, i) => `${executionName}-${i}`).sort(),
      );
      assert.equal(writer.written, 60);
      assert.equal(throttle.throttled, 3);
      assert.deepEqual(throttle.byForm, Object.fromEntries(THROTTLE_FORMS.map((f) => [f, byForm[f] ?? 0])));
      // 3 batches (25 + 25 + 10), and each throttled call sent once more.
      assert.equal(Math.ceil(60 / BATCH_SIZE), 3);
      assert.equal(writer.calls, 3 + 3);
    });
  }

  for (const form of ["ProvisionedThroughputExceededException", "ThrottlingException"] as const) {
    it(`gives the chunk back to the state machine (UnprocessedItemsError) when DynamoDB keeps refusing with ${form}`, async () => {
      const { throttle, client } = await throttled({ "dynamodb-throttle": Number.POSITIVE_INFINITY }, [form]);
      const executionName = `exec-refused-${form}`;
      const writer = new ErrorWriter(svc.errorTable, { client, sleep: async () => undefined });

      await assert.rejects(write(writer, executionName, 1), (err: Error & { cause?: Error }) => {
        assert.equal(err.name, "UnprocessedItemsError");
        assert.match(
          err.message,
          new RegExp(
            `^DynamoDB left 1 of 1 error records unprocessed after ${DEFAULT_RETRY.attempts} BatchWriteItem calls on table ${svc.errorTable} \\(${DEFAULT_RETRY.attempts} of them refused whole with a throttling error\\); the chunk should be retried\\.$`,
          ),
        );
        assert.equal(err.cause?.name, form);
        return true;
      });
      assert.equal(writer.calls, DEFAULT_RETRY.attempts);
      assert.equal(throttle.byForm[form], DEFAULT_RETRY.attempts);
      assert.deepEqual(await errorIdsOf(executionName), []);
    });
  }
});
