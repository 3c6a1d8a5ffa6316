import assert from "node:assert/strict";
import { type IncomingMessage, request, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { CreateTableCommand, DynamoDBClient, QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { operatorPolicy } from "../../../blueprint/operator-policy";
import { RUNS_TABLE } from "../../../functions/contract";
import { awsChunkedDecoder } from "../../../local/services/aws-chunked";
import { dynamoRequests, startAwsEndpoint } from "../../../local/services/aws-endpoint";
import { type AwsRecorder, startAwsRecorder } from "../../../local/services/aws-recorder";
import { type LoopbackServer, routeBySignedService } from "../../../local/services/http";
import type { LocalRole } from "../../../local/services/iam-local";
import {
  LOCAL_BUCKET,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalServices,
  startLocalServices,
} from "../../../local/services/services";

const ACCOUNT = "123456789012";
const OPERATOR = { accessKeyId: "OPERATORKEY", secretAccessKey: "secret" };
const operatorRole: LocalRole = {
  name: "operator",
  statements: operatorPolicy({
    region: LOCAL_REGION,
    account: ACCOUNT,
    bucket: LOCAL_BUCKET,
    runsTable: RUNS_TABLE.defaultName,
    errorTable: "csv-processing-errors",
    stateMachine: "csv-pipeline",
  }).Statement,
};

describe("the local stack's one AWS endpoint", function () {
  this.timeout(30_000);
  let services: LocalServices;
  let recorder: AwsRecorder;
  let endpoint: LoopbackServer;
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => {
    clients.push(c);
    return c;
  };
  const config = (credentials = LOCAL_CREDENTIALS) => ({
    endpoint: endpoint.url,
    region: LOCAL_REGION,
    credentials,
    maxAttempts: 1,
  });

  before(async () => {
    services = await startLocalServices({ s3Roles: { [OPERATOR.accessKeyId]: operatorRole } });
    recorder = await startAwsRecorder();
    endpoint = await startAwsEndpoint({
      s3Endpoint: services.s3Endpoint,
      dynamoEndpoint: services.dynamoEndpoint,
      recorder: recorder.handle,
      roles: { [OPERATOR.accessKeyId]: operatorRole },
      region: LOCAL_REGION,
      account: ACCOUNT,
    });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await endpoint.close();
    await recorder.stop();
    await services.stop();
  });

  it("sends S3 (path-style) to the local S3, bytes unchanged, and lets S3 refuse what the operator's policy lacks", async () => {
    const s3 = client(new S3Client({ ...config(), forcePathStyle: true }));
    const body = Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62, 0x0d, 0x0a, 0x00, 0xff]);
    await s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: "results/x.json", Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: "results/x.json" }));
    assert.deepEqual(Buffer.from((await got.Body?.transformToByteArray()) ?? []), body);

    const operator = client(new S3Client({ ...config(OPERATOR), forcePathStyle: true }));
    const read = await operator.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: "results/x.json" }));
    assert.equal(read.ContentLength, body.length);
    const put = await operator
      .send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: "incoming/x.csv", Body: "a\n" }))
      .then(
        () => "stored",
        (e: Error) => e.name,
      );
    assert.equal(put, "AccessDenied");
  });

  it("stores a streamed upload's bytes, not its aws-chunked framing (the SDK's trailing checksum)", async () => {
    const s3 = client(new S3Client({ ...config(), forcePathStyle: true }));
    const body = Buffer.from("order_id,amount\r\nORD-000001,1\r\n".repeat(5000));
    // Two pieces of a stream: the SDK sends them as aws-chunked with its CRC32 as a trailer.
    const stream = Readable.from([body.subarray(0, 70_001), body.subarray(70_001)]);
    await s3.send(
      new PutObjectCommand({
        Bucket: LOCAL_BUCKET,
        Key: "incoming/streamed.csv",
        Body: stream,
        ContentLength: body.length,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: "incoming/streamed.csv" }));
    assert.equal(got.ContentLength, body.length);
    assert.deepEqual(Buffer.from((await got.Body?.transformToByteArray()) ?? []), body);
  });

  it("sends DynamoDB to the local DynamoDB, and refuses an operator's call its policy lacks as DynamoDB does", async () => {
    const admin = client(new DynamoDBClient(config()));
    await admin.send(new ScanCommand({ TableName: RUNS_TABLE.defaultName }));
    const operator = client(new DynamoDBClient(config(OPERATOR)));
    const query = await operator.send(
      new QueryCommand({
        TableName: RUNS_TABLE.defaultName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: "FEED#default" } },
      }),
    );
    assert.deepEqual(query.Items, []);
    const scan = await operator.send(new ScanCommand({ TableName: RUNS_TABLE.defaultName })).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.equal(scan?.name, "AccessDeniedException");
    assert.match(String(scan?.message), /not authorized to perform: dynamodb:Scan on resource: arn:aws:dynamodb:/);
    const create = await operator
      .send(
        new CreateTableCommand({
          TableName: "t",
          AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "k", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      )
      .then(
        () => "created",
        (e: Error) => e.name,
      );
    assert.equal(create, "AccessDeniedException");
  });

  it("sends the other services to the recorder, and refuses a request signed for none", async () => {
    const sns = client(new SNSClient(config()));
    await sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:${LOCAL_REGION}:${ACCOUNT}:t`, Message: "hello" }));
    assert.deepEqual(
      recorder.calls.map((c) => `${c.service}:${c.action}:${c.params.Message}`),
      ["sns:Publish:hello"],
    );
    const status = await new Promise<number>((resolve, reject) => {
      request(`${endpoint.url}/`, { method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end("{}");
    });
    assert.equal(status, 403);
  });
});

describe("routeBySignedService", () => {
  it("routes by the service the SigV4 credential scope names, in the Authorization header or a presigned query", async () => {
    const seen: string[] = [];
    const route = routeBySignedService(
      {
        s3: async () => {
          seen.push("s3");
        },
        dynamodb: async () => {
          seen.push("dynamodb");
        },
      },
      async () => {
        seen.push("other");
      },
    );
    const req = (url: string, authorization?: string) =>
      ({ url, headers: authorization === undefined ? {} : { authorization } }) as unknown as IncomingMessage;
    const res = {} as ServerResponse;
    const scope = (service: string) =>
      `AWS4-HMAC-SHA256 Credential=KEY/20260101/ap-northeast-1/${service}/aws4_request, SignedHeaders=host, Signature=x`;
    await route(req("/", scope("dynamodb")), res);
    await route(req("/bucket/key?X-Amz-Credential=KEY%2F20260101%2Fap-northeast-1%2Fs3%2Faws4_request"), res);
    await route(req("/", scope("states")), res);
    await route(req("/"), res);
    assert.deepEqual(seen, ["dynamodb", "s3", "other", "other"]);
  });
});

describe("awsChunkedDecoder", () => {
  it("gives the chunks' bytes, across any split of the framing, without the signatures and the trailer", async () => {
    const framed = Buffer.from(
      "5;chunk-signature=abc\r\nhello\r\n7\r\n, world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
    );
    for (const at of [1, 3, 8, 25, 30, framed.length - 3]) {
      const decoder = awsChunkedDecoder();
      const out: Buffer[] = [];
      decoder.on("data", (d: Buffer) => out.push(d));
      const ended = new Promise((resolve) => decoder.on("end", resolve));
      decoder.write(framed.subarray(0, at));
      decoder.end(framed.subarray(at));
      await ended;
      assert.equal(Buffer.concat(out).toString(), "hello, world", `split at ${at}`);
    }
  });

  it("fails on a body that is not aws-chunked", async () => {
    const decoder = awsChunkedDecoder();
    const failed = new Promise<Error>((resolve) => decoder.on("error", resolve));
    decoder.end(Buffer.from("not a size\r\n"));
    assert.match((await failed).message, /is not a chunk size line/);
  });
});

describe("dynamoRequests", () => {
  const arns = { region: "r", account: "1" };
  it("names each table (or index) a call acts on", () => {
    assert.deepEqual(dynamoRequests("DynamoDB_20120810.Query", { TableName: "t", IndexName: "i" }, arns), [
      { action: "dynamodb:Query", resource: "arn:aws:dynamodb:r:1:table/t/index/i" },
    ]);
    assert.deepEqual(
      dynamoRequests("DynamoDB_20120810.BatchGetItem", { RequestItems: { a: {}, b: {} } }, arns).map((r) => r.resource),
      ["arn:aws:dynamodb:r:1:table/a", "arn:aws:dynamodb:r:1:table/b"],
    );
    assert.deepEqual(dynamoRequests("DynamoDB_20120810.ListTables", {}, arns), [
      { action: "dynamodb:ListTables", resource: "arn:aws:dynamodb:r:1:table/*" },
    ]);
  });
});
