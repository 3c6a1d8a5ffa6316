import assert from "node:assert/strict";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { clients } from "../../../../functions/adapters/clients";
import { dynamoRunStore } from "../../../../functions/adapters/run-store";
import { UnprocessedItemsError } from "../../../../functions/core/errors";

describe("dynamoRunStore.deleteDigestEntries (UnprocessedItems)", () => {
  let doc: AwsClientStub<DynamoDBDocumentClient>;
  const waits: number[] = [];
  const store = dynamoRunStore({
    runsTable: "runs",
    errorTable: "errors",
    deleteRetry: { attempts: 5, baseMs: 50, capMs: 1000, jitter: "none", sleep: async (ms) => void waits.push(ms) },
  });
  const unprocessed = (n: number) => ({
    UnprocessedItems: { runs: Array.from({ length: n }, () => ({ DeleteRequest: { Key: { pk: "p", sk: "s" } } })) },
  });

  before(() => {
    clients.reset();
    doc = mockClient(DynamoDBDocumentClient);
  });
  after(() => {
    doc.restore();
    clients.reset();
  });
  beforeEach(() => {
    doc.reset();
    waits.length = 0;
  });

  it("sends back only what DynamoDB left unprocessed, with backoff, until it is done", async () => {
    doc.on(BatchWriteCommand).resolvesOnce(unprocessed(2)).resolvesOnce(unprocessed(1)).resolves({});

    await store.deleteDigestEntries("slack", ["e1", "e2", "e3"]);

    const sizes = doc.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.runs.length);
    assert.deepEqual(sizes, [3, 2, 1]);
    assert.deepEqual(waits, [50, 100]);
  });

  it("fails with UnprocessedItemsError after the bounded attempts", async () => {
    doc.on(BatchWriteCommand).resolves(unprocessed(1));

    await assert.rejects(
      store.deleteDigestEntries("slack", ["e1"]),
      (e: unknown) =>
        e instanceof UnprocessedItemsError &&
        /Could not delete 1 sent digest entries of slack from runs/.test(e.message) &&
        e.cause instanceof UnprocessedItemsError,
    );
    assert.equal(doc.commandCalls(BatchWriteCommand).length, 5);
  });
});
