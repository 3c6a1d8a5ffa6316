import assert from "node:assert/strict";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../functions/adapters/clients";
import { ERROR_TABLE } from "../functions/contract";
import { type LocalServices, startLocalServices } from "../local/services/services";
import { restoreEnv } from "./support/env";

describe("local services", () => {
  let svc: LocalServices;
  const saved = { ...process.env };
  before(async () => {
    svc = await startLocalServices();
    Object.assign(process.env, svc.env);
    clients.reset();
  });
  after(async () => {
    restoreEnv(saved);
    clients.reset();
    await svc.stop();
  });

  it("serves DynamoDB (with the GSI) and ranged S3 reads to the handlers' clients", async () => {
    await clients.doc().send(
      new PutCommand({
        TableName: svc.errorTable,
        Item: { errorId: "a", timestamp: "t", executionName: "e", severityRow: "0#1" },
      }),
    );
    const q = await clients.doc().send(
      new QueryCommand({
        TableName: svc.errorTable,
        IndexName: ERROR_TABLE.executionIndex.name,
        KeyConditionExpression: "executionName = :e",
        ExpressionAttributeValues: { ":e": "e" },
      }),
    );
    assert.equal(q.Items?.length, 1);
    await clients.s3().send(new PutObjectCommand({ Bucket: svc.bucket, Key: "x.csv", Body: "abcdef" }));
    const got = await clients.s3().send(new GetObjectCommand({ Bucket: svc.bucket, Key: "x.csv", Range: "bytes=2-3" }));
    assert.equal(await got.Body?.transformToString(), "cd");
  });
});
