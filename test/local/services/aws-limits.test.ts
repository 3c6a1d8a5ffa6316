import assert from "node:assert/strict";
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { limitLines } from "../../../local/report/format";
import { AWS_LIMITS, dynamoItemBytes, LimitLedger } from "../../../local/services/aws-limits";
import { itemsWritten, startDynamoSizes } from "../../../local/services/dynamo-sizes";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalServices,
  startLocalServices,
} from "../../../local/services/services";

describe("dynamoItemBytes", () => {
  it("sizes an item as DynamoDB's documentation does: names and values, numbers by significant digits, 3 + 1 per element for maps and lists", () => {
    assert.equal(dynamoItemBytes({ pk: { S: "abc" } }), 2 + 3);
    assert.equal(dynamoItemBytes({ s: { S: "日本" } }), 1 + 6, "UTF-8 bytes");
    assert.equal(dynamoItemBytes({ n: { N: "12345" } }), 1 + 3 + 1, "5 digits: 3 bytes + 1");
    assert.equal(dynamoItemBytes({ n: { N: "-0.00120" } }), 1 + 1 + 1, "leading and trailing zeroes trimmed");
    assert.equal(dynamoItemBytes({ b: { BOOL: true }, z: { NULL: true } }), 2 + 2);
    assert.equal(dynamoItemBytes({ m: { M: { ab: { S: "x" } } } }), 1 + 3 + 1 + 2 + 1);
    assert.equal(dynamoItemBytes({ l: { L: [{ S: "x" }, { N: "1" }] } }), 1 + 3 + (1 + 1) + (1 + 2));
    assert.equal(dynamoItemBytes({ bin: { B: Buffer.from("hello").toString("base64") } }), 3 + 5, "raw bytes");
  });
});

describe("LimitLedger", () => {
  it("keeps the largest value per limit and where it was, one entry per limit even when nothing was measured", () => {
    const ledger = new LimitLedger();

    ledger.observe(AWS_LIMITS.statePayload, 100, "SplitCsv");
    ledger.observe(AWS_LIMITS.statePayload, 900, "ProcessChunks");
    ledger.observe(AWS_LIMITS.statePayload, 300, "CheckErrors");

    assert.deepEqual(ledger.entries(), [
      { limit: "state payload", max: 262_144, largest: 900, where: "ProcessChunks" },
      { limit: "DynamoDB item", max: 409_600, largest: 0, where: "" },
    ]);
  });
});

describe("limitLines", () => {
  it("shows a line only for a limit the run used more than half of", () => {
    const lines = limitLines([
      { limit: "state payload", max: 262_144, largest: 131_072, where: "SplitCsv" },
      { limit: "DynamoDB item", max: 409_600, largest: 300_000, where: "csv-processing-errors" },
    ]);

    assert.deepEqual(lines, ["AWS limit   DynamoDB item: 300,000 of 409,600 bytes (73%) at csv-processing-errors"]);
  });
});

describe("itemsWritten", () => {
  it("finds the items of PutItem, of BatchWriteItem's puts (not its deletes) and of TransactWriteItems' puts", () => {
    const item = { pk: { S: "a" } };

    assert.deepEqual(itemsWritten("PutItem", { TableName: "t", Item: item }), [{ table: "t", item }]);
    assert.deepEqual(
      itemsWritten("BatchWriteItem", {
        RequestItems: { t: [{ PutRequest: { Item: item } }, { DeleteRequest: { Key: item } }] },
      }),
      [{ table: "t", item }],
    );
    assert.deepEqual(itemsWritten("TransactWriteItems", { TransactItems: [{ Put: { TableName: "u", Item: item } }] }), [
      { table: "u", item },
    ]);
    assert.deepEqual(itemsWritten("Query", { TableName: "t" }), []);
  });
});

describe("startDynamoSizes", function () {
  this.timeout(60_000);
  let svc: LocalServices;
  before(async () => {
    svc = await startLocalServices();
  });
  after(async () => {
    await svc?.stop();
  });

  it("sizes each item written through it, and the database behind it still refuses an item over 400 KB", async () => {
    const ledger = new LimitLedger();
    const sizes = await startDynamoSizes(svc.dynamoEndpoint, ledger);
    const client = new DynamoDBClient({
      endpoint: sizes.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: "sized",
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      await client.send(
        new PutItemCommand({ TableName: "sized", Item: { pk: { S: "a" }, v: { S: "x".repeat(1000) } } }),
      );
      await assert.rejects(
        client.send(
          new PutItemCommand({ TableName: "sized", Item: { pk: { S: "b" }, v: { S: "x".repeat(409_600) } } }),
        ),
        /Item size has exceeded the maximum allowed size/,
      );

      assert.deepEqual(ledger.entries()[1], {
        limit: "DynamoDB item",
        max: 409_600,
        largest: 2 + 1 + 1 + 409_600,
        where: "sized",
      });
    } finally {
      client.destroy();
      await sizes.stop();
    }
  });
});
