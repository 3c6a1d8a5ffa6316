import assert from "node:assert/strict";
import { BatchWriteItemCommand, CreateTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { clients, setDynamoClientPlugins } from "../../../functions/adapters/clients";
import { limitLines } from "../../../local/report/format";
import { AWS_LIMITS, dynamoItemBytes, LimitLedger } from "../../../local/services/aws-limits";
import { dynamoSizesPlugin, itemsWritten } from "../../../local/services/dynamo-sizes";
import { type LocalServices, startLocalServices } from "../../../local/services/services";
import { restoreEnv } from "../../support/env";

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

describe("dynamoSizesPlugin", function () {
  this.timeout(60_000);
  let svc: LocalServices;
  const ledger = new LimitLedger();
  let previous: ReturnType<typeof setDynamoClientPlugins>;
  const saved = { ...process.env };
  before(async () => {
    svc = await startLocalServices();
    Object.assign(process.env, svc.env);
    previous = setDynamoClientPlugins([dynamoSizesPlugin(ledger)]);
    clients.reset();
    await clients.dynamo().send(
      new CreateTableCommand({
        TableName: "sized",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  });
  after(async () => {
    setDynamoClientPlugins(previous);
    restoreEnv(saved);
    clients.reset();
    await svc?.stop();
  });

  it("sizes each item the functions' clients write, and the database still refuses an item over 400 KB", async () => {
    await clients
      .dynamo()
      .send(new PutItemCommand({ TableName: "sized", Item: { pk: { S: "a" }, v: { S: "x".repeat(1000) } } }));
    assert.deepEqual(ledger.entries()[1], {
      limit: "DynamoDB item",
      max: 409_600,
      largest: 2 + 1 + 1 + 1000,
      where: "sized",
    });

    await assert.rejects(
      clients
        .dynamo()
        .send(new PutItemCommand({ TableName: "sized", Item: { pk: { S: "b" }, v: { S: "x".repeat(409_600) } } })),
      /Item size has exceeded the maximum allowed size/,
    );
    assert.equal(ledger.entries()[1].largest, 2 + 1 + 1 + 409_600);
  });

  it("sizes BatchWriteItem's puts with their bytes, and the document client's items once marshalled", async () => {
    const fresh = new LimitLedger();
    const restore = setDynamoClientPlugins([dynamoSizesPlugin(fresh)]);
    clients.reset();
    try {
      await clients.dynamo().send(
        new BatchWriteItemCommand({
          RequestItems: { sized: [{ PutRequest: { Item: { pk: { S: "c" }, b: { B: new Uint8Array(5000) } } } }] },
        }),
      );
      assert.equal(fresh.entries()[1].largest, 2 + 1 + 1 + 5000, "binary: its bytes");
      await clients
        .doc()
        .send(new PutCommand({ TableName: "sized", Item: { pk: "d", n: 12345, v: "y".repeat(6000) } }));
      assert.equal(fresh.entries()[1].largest, 2 + 1 + 1 + 3 + 1 + 1 + 6000, "a document's item as DynamoDB stores it");
    } finally {
      setDynamoClientPlugins(restore);
      clients.reset();
    }
  });
});
