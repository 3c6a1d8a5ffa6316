import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { defaultPackageBytes, zipSize } from "../../bench/lib/archive-size";
import { buildArchive, writeArchive } from "../../bench/lib/callback-archive";
import {
  type AggregateOutput,
  type CheckOutput,
  type ChunkRef,
  type ChunkResult,
  CSV_OUTPUT_EOL,
  DEFAULT_OUTCOME_SETTINGS,
  DIGEST_FLUSH_EVENT,
  ENV,
  ERRORS_CSV_COLUMNS,
  NOTIFY_NOW_ENV,
  OUTCOME_KEYS,
  type RunManifest,
  SCHEMA_OBJECT_KEY,
  type SplitResult,
} from "../../functions/contract";
import { UTF8_BOM } from "../../functions/core/outcomes/csv-text";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey } from "../../infra/functions";
import { CHECK_RUNS_QUERY, CRITICAL_FILTER_PATTERN } from "../../infra/monitoring/logs";
import { BUNDLED_SDK_PACKAGES, RUNTIME_PROVIDED_SCOPES, stageHandler } from "../../infra/package";
import { type AwsRecorder, type RecordedCall, startAwsRecorder } from "../../local/services/aws-recorder";
import { localExecutions } from "../../local/services/executions";
import { FUNCTION_ACCESS_KEYS } from "../../local/services/function-roles";
import { type AccessRequest, allowingStatements, type LocalStatement } from "../../local/services/iam-local";
import { type LocalServices, startLocalServices } from "../../local/services/services";
import { type SlackReceiver, startSlackReceiver } from "../../local/services/slack-receiver";
import { runProgram } from "../support/infra-program";
import { MOCK_ACCOUNT, MOCK_REGION, type MockResource, TEST_ROW_SCHEMA } from "../support/pulumi-mocks";

/** One SDK call a handler made, as recorded inside its process. */
interface SdkCall {
  client: string;
  command: string;
  input: Record<string, unknown>;
}

const MIB = 1024 * 1024;

/**
 * Recorder loaded with `-r` in the handler's process: logs every SDK `send` (client, command, key inputs). A call of
 * the document client (bundled, so its class names are minified) is logged as the DynamoDB call it makes.
 */
const PRELOAD = `
const fs = require("node:fs");
const { Client } = require("@smithy/core/client");
const send = Client.prototype.send;
const KEYS = ["TableName", "IndexName", "Bucket", "Key", "VersionId", "TopicArn", "Name", "Namespace", "Source", "MetricData", "RequestItems", "executionArn"];
Client.prototype.send = function (command, ...rest) {
  const input = {};
  for (const k of KEYS) if (command.input && command.input[k] !== undefined) input[k] = k === "RequestItems" ? Object.keys(command.input[k]) : command.input[k];
  const inner = command.clientCommand;
  const client = inner ? "DynamoDBClient" : this.constructor.name;
  const name = (inner || command).constructor.name;
  fs.appendFileSync(process.env.SDK_CALL_LOG, JSON.stringify({ client, command: name, input }) + "\\n");
  return send.call(this, command, ...rest);
};
`;

/** Loads the archive's __index.js as Lambda does (handler "__index.handler") and invokes it once. */
const RUNNER = `
const fs = require("node:fs");
const [taskDir, eventFile, outFile] = process.argv.slice(2);
process.chdir(taskDir);
const { handler } = require(taskDir + "/__index.js");
const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: "offline-1", getRemainingTimeInMillis: () => 60000 };
handler(JSON.parse(fs.readFileSync(eventFile, "utf8")), context).then(
  (result) => fs.writeFileSync(outFile, JSON.stringify({ ok: true, result })),
  (error) => fs.writeFileSync(outFile, JSON.stringify({ ok: false, error: { name: error.name, message: error.message, stack: error.stack } })),
);
`;

/**
 * node_modules of the runtime: only the AWS SDK v3 packages and what they depend on (as nodejs22.x ships them), less
 * the packages the archives bundle at their tested version: a handler that still loaded one from the runtime fails.
 */
function runtimeSdkDir(root: string): string {
  const nm = join(root, "node_modules");
  const seen = new Set<string>();
  const queue = Object.keys(JSON.parse(readFileSync("package.json", "utf8")).dependencies).filter((p) =>
    RUNTIME_PROVIDED_SCOPES.some((s) => p.startsWith(s)),
  );
  while (queue.length > 0) {
    const pkg = queue.pop()!;
    if (seen.has(pkg) || BUNDLED_SDK_PACKAGES.includes(pkg) || !existsSync(join("node_modules", pkg))) continue;
    seen.add(pkg);
    mkdirSync(dirname(join(nm, pkg)), { recursive: true });
    symlinkSync(join(process.cwd(), "node_modules", pkg), join(nm, pkg), "dir");
    const deps = JSON.parse(readFileSync(join("node_modules", pkg, "package.json"), "utf8")).dependencies ?? {};
    queue.push(...Object.keys(deps));
  }
  return nm;
}

/** The outputs of the stack under test (TEST_CONFIG sets none: the defaults). */
const OUTPUTS = DEFAULT_OUTCOME_SETTINGS;

/** The key each function signs with, as in a local run: the local S3 authorizes its requests as that role. */
const ROLE_KEYS = FUNCTION_ACCESS_KEYS;

/**
 * Statements no call of a handler can use here, each with the reason. Every other statement of every role must
 * allow at least one call the proof makes: a grant no call needs is as wrong as a call no grant allows.
 */
const NOT_EXERCISED_LOCALLY: Record<string, string> = {
  // Lambda's runtime ships the function's stdout to its log group with the role's credentials; the handler makes
  // no CloudWatch Logs call of its own.
  WriteOwnLogs: "used by the Lambda runtime, not by the handler",
  // SNS calls KMS on the publisher's behalf (kms:ViaService sns) to encrypt a message for the encrypted topic.
  EncryptForAlertTopic: "used by SNS on the check's behalf when it publishes",
  // SSM calls KMS on the caller's behalf (kms:ViaService ssm) to decrypt the SecureString webhook URL.
  DecryptWebhookParameter: "used by SSM on the check's behalf when it reads the webhook parameter",
};

/** S3 commands IAM authorizes under another action's name: every step of a multipart upload but its abort is a PutObject. */
const S3_ACTIONS: Record<string, string> = {
  CreateMultipartUpload: "PutObject",
  UploadPart: "PutObject",
  CompleteMultipartUpload: "PutObject",
  ListParts: "ListMultipartUploadParts",
  HeadObject: "GetObject",
};
const SERVICE_OF_CLIENT: Record<string, string> = {
  S3Client: "s3",
  DynamoDBClient: "dynamodb",
  SNSClient: "sns",
  SESClient: "ses",
  CloudWatchClient: "cloudwatch",
  SSMClient: "ssm",
  SFNClient: "states",
};

describe("Lambda archives (offline deploy proof)", () => {
  let svc: LocalServices;
  let aws: AwsRecorder;
  let slack: SlackReceiver;
  let work: string;
  let nodePath: string;
  let resources: MockResource[];
  const archives = {} as Record<
    FunctionKey,
    { dir: string; bytes: number; zip: number; files: string[]; packages: string[]; trimmed: string[] }
  >;
  let defaultBytes = 0;
  const calls = {} as Record<FunctionKey, SdkCall[]>;
  /** JSON log lines each handler wrote to stdout, as CloudWatch Logs would store them. */
  const logLines = {} as Record<FunctionKey, Record<string, unknown>[]>;
  const mockFn = (key: FunctionKey) =>
    resources.find((r) => r.type === "aws:lambda/function:Function" && r.name.endsWith(FUNCTION_SPECS[key].name))!;
  const mockTable = (hashKey: string) =>
    resources.find((r) => r.type === "aws:dynamodb/table:Table" && r.inputs.hashKey === hashKey)!;
  const deployedBucket = () => String(resources.find((r) => r.type === "aws:s3/bucket:Bucket")!.state.bucket);
  /** The statements of a function's role, as its deployed inline policy renders them. */
  const roleStatements = (key: FunctionKey): LocalStatement[] => {
    const policy = resources.find(
      (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes(`${FUNCTION_SPECS[key].name}-role`),
    )!;
    return (JSON.parse(String(policy.inputs.policy)) as { Statement: LocalStatement[] }).Statement;
  };
  const tableArn = (name: string) =>
    name === svc.errorTable
      ? String(mockTable("errorId").state.arn)
      : name === svc.runsTable
        ? String(mockTable("pk").state.arn)
        : `unknown-table:${name}`;

  /** What IAM authorizes for one SDK call a handler made (DynamoDB, S3), as its role would see it. */
  function sdkRequests(key: FunctionKey, call: SdkCall): AccessRequest[] {
    const service = SERVICE_OF_CLIENT[call.client];
    assert.ok(service, `${key}: unknown client ${call.client}`);
    const command = call.command.replace(/Command$/, "");
    const op = service === "s3" ? (S3_ACTIONS[command] ?? command) : command;
    const action = `${service}:${op}`;
    const i = call.input;
    if (service === "dynamodb") {
      const tables = (i.RequestItems as string[] | undefined) ?? [String(i.TableName)];
      return tables.map((t) => ({
        action,
        resource: i.IndexName ? `${tableArn(t)}/index/${i.IndexName}` : tableArn(t),
      }));
    }
    // S3 authorizes a read that names a version as s3:GetObjectVersion (GetObject and HeadObject alike).
    const read = (op === "GetObject" || op === "HeadObject") && i.VersionId !== undefined;
    if (service === "s3")
      return [{ action: read ? "s3:GetObjectVersion" : action, resource: `arn:aws:s3:::${i.Bucket}/${i.Key}` }];
    return recordedRequests({ service, action: op, params: i } as RecordedCall);
  }

  /** What IAM authorizes for one call the SNS/SES/CloudWatch/SSM endpoint received. */
  function recordedRequests(call: Pick<RecordedCall, "service" | "action" | "params">): AccessRequest[] {
    const action = `${call.service}:${call.action}`;
    const p = call.params;
    switch (call.service) {
      case "sns":
        return [{ action, resource: String(p.TopicArn) }];
      case "ssm":
        return [{ action, resource: `arn:aws:ssm:${MOCK_REGION}:${MOCK_ACCOUNT}:parameter${p.Name}` }];
      case "cloudwatch":
        return [{ action, resource: "*", context: { "cloudwatch:namespace": String(p.Namespace) } }];
      case "ses":
        return [
          {
            action,
            resource: `arn:aws:ses:${MOCK_REGION}:${MOCK_ACCOUNT}:identity/${p.Source}`,
            context: { "ses:FromAddress": String(p.Source) },
          },
        ];
      case "states":
        return [{ action, resource: String(p.executionArn) }];
    }
  }

  before(async function () {
    this.timeout(180_000);
    ({ resources } = await runProgram());
    work = mkdtempSync(join(tmpdir(), "csv-pipeline-offline-"));
    nodePath = runtimeSdkDir(join(work, "runtime"));
    writeFileSync(join(work, "preload.js"), PRELOAD);
    writeFileSync(join(work, "runner.js"), RUNNER);
    for (const key of FUNCTION_KEYS) {
      const spec = FUNCTION_SPECS[key];
      const bundle = stageHandler(spec.name, spec.entry);
      const files = await buildArchive(bundle);
      const dir = join(work, "task", spec.name);
      const written = await writeArchive(files, dir);
      archives[key] = {
        dir,
        bytes: written.bytes,
        zip: await zipSize(files, dir),
        files: Object.keys(files).sort(),
        packages: bundle.packages,
        trimmed: bundle.trimmed,
      };
    }
    defaultBytes = (await defaultPackageBytes()).bytes;
    // The bucket keeps the deployed name, so each role's S3 statements apply to the local bucket as rendered.
    svc = await startLocalServices({
      bucket: deployedBucket(),
      s3Roles: Object.fromEntries(
        FUNCTION_KEYS.map((key) => [ROLE_KEYS[key], { name: key, statements: roleStatements(key) }]),
      ),
    });
    slack = await startSlackReceiver();
    const checkEnv = (mockFn("checkErrors").inputs.environment as { variables: Record<string, string> }).variables;
    aws = await startAwsRecorder({ parameters: { [checkEnv.SLACK_WEBHOOK_PARAMETER]: slack.webhookUrl } });
  });

  after(async () => {
    await Promise.all([svc?.stop(), aws?.stop(), slack?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The deployed environment of a function (from the program under mocks), pointed at the local services. */
  function deployedEnv(key: FunctionKey): Record<string, string> {
    const env = { ...(mockFn(key).inputs.environment as { variables: Record<string, string> }).variables };
    const errorsName = String(mockTable("errorId").state.name);
    const runsName = String(mockTable("pk").state.name);
    const bucket = deployedBucket();
    for (const [k, v] of Object.entries(env)) {
      env[k] = v
        .split(errorsName)
        .join(svc.errorTable)
        .split(runsName)
        .join(svc.runsTable)
        .split(bucket)
        .join(svc.bucket);
    }
    return env;
  }

  /** An object's bytes, read with the services' own client (no role). */
  async function objectBytes(key: string): Promise<Buffer> {
    const got = await svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: key }));
    return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
  }

  function invoke<T>(key: FunctionKey, event: unknown, extraEnv: Record<string, string> = {}): Promise<T> {
    const name = FUNCTION_SPECS[key].name;
    const eventFile = join(work, `${name}-event.json`);
    const outFile = join(work, `${name}-out.json`);
    const callLog = join(work, `${name}-calls.log`);
    writeFileSync(eventFile, JSON.stringify(event));
    rmSync(outFile, { force: true });
    const env = {
      PATH: process.env.PATH ?? "",
      NODE_PATH: nodePath,
      SDK_CALL_LOG: callLog,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...svc.env,
      ...aws.env,
      AWS_ACCESS_KEY_ID: ROLE_KEYS[key],
      ...deployedEnv(key),
      ...extraEnv,
    };
    // The handler's process sees the archive and the runtime's SDK only: no project node_modules, no ts-node.
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [
          "--preserve-symlinks",
          "--preserve-symlinks-main",
          "-r",
          join(work, "preload.js"),
          join(work, "runner.js"),
          archives[key].dir,
          eventFile,
          outFile,
        ],
        { cwd: archives[key].dir, env, timeout: 60_000 },
        (err, stdout, stderr) => {
          logLines[key] = [
            ...(logLines[key] ?? []),
            ...stdout
              .split("\n")
              .filter((l) => l.startsWith("{"))
              .map((l) => JSON.parse(l) as Record<string, unknown>),
          ];
          if (!existsSync(outFile))
            return reject(new Error(`${name} did not finish: ${err?.message ?? ""}\n${stderr}`));
          const out = JSON.parse(readFileSync(outFile, "utf8"));
          calls[key] = [
            ...(calls[key] ?? []),
            ...(existsSync(callLog)
              ? readFileSync(callLog, "utf8")
                  .trim()
                  .split("\n")
                  .filter(Boolean)
                  .map((l) => JSON.parse(l))
              : []),
          ];
          rmSync(callLog, { force: true });
          if (!out.ok)
            return reject(new Error(`${name} failed: ${out.error.name}: ${out.error.message}\n${out.error.stack}`));
          resolve(out.result as T);
        },
      );
    });
  }

  it("keeps every archive at most 1 MiB zipped and at least 100× smaller than the default packaging", () => {
    assert.ok(defaultBytes > 10 * MIB, `default packaging measured only ${defaultBytes} bytes`);
    for (const key of FUNCTION_KEYS) {
      const a = archives[key];
      assert.ok(a.zip <= MIB, `${key}: ${a.zip} bytes zipped`);
      assert.ok(
        a.bytes * 100 <= defaultBytes,
        `${key}: ${a.bytes} bytes unpacked, more than 1/100 of the default ${defaultBytes}`,
      );
    }
  });

  it("holds only __index.js and one bundle, without @pulumi/*, @aws-sdk/* or a source map", () => {
    for (const key of FUNCTION_KEYS) {
      const a = archives[key];
      assert.deepEqual(a.files, ["__index.js", `out/lambda/${FUNCTION_SPECS[key].name}/index.js`]);
      assert.ok(!existsSync(join(a.dir, "node_modules")), `${key} packs node_modules`);
      const code = readFileSync(join(a.dir, a.files[1]), "utf8");
      assert.ok(!code.includes("sourceMappingURL"), `${key} points at a source map`);
      assert.ok(!code.includes("@pulumi/"), `${key} mentions @pulumi`);
      assert.ok(code.includes('require("@aws-sdk/'), `${key} does not load the runtime's AWS SDK`);
    }
    assert.deepEqual(
      archives.aggregateResults.packages.filter((p) => !BUNDLED_SDK_PACKAGES.includes(p)),
      ["zod"],
      "aggregate-results needs no npm package besides the SDK and zod (its input schema, functions/core/inputs.ts)",
    );
  });

  it("bundles the SDK's document client at the tested version into each handler that uses it", () => {
    for (const key of FUNCTION_KEYS) {
      const a = archives[key];
      // Every handler writes or reads the runs table through the document client (functions/adapters/run-store.ts).
      assert.ok(a.packages.includes("@aws-sdk/lib-dynamodb"), `${key} bundles ${a.packages.join(", ")}`);
      const code = readFileSync(join(a.dir, a.files[1]), "utf8");
      assert.ok(!code.includes('require("@aws-sdk/lib-dynamodb")'), `${key} loads lib-dynamodb from the runtime`);
      assert.ok(code.includes("DynamoDBDocumentClient"), `${key}: the document client is not in the bundle`);
      assert.ok(code.includes('require("@aws-sdk/client-dynamodb")'), `${key} bundles the DynamoDB client`);
    }
    // The end-to-end run below loads the archives against a runtime without it: the bundled copy is the one used.
    assert.ok(!existsSync(join(nodePath, "@aws-sdk", "lib-dynamodb")), "the runtime stand-in holds lib-dynamodb");
  });

  it("leaves out every iconv-lite code-page table but Shift_JIS", () => {
    for (const key of ["splitCsv", "processChunk"] as const) {
      const { trimmed } = archives[key];
      assert.ok(trimmed.includes("iconv-lite/encodings/tables/cp936.json"), `${key}: ${trimmed.join(", ")}`);
      assert.ok(trimmed.includes("iconv-lite/encodings/tables/eucjp.json"), `${key}: ${trimmed.join(", ")}`);
      assert.ok(!trimmed.some((f) => f.endsWith("shiftjis.json")), `${key} trimmed the Shift_JIS table`);
    }
  });

  it("finds a duplicate across chunks with the bundled handlers, each under its own role", async function () {
    this.timeout(120_000);
    const columns = TEST_ROW_SCHEMA.columns.map((c) => (c.name === "order_id" ? { ...c, unique: true } : c));
    const key = "incoming/unique.csv";
    const csv = [
      "order_id,email,amount",
      "ORD-000001,a@example.com,1",
      "ORD-000002,b@example.com,2",
      "ORD-000001,c@example.com,3",
    ];
    const put = (k: string, body: string) =>
      svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: k, Body: body }));
    await put(SCHEMA_OBJECT_KEY, JSON.stringify({ ...TEST_ROW_SCHEMA, columns }));
    await put(key, csv.join("\n"));
    try {
      const exec = { executionName: "offline-unique-1", startTime: "2026-03-04T03:00:00.000Z" };
      const split = await invoke<SplitResult>(
        "splitCsv",
        { bucket: svc.bucket, key, ...exec },
        { [ENV.chunkRows]: "1" },
      );
      assert.deepEqual([split.chunkCount, split.uniquePartitions], [3, 1]);
      const chunkInput = (chunk: ChunkRef) => ({
        ...exec,
        bucket: svc.bucket,
        key,
        encoding: split.encoding,
        header: split.header,
        chunk,
        uniquePartitions: split.uniquePartitions,
      });
      for (const chunk of split.chunks) await invoke<ChunkResult>("processChunk", chunkInput(chunk));
      // One chunk id beyond the last stands for a chunk that failed before writing its key file: skipped, not denied.
      const found = await invoke<{ partition: number; duplicates: number; chunks: string }>("findDuplicates", {
        executionName: exec.executionName,
        bucket: svc.bucket,
        partition: 0,
        partitions: split.uniquePartitions,
        chunkCount: split.chunkCount + 1,
      });
      // The later occurrence is in chunk 3: the chunk set "4" (bit 2).
      assert.deepEqual(found, { partition: 0, duplicates: 1, chunks: "4" });
      const second: ChunkResult[] = [];
      for (const chunk of split.chunks)
        second.push(
          await invoke<ChunkResult>("processChunk", {
            ...chunkInput(chunk),
            duplicatePartitions: [0],
            duplicateChunks: [found.chunks],
          }),
        );
      assert.deepEqual(
        second.map((r) => [r.chunkId, r.valid, r.invalid, r.byType]),
        [
          [1, 1, 0, {}],
          [2, 1, 0, {}],
          [3, 0, 1, { DuplicateError: 1 }],
        ],
      );
    } finally {
      await put(SCHEMA_OBJECT_KEY, JSON.stringify(TEST_ROW_SCHEMA));
    }
  });

  it("runs the four deployed handlers end to end against local DynamoDB, S3, SNS/SES/CloudWatch/SSM and Slack", async function () {
    this.timeout(120_000);
    const schema = TEST_ROW_SCHEMA;
    const csv = [
      "order_id,email,amount",
      "ORD-000001,a@example.com,10",
      "BAD-1,b@example.com,20",
      "ORD-000003,not-an-email,-5",
      "ORD-000004,d@example.com,40",
    ].join("\n");
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: SCHEMA_OBJECT_KEY, Body: JSON.stringify(schema) }),
    );
    await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: "incoming/orders.csv", Body: csv }));
    const exec = { executionName: "offline-run-1", startTime: "2026-03-04T03:00:00.000Z" };

    const split = await invoke<SplitResult>("splitCsv", { bucket: svc.bucket, key: "incoming/orders.csv", ...exec });
    assert.equal(split.status, "OK");
    assert.ok(split.chunkCount >= 1);

    const results: ChunkResult[] = [];
    for (const chunk of split.chunks as ChunkRef[]) {
      results.push(
        await invoke<ChunkResult>("processChunk", {
          ...exec,
          bucket: svc.bucket,
          key: "incoming/orders.csv",
          encoding: split.encoding,
          header: split.header,
          chunk,
        }),
      );
    }
    assert.equal(
      results.reduce((n, r) => n + r.rows, 0),
      4,
    );
    assert.equal(
      results.reduce((n, r) => n + r.invalid, 0),
      2,
    );

    const agg = await invoke<AggregateOutput>("aggregateResults", {
      ...exec,
      bucket: svc.bucket,
      key: "incoming/orders.csv",
      header: split.header,
      splitStatus: split.status,
      chunkCount: split.chunkCount,
      chunkResults: results,
    });
    assert.equal(agg.rows, 4);
    assert.equal(agg.invalid, 2);
    assert.equal(agg.resultKey, OUTCOME_KEYS.manifest(OUTPUTS, exec.executionName));

    // The row outcomes, written under each function's own grants (the local S3 enforced them).
    const eol = CSV_OUTPUT_EOL;
    assert.deepEqual(
      await objectBytes(OUTCOME_KEYS.rejectedRows(OUTPUTS, exec.executionName)),
      Buffer.from(
        `${UTF8_BOM}order_id,email,amount${eol}BAD-1,b@example.com,20${eol}ORD-000003,not-an-email,-5${eol}`,
        "utf8",
      ),
    );
    const errorsCsv = (await objectBytes(OUTCOME_KEYS.rejectedErrors(OUTPUTS, exec.executionName))).toString("utf8");
    const errorLines = errorsCsv.split(eol);
    assert.equal(errorLines[0], `${UTF8_BOM}${ERRORS_CSV_COLUMNS.join(",")}`);
    assert.equal(errorLines.at(-1), "", "errors.csv ends with a line break");
    assert.deepEqual(
      errorLines.slice(1, -1).map((l) => l.split(",").slice(0, 5).join(",")),
      ["2,3,order_id,ValidationError,HIGH", "3,4,email,ValidationError,MEDIUM", "3,4,amount,ValidationError,MEDIUM"],
    );
    assert.ok(!errorsCsv.includes("not-an-email"), "errors.csv shows a sensitive value unmasked");
    const processed: string[] = [];
    for (const chunk of split.chunks as ChunkRef[]) {
      const part = (await objectBytes(OUTCOME_KEYS.processedPart(OUTPUTS, exec.executionName, chunk.id))).toString();
      assert.ok(part.startsWith(`${UTF8_BOM}order_id,email,amount${eol}`), part);
      processed.push(part.slice(`${UTF8_BOM}order_id,email,amount${eol}`.length));
    }
    assert.equal(processed.join(""), `ORD-000001,a@example.com,10${eol}ORD-000004,d@example.com,40${eol}`);
    const manifest = JSON.parse(
      (await objectBytes(OUTCOME_KEYS.manifest(OUTPUTS, exec.executionName))).toString("utf8"),
    ) as RunManifest;
    assert.equal(manifest.status, "COMPLETE");
    assert.deepEqual(manifest.rows, { total: 4, valid: 2, invalid: 2 });
    assert.deepEqual(manifest.rejected, {
      folder: OUTCOME_KEYS.rejectedFolder(OUTPUTS, exec.executionName),
      rows: OUTCOME_KEYS.rejectedRows(OUTPUTS, exec.executionName),
      errors: OUTCOME_KEYS.rejectedErrors(OUTPUTS, exec.executionName),
      rowCount: 2,
      errorCount: 3,
    });

    const check = await invoke<{
      hasErrors: boolean;
      errorCount: number;
      notifications: { channel: string; status: string }[];
      report?: { key: string; status: string; reason?: string };
    }>(
      "checkErrors",
      {
        ...exec,
        bucket: svc.bucket,
        key: "incoming/orders.csv",
        chunkCount: split.chunkCount,
        splitStatus: split.status,
        failure: null,
      },
      { [NOTIFY_NOW_ENV]: "2026-03-04T03:00:00.000Z" },
    );
    assert.equal(check.hasErrors, true);
    assert.ok(check.errorCount >= 2);
    assert.ok(slack.deliveries.length >= 1, "Slack received nothing");
    assert.ok(
      JSON.stringify(slack.deliveries).includes(`prefix=${OUTCOME_KEYS.rejectedFolder(OUTPUTS, exec.executionName)}`),
      "the notice does not link the run's rejected folder",
    );
    assert.ok(check.notifications.some((n) => n.channel === "slack" && n.status === "sent"));
    // The run's report, written under the deployed role's one grant for it, and linked from the notice.
    assert.deepEqual(check.report, { key: OUTCOME_KEYS.report(OUTPUTS, exec.executionName), status: "written" });
    assert.ok(JSON.stringify(slack.deliveries).includes(`prefix=${OUTCOME_KEYS.report(OUTPUTS, exec.executionName)}`));
    assert.ok(aws.calls.some((c) => c.service === "cloudwatch" && c.action === "PutMetricData"));

    // The schedule's event (deferred quiet-hours digests) runs through the same deployed code and role.
    const flush = await invoke<{ digest: string }>("checkErrors", DIGEST_FLUSH_EVENT, {
      [NOTIFY_NOW_ENV]: "2026-03-04T03:15:00.000Z",
    });
    assert.equal(flush.digest, DIGEST_FLUSH_EVENT.digest);
    for (const key of FUNCTION_KEYS) assert.ok((calls[key] ?? []).length > 0, `${key} made no SDK call`);
  });

  it("decodes a Shift_JIS file, CP932 extensions included, with the trimmed bundles", async function () {
    this.timeout(60_000);
    const iconv = (await import("iconv-lite")).default;
    const schema = {
      encoding: "auto",
      header: "required",
      columns: [
        { name: "注文番号", type: "string", required: true, pattern: "^ORD-[0-9]{6}$" },
        { name: "髙橋①", type: "string", required: true },
      ],
    };
    const csv = ["注文番号,髙橋①", "ORD-000001,ｶﾅ㈱", "BAD-2,鷗外"].join("\n");
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: SCHEMA_OBJECT_KEY, Body: JSON.stringify(schema) }),
    );
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: "incoming/sjis.csv", Body: iconv.encode(csv, "cp932") }),
    );
    const exec = { executionName: "offline-sjis-1", startTime: "2026-03-04T03:00:00.000Z" };

    const split = await invoke<SplitResult>("splitCsv", { bucket: svc.bucket, key: "incoming/sjis.csv", ...exec });
    assert.equal(split.encoding, "shift_jis");
    assert.deepEqual(split.header, ["注文番号", "髙橋①"]);
    let invalid = 0;
    for (const chunk of split.chunks as ChunkRef[]) {
      const r = await invoke<ChunkResult>("processChunk", {
        ...exec,
        bucket: svc.bucket,
        key: "incoming/sjis.csv",
        encoding: split.encoding,
        header: split.header,
        chunk,
      });
      invalid += r.invalid;
    }
    assert.equal(invalid, 1);
  });

  it("writes every log field the metric filter and the saved query read, in the deployed check's run line", () => {
    const runLines = (logLines.checkErrors ?? []).filter((l) => l.message === "check finished");
    assert.equal(runLines.length, 1, "the check wrote no 'check finished' line (run the end-to-end test first)");
    const line = runLines[0];
    const queried = CHECK_RUNS_QUERY.split("\n")[0]
      .replace(/^fields /, "")
      .split(",")
      .map((f) => f.trim())
      .filter((f) => !f.startsWith("@"));
    const filtered = [...CRITICAL_FILTER_PATTERN.matchAll(/\$\.(\w+)/g)].map((m) => m[1]);
    assert.ok(queried.length >= 5 && filtered.length === 1);
    for (const field of [...queried, ...filtered])
      assert.ok(field in line, `the check's log line has no "${field}" (fields: ${Object.keys(line).join(", ")})`);
    assert.equal(line.executionName, "offline-run-1");
    assert.equal(typeof line.errorCount, "number");
  });

  it("alarms watch the exact metrics (namespace, name, dimensions) the deployed check emitted", () => {
    const emitted = aws.calls
      .filter((c) => c.service === "cloudwatch" && c.action === "PutMetricData")
      .flatMap((c) => {
        const ns = String(c.params.Namespace);
        const data = c.params.MetricData as { MetricName: string; Dimensions?: { Name: string; Value: string }[] }[];
        return data.map((d) => ({
          ns,
          name: d.MetricName,
          dims: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
        }));
      });
    assert.ok(emitted.length > 0, "the check emitted no metrics");
    const custom = resources.filter(
      (r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.namespace === emitted[0].ns,
    );
    assert.ok(custom.length >= 2);
    for (const alarm of custom) {
      const match = emitted.find(
        (e) => e.name === alarm.inputs.metricName && JSON.stringify(e.dims) === JSON.stringify(alarm.inputs.dimensions),
      );
      assert.ok(
        match,
        `alarm ${alarm.inputs.name} watches ${alarm.inputs.metricName} ${JSON.stringify(alarm.inputs.dimensions)}, which the check never emitted`,
      );
    }
  });

  it("finds an upload whose event key is URL-encoded: split-csv may list the input prefix, so S3 answers 404", async function () {
    this.timeout(60_000);
    const key = "incoming/注文 データ.csv";
    const eventKey = key.split("/").map(encodeURIComponent).join("/").replace(/%20/g, "+");
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: SCHEMA_OBJECT_KEY, Body: JSON.stringify(TEST_ROW_SCHEMA) }),
    );
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: "order_id,email,amount\nORD-000001,a@example.com,1" }),
    );
    const exec = { executionName: "offline-encoded-1", startTime: "2026-03-04T03:00:00.000Z" };

    const split = await invoke<SplitResult>("splitCsv", { bucket: svc.bucket, key: eventKey, ...exec });

    assert.equal(split.status, "OK");
    assert.equal(split.key, key);
    const listing = svc.s3Access.find((r) => r.action === "s3:ListBucket" && r.context["s3:prefix"] === eventKey);
    assert.deepEqual(listing?.allowedBy, ["ListInputPrefix"], "S3 answered the encoded key without a listing grant");
  });

  it("processes an upload again once the execution holding its claim failed, and only then", async function () {
    this.timeout(60_000);
    const key = "incoming/claimed.csv";
    const body = "order_id,email,amount\nORD-000001,a@example.com,1";
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: SCHEMA_OBJECT_KEY, Body: JSON.stringify(TEST_ROW_SCHEMA) }),
    );
    const put = await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: body }));
    const object = { key, size: Buffer.byteLength(body), etag: (put.ETag ?? "").replace(/"/g, ""), sequencer: "0A1" };
    const delivery = (executionName: string) => ({
      bucket: svc.bucket,
      key,
      executionName,
      startTime: "2026-03-04T03:00:00.000Z",
      upload: { bucket: svc.bucket, key, object },
    });
    // The deployed state machine, as the split's STATE_MACHINE_ARN names it.
    const machine = deployedEnv("splitCsv")[ENV.stateMachineArn];
    const started = (name: string) => localExecutions.started(name, machine, {}, "2026-03-04T03:00:00.000Z");

    started("offline-claim-1");
    assert.equal((await invoke<SplitResult>("splitCsv", delivery("offline-claim-1"))).status, "OK");
    localExecutions.ended("offline-claim-1", "FAILED");
    started("offline-claim-2");
    const rerun = await invoke<SplitResult>("splitCsv", delivery("offline-claim-2"));
    started("offline-claim-3");
    const duplicate = await invoke<SplitResult>("splitCsv", delivery("offline-claim-3"));

    assert.equal(rerun.status, "OK", "the failed run's claim is taken over");
    assert.equal(duplicate.status, "DUPLICATE", "a running holder keeps it");
    const described = aws.calls.filter((c) => c.service === "states" && c.action === "DescribeExecution");
    assert.deepEqual(
      described.map((c) => [String(c.params.executionArn).split(":").pop(), c.status]),
      [
        ["offline-claim-1", 200],
        ["offline-claim-2", 200],
      ],
    );
  });

  it("reads an upload by the version id its event names, through ReadInputVersions (s3:GetObjectVersion)", async function () {
    this.timeout(60_000);
    const key = "incoming/versioned.csv";
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: SCHEMA_OBJECT_KEY, Body: JSON.stringify(TEST_ROW_SCHEMA) }),
    );
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: "order_id,email,amount\nORD-000001,a@example.com,1" }),
    );
    const exec = { executionName: "offline-versioned-1", startTime: "2026-03-04T03:00:00.000Z" };
    // The local S3 keeps no versions: an object is its "null" version, as an object written before versioning was on.
    const upload = { object: { "version-id": "null" } };
    const versioned = () =>
      svc.s3Access.filter((r) => r.action === "s3:GetObjectVersion" && r.resource.endsWith(`/${key}`));

    const split = await invoke<SplitResult>("splitCsv", { bucket: svc.bucket, key, upload, ...exec });
    const chunk = await invoke<ChunkResult>("processChunk", {
      ...exec,
      bucket: svc.bucket,
      key,
      encoding: split.encoding,
      header: split.header,
      chunk: split.chunks[0],
      etag: split.etag,
      versionId: "null",
    });

    assert.equal(split.status, "OK");
    assert.equal(chunk.rows, 1);
    assert.deepEqual(
      versioned().map((r) => [r.role, r.allowedBy, r.status]),
      [
        // split-csv: the HeadObject that finds the event's key, then the read.
        ["splitCsv", ["ReadInputVersions"], 200],
        ["splitCsv", ["ReadInputVersions"], 200],
        ["processChunk", ["ReadInputVersions"], 206],
      ],
    );
  });

  it("pages on-call through the alert topic for a CRITICAL file and for a failed run", async function () {
    this.timeout(60_000);
    const published = () =>
      aws.calls.filter((c) => c.service === "sns" && c.action === "Publish" && c.accessKeyId === ROLE_KEYS.checkErrors);
    const before = published().length;
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: SCHEMA_OBJECT_KEY, Body: JSON.stringify(TEST_ROW_SCHEMA) }),
    );
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: "incoming/no-email.csv", Body: "order_id,amount\nORD-000001,1" }),
    );
    const critical = { executionName: "offline-critical-1", startTime: "2026-03-04T03:00:00.000Z" };
    const now = { [NOTIFY_NOW_ENV]: "2026-03-04T03:30:00.000Z" };
    type Check = { runFailed: boolean; criticalCount: number; notifications: { channel: string; status: string }[] };

    const split = await invoke<SplitResult>("splitCsv", {
      bucket: svc.bucket,
      key: "incoming/no-email.csv",
      ...critical,
    });
    const criticalCheck = await invoke<Check>(
      "checkErrors",
      { ...critical, bucket: svc.bucket, key: split.key, chunkCount: 0, splitStatus: split.status, failure: null },
      now,
    );
    const failedCheck = await invoke<Check>(
      "checkErrors",
      {
        executionName: "offline-failed-1",
        startTime: "2026-03-04T03:00:00.000Z",
        bucket: svc.bucket,
        key: "incoming/orders.csv",
        chunkCount: 0,
        splitStatus: "NOT_RUN",
        failure: { Error: "States.TaskFailed", Cause: "split-csv timed out" },
      },
      now,
    );

    assert.equal(split.status, "REJECTED");
    assert.ok(criticalCheck.criticalCount >= 1);
    // A rejected file still gets its outcomes: no rows, the file's error, and the manifest.
    const composed = await invoke<AggregateOutput>("aggregateResults", {
      ...critical,
      bucket: svc.bucket,
      key: split.key,
      header: split.header,
      splitStatus: split.status,
      chunkCount: 0,
      chunkResults: [],
    });
    assert.equal(composed.rows, 0);
    const rejectedManifest = JSON.parse(
      (await objectBytes(OUTCOME_KEYS.manifest(OUTPUTS, critical.executionName))).toString("utf8"),
    ) as RunManifest;
    assert.deepEqual(rejectedManifest.chunks, { expected: 0, completed: 0, missing: [] });
    assert.equal(rejectedManifest.rejected.rowCount, 0);
    const fileErrors = (await objectBytes(OUTCOME_KEYS.rejectedErrors(OUTPUTS, critical.executionName)))
      .toString("utf8")
      .split(CSV_OUTPUT_EOL)
      .slice(1, -1);
    assert.equal(fileErrors.length, rejectedManifest.rejected.errorCount);
    assert.ok(fileErrors.length >= 1 && fileErrors.every((l) => l.includes(",CRITICAL,")), fileErrors.join("\n"));
    assert.ok(criticalCheck.notifications.some((n) => n.channel === "sns" && n.status === "sent"));
    assert.equal(failedCheck.runFailed, true);
    assert.ok(failedCheck.notifications.some((n) => n.channel === "sns" && n.status === "sent"));
    assert.ok(published().length >= before + 2, "the check did not publish to the alert topic twice");
  });

  it("writes the check's DatasetError records and reads the feed's history under the deployed roles", async function () {
    this.timeout(60_000);
    const schema = {
      ...TEST_ROW_SCHEMA,
      dataset: { rowCount: { min: 10 }, history: { minRuns: 100, rowCount: { minRatio: 0.5 } } },
    };
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: SCHEMA_OBJECT_KEY, Body: JSON.stringify(schema) }),
    );
    await svc.s3.send(
      new PutObjectCommand({
        Bucket: svc.bucket,
        Key: "incoming/short.csv",
        Body: "order_id,email,amount\nORD-000001,a@example.com,10\n",
      }),
    );
    const exec = { executionName: "offline-dataset-1", startTime: "2026-03-04T03:00:00.000Z" };
    const batchWrites = () =>
      (calls.checkErrors ?? []).filter(
        (c) => c.command === "BatchWriteItemCommand" && (c.input.RequestItems as string[]).includes(svc.errorTable),
      ).length;
    const writesBefore = batchWrites();
    const split = await invoke<SplitResult>("splitCsv", { bucket: svc.bucket, key: "incoming/short.csv", ...exec });
    const results: ChunkResult[] = [];
    for (const chunk of split.chunks as ChunkRef[])
      results.push(
        await invoke<ChunkResult>("processChunk", {
          ...exec,
          bucket: svc.bucket,
          key: split.key,
          encoding: split.encoding,
          header: split.header,
          chunk,
        }),
      );
    await invoke<AggregateOutput>("aggregateResults", {
      ...exec,
      bucket: svc.bucket,
      key: split.key,
      header: split.header,
      splitStatus: split.status,
      chunkCount: split.chunkCount,
      chunkResults: results,
    });
    const check = await invoke<CheckOutput>(
      "checkErrors",
      { ...exec, bucket: svc.bucket, key: split.key, chunkCount: split.chunkCount, splitStatus: split.status },
      { [NOTIFY_NOW_ENV]: "2026-03-04T03:00:00.000Z" },
    );

    assert.deepEqual(check.byType, { DatasetError: 1 });
    assert.deepEqual(
      check.dataset?.findings.map((f) => f.rule),
      ["dataset:rowCount"],
    );
    // The feed's history was read (the proof's other runs are fewer than the 100 the rule asks for).
    assert.match(check.dataset?.notes.join("\n") ?? "", /^history: skipped: \d+ of 100 earlier runs$/);
    const errorLines = (await objectBytes(OUTCOME_KEYS.rejectedErrors(OUTPUTS, exec.executionName)))
      .toString("utf8")
      .split(CSV_OUTPUT_EOL);
    assert.match(errorLines[1], /^,,,DatasetError,HIGH,/);
    assert.equal(batchWrites() - writesBefore, 1, "the check wrote its DatasetError record with one BatchWriteItem");
  });

  it("allows every SDK call each handler made through that handler's own role", () => {
    for (const key of FUNCTION_KEYS) {
      const statements = roleStatements(key);
      assert.ok((calls[key] ?? []).length > 0, `${key}: no calls recorded (run the scenarios above first)`);
      for (const call of calls[key]) {
        for (const request of sdkRequests(key, call)) {
          assert.ok(
            allowingStatements(statements, request).length > 0,
            `${key}: ${request.action} on ${request.resource} is not allowed by its role`,
          );
        }
      }
    }
    const roleOfKey = new Map(FUNCTION_KEYS.map((key) => [ROLE_KEYS[key], key]));
    for (const call of aws.calls) {
      const key = roleOfKey.get(call.accessKeyId);
      assert.ok(key, `${call.service}:${call.action} was signed by ${call.accessKeyId}, the key of no function`);
      for (const request of recordedRequests(call))
        assert.ok(
          allowingStatements(roleStatements(key), request).length > 0,
          `${key}: ${request.action} on ${request.resource} reached ${call.service} but is not allowed by its role`,
        );
    }
    const denied = svc.s3Access.filter((r) => r.allowedBy.length === 0);
    assert.deepEqual(denied, [], "the local S3 denied a request of a role");
  });

  it("uses every statement of every role: each allows some call of the proof, but for the named exemptions", () => {
    const used = Object.fromEntries(FUNCTION_KEYS.map((key) => [key, new Set<string>()])) as Record<
      FunctionKey,
      Set<string>
    >;
    const roleOfKey = new Map(FUNCTION_KEYS.map((key) => [ROLE_KEYS[key], key]));
    // S3: what the local S3 allowed each role, the implicit listing check of a missing key included.
    for (const record of svc.s3Access) {
      const key = roleOfKey.get(record.accessKeyId);
      if (key) for (const sid of record.allowedBy) used[key].add(sid);
    }
    // SNS, SES, CloudWatch, SSM: what the endpoint received, by the key that signed it.
    for (const call of aws.calls) {
      const key = roleOfKey.get(call.accessKeyId);
      if (!key) continue;
      for (const request of recordedRequests(call))
        for (const sid of allowingStatements(roleStatements(key), request)) used[key].add(sid);
    }
    // DynamoDB: the calls each handler's process made.
    for (const key of FUNCTION_KEYS) {
      for (const call of (calls[key] ?? []).filter((c) => SERVICE_OF_CLIENT[c.client] === "dynamodb"))
        for (const request of sdkRequests(key, call))
          for (const sid of allowingStatements(roleStatements(key), request)) used[key].add(sid);
    }

    const unused = FUNCTION_KEYS.flatMap((key) =>
      roleStatements(key)
        .map((s) => s.Sid)
        .filter((sid) => !used[key].has(sid) && !(sid in NOT_EXERCISED_LOCALLY))
        .map((sid) => `${key}: ${sid}`),
    );
    assert.deepEqual(unused, [], `statements no call of the proof used: ${unused.join(", ")}`);
    const granted = new Set(FUNCTION_KEYS.flatMap((key) => roleStatements(key).map((s) => s.Sid)));
    const stale = Object.keys(NOT_EXERCISED_LOCALLY).filter((sid) => !granted.has(sid));
    assert.deepEqual(stale, [], "exemptions for statements no role has");
  });
});
