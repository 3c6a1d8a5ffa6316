import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { clients } from "../../../functions/adapters/clients";
import { PREFIXES } from "../../../functions/contract";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey } from "../../../infra/functions";
import { DEFAULT_CSV, DEFAULT_SCHEMA, type RunArgs } from "../../../local/cli/args";
import { runLocal } from "../../../local/cli/run-local";
import {
  asFunction,
  FUNCTION_ACCESS_KEYS,
  type FunctionStatements,
  functionS3Roles,
  signAsInvokedFunction,
} from "../../../local/services/function-roles";
import { localFunctionStatements } from "../../../local/services/iam-local";
import type { S3AccessRecord } from "../../../local/services/s3-strict";
import { LOCAL_REGION, type LocalServices, startLocalServices } from "../../../local/services/services";
import { parseDocument, runCli, WEEKDAY_MORNING } from "../../support/cli-runner";

/** samples/orders.csv, as the samples' generator documents it. */
const ORDERS_ROWS = { total: 1000, valid: 891, invalid: 109 };
const ORDERS_ERRORS = 109;

const roleOfKey = new Map(
  (Object.entries(FUNCTION_ACCESS_KEYS) as [FunctionKey, string][]).map(([fn, key]) => [key, fn]),
);

function args(overrides: Partial<RunArgs> = {}): RunArgs {
  return {
    csvPath: DEFAULT_CSV,
    schemaPath: DEFAULT_SCHEMA,
    pattern: "sequential",
    now: WEEKDAY_MORNING,
    json: true,
    faults: {},
    injected: [],
    verbose: false,
    ...overrides,
  };
}

/** The functions that signed at least one S3 request, by the access key the local S3 saw. */
function signers(records: readonly S3AccessRecord[]): string[] {
  return [...new Set(records.map((r) => `${r.role}:${r.accessKeyId}`))].sort();
}

/**
 * What the sample run's functions read and write in S3, each under its own role: split-csv and process-chunk read
 * the input, process-chunk writes its parts (the processed part only when `processed` is on), and aggregate-results
 * — in both patterns — reads the rejected parts and writes rows.csv, errors.csv and the manifest, and the check writes
 * the run's report beside the manifest. (The schema is read once per process, so a later run in the same process may
 * not read it again.)
 */
function assertSampleAccess(
  records: readonly S3AccessRecord[],
  outputs: { processed: string | null; rejected: string; results: string } = {
    processed: PREFIXES.processed,
    rejected: PREFIXES.rejected,
    results: PREFIXES.results,
  },
): void {
  assert.deepEqual(signers(records), [
    "aggregateResults:AGGREGATERESULTSROLE",
    "checkErrors:CHECKERRORSANDNOTIFYROLE",
    "processChunk:PROCESSCHUNKROLE",
    "splitCsv:SPLITCSVROLE",
  ]);
  for (const r of records) assert.equal(roleOfKey.get(r.accessKeyId), r.role, `${r.accessKeyId} decided as ${r.role}`);
  const denied = records.filter((r) => r.allowedBy.length === 0 || r.status === 403);
  assert.deepEqual(denied, [], "the local S3 denied a function's request in a normal run");
  const bucket = "arn:aws:s3:::csv-pipeline-local/";
  const by = (role: FunctionKey, action: string) =>
    records
      .filter((r) => r.role === role && r.action === action)
      .map((r) => `${r.resource.replace(bucket, "")} ${r.allowedBy.join("+")}`)
      .sort();
  const input = "incoming/orders.csv ReadInputAndSchema";
  assert.ok(by("splitCsv", "s3:GetObject").includes(input));
  assert.ok(by("processChunk", "s3:GetObject").includes(input));
  // One chunk, number 1 (the sample is far below a chunk's size): its parts, under the run's prefixes.
  const exec = "local-[0-9T]+-[0-9a-f]{6}";
  const parts = (kind: "rows" | "errors") => `${outputs.rejected}${exec}/parts/${kind}-00001\\.csv`;
  const expected = (patterns: string[]) => patterns.map((p) => new RegExp(`^${p}$`));
  /** Each access matches one pattern, and each pattern one access. */
  const matchAll = (got: string[], patterns: RegExp[], what: string) => {
    assert.equal(got.length, patterns.length, `${what}: ${got.join(", ")}`);
    for (const re of patterns)
      assert.equal(got.filter((g) => re.test(g)).length, 1, `${what}: ${re} in ${got.join(", ")}`);
  };
  matchAll(
    by("processChunk", "s3:PutObject"),
    expected([
      `${parts("errors")} WriteRejectedParts`,
      ...(outputs.processed === null ? [] : [`${outputs.processed}${exec}/part-00001\\.csv WriteProcessedParts`]),
      `${parts("rows")} WriteRejectedParts`,
    ]),
    "process-chunk's writes",
  );
  matchAll(
    by("aggregateResults", "s3:GetObject"),
    expected([`${parts("errors")} ReadRejectedParts`, `${parts("rows")} ReadRejectedParts`]),
    "aggregate-results' reads",
  );
  matchAll(
    by("aggregateResults", "s3:PutObject"),
    expected([
      `${outputs.rejected}${exec}/errors\\.csv WriteRejectedFiles`,
      `${outputs.rejected}${exec}/rows\\.csv WriteRejectedFiles`,
      `${outputs.results}${exec}\\.json WriteResults`,
    ]),
    "aggregate-results' writes",
  );
  matchAll(
    records
      .filter((r) => r.role === "checkErrors")
      .map((r) => `${r.action} ${r.resource.replace(bucket, "")} ${r.allowedBy.join("+")}`),
    expected([`s3:PutObject ${outputs.results}${exec}.html WriteRunReport`]),
    "the check's S3 calls",
  );
}

describe("function roles in a local run", () => {
  it("names each function's key as the offline deploy proof does", () => {
    for (const key of FUNCTION_KEYS) {
      assert.equal(FUNCTION_ACCESS_KEYS[key], `${FUNCTION_SPECS[key].name.replace(/-/g, "").toUpperCase()}ROLE`);
    }
  });

  describe("handlers of several functions at once in one process", () => {
    let svc: LocalServices;
    const saved = { ...process.env };
    let restore: (() => void) | undefined;

    before(async () => {
      svc = await startLocalServices({
        s3Roles: functionS3Roles(
          localFunctionStatements(
            { bucket: "csv-pipeline-local", errorTable: "errors", runsTable: "runs", region: LOCAL_REGION },
            { inputPrefix: PREFIXES.input },
          ),
        ),
      });
      Object.assign(process.env, svc.env);
      clients.reset();
      await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: "incoming/a.csv", Body: "a\n1\n" }));
    });

    after(async () => {
      restore?.();
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
      clients.reset();
      await svc?.stop();
    });

    beforeEach(() => {
      svc.s3Access.length = 0;
    });

    it("signs each call with the key of the function whose invocation makes it, interleaved", async () => {
      restore = signAsInvokedFunction();
      const read = async (key: string) => {
        // Yield between the calls so that the functions' requests interleave.
        await new Promise((r) => setImmediate(r));
        const got = await clients.s3().send(new GetObjectCommand({ Bucket: svc.bucket, Key: key }));
        return got.Body?.transformToString();
      };
      const split = asFunction("splitCsv", () => read("incoming/a.csv"));
      const aggregate = asFunction("aggregateResults", async (i: number) => {
        await clients
          .s3()
          .send(new PutObjectCommand({ Bucket: svc.bucket, Key: `${PREFIXES.results}r${i}.json`, Body: "{}" }));
        return read("incoming/a.csv").then(
          () => "read",
          (err: Error) => err.name,
        );
      });

      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? split() : aggregate(i))));

      for (const [i, out] of outcomes.entries()) assert.equal(out, i % 2 === 0 ? "a\n1\n" : "AccessDenied");
      assert.deepEqual(signers(svc.s3Access), ["aggregateResults:AGGREGATERESULTSROLE", "splitCsv:SPLITCSVROLE"]);
      const splitReads = svc.s3Access.filter((r) => r.role === "splitCsv");
      assert.equal(splitReads.length, 4);
      assert.ok(splitReads.every((r) => r.status === 200));
      const aggregateReads = svc.s3Access.filter((r) => r.role === "aggregateResults" && r.action === "s3:GetObject");
      assert.equal(aggregateReads.length, 4);
      assert.ok(aggregateReads.every((r) => r.status === 403));
      const aggregateWrites = svc.s3Access.filter((r) => r.role === "aggregateResults" && r.action === "s3:PutObject");
      assert.deepEqual(
        aggregateWrites.map((r) => r.status),
        [200, 200, 200, 200],
      );

      // Outside every invocation the clients sign with the environment's key: no role, full access.
      svc.s3Access.length = 0;
      assert.equal(await read("incoming/a.csv"), "a\n1\n");
      assert.deepEqual(svc.s3Access, []);
    });
  });

  describe("runLocal", function () {
    this.timeout(120_000);

    it("signs each function's S3 calls with its key and the services enforce its role (sequential)", async () => {
      const access: S3AccessRecord[] = [];
      const report = await runLocal(args(), { onS3Access: (r) => access.push(r) });

      assert.equal(report.document.status, "SUCCEEDED", JSON.stringify(report.failure));
      assert.deepEqual(report.document.rows, ORDERS_ROWS);
      assert.equal(report.document.errors.total, ORDERS_ERRORS);
      assertSampleAccess(access);
    });

    it("keeps each function's key while AggregateResults runs beside the check (parallel)", async () => {
      const access: S3AccessRecord[] = [];
      const report = await runLocal(args({ pattern: "parallel" }), { onS3Access: (r) => access.push(r) });

      assert.equal(report.document.status, "SUCCEEDED", JSON.stringify(report.failure));
      assert.deepEqual(report.document.rows, ORDERS_ROWS);
      assertSampleAccess(access);
    });

    it("writes under the prefixes of --config outputs with the same grants, no processed part when it is off", async () => {
      const dir = mkdtempSync(join(tmpdir(), "csv-roles-outputs-"));
      try {
        const config = join(dir, "outputs.yaml");
        writeFileSync(
          config,
          "outputs: { processed: false, bom: false, rejectedPrefix: quality/rejected/, resultsPrefix: quality/results/ }\n",
        );
        const access: S3AccessRecord[] = [];

        const report = await runLocal(args({ configPath: config, outDir: join(dir, "out") }), {
          onS3Access: (r) => access.push(r),
        });

        assert.equal(report.document.status, "SUCCEEDED", JSON.stringify(report.failure));
        assert.deepEqual(report.document.rows, ORDERS_ROWS);
        assertSampleAccess(access, { processed: null, rejected: "quality/rejected/", results: "quality/results/" });
        // OUTPUT_BOM=false reached the functions: the composed rows.csv begins with the header itself.
        const rows = readFileSync(join(dir, "out", "rejected", "rows.csv"));
        assert.equal(rows.subarray(0, 8).toString("utf8"), "order_id");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("fails the run with AccessDenied when split-csv's role may not read the input prefix", async () => {
      const access: S3AccessRecord[] = [];
      const withoutInputRead = (built: FunctionStatements): FunctionStatements => ({
        ...built,
        splitCsv: built.splitCsv.map((s) =>
          s.Sid === "ReadInputAndSchema"
            ? { ...s, Resource: ([] as string[]).concat(s.Resource).filter((r) => !r.endsWith(`/${PREFIXES.input}*`)) }
            : s,
        ),
      });

      const report = await runLocal(
        args(),
        { onS3Access: (r) => access.push(r) },
        { functionStatements: withoutInputRead },
      );

      assert.equal(report.document.status, "FAILED");
      const denied = access.filter((r) => r.status === 403);
      assert.ok(denied.length > 0, "the local S3 denied nothing");
      for (const r of denied) {
        assert.equal(r.role, "splitCsv");
        assert.equal(r.accessKeyId, "SPLITCSVROLE");
        assert.equal(r.action, "s3:GetObject");
        assert.equal(r.resource, "arn:aws:s3:::csv-pipeline-local/incoming/orders.csv");
        assert.deepEqual(r.allowedBy, []);
      }
      const split = report.document.stateResults.find((s) => s.name === "SplitCsv");
      assert.deepEqual(split && { status: split.status, error: split.error }, {
        status: "caught",
        error: "AccessDenied",
      });
      assert.equal(report.document.rows.total, 0);
      const alert = report.document.notifications.find((n) => n.channel === "sns");
      assert.match(alert?.body ?? "", /SplitCsv.*AccessDenied: Access Denied/);
    });
  });

  describe("npm start -- --json", function () {
    this.timeout(120_000);
    let work: string;

    before(() => {
      work = mkdtempSync(join(tmpdir(), "csv-roles-cli-"));
    });

    after(() => {
      rmSync(work, { recursive: true, force: true });
    });

    it("succeeds with the sample's exact counts while the services enforce each function's role", async () => {
      const log = join(work, "s3-access.ndjson");
      const preload = join(work, "record-s3-access.js");
      writeFileSync(log, "");
      // Records the services process's access decisions as the CLI's process receives them.
      writeFileSync(
        preload,
        `const fs = require("node:fs");
const cp = require("node:child_process");
const fork = cp.fork;
cp.fork = function (...a) {
  const child = fork.apply(this, a);
  child.on("message", (m) => {
    if (m && m.type === "s3-access") fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(m.record) + "\\n");
  });
  return child;
};
`,
      );
      const result = await runCli(["--json", "--now", WEEKDAY_MORNING], {
        env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${preload}`.trim() },
      });
      rmSync(result.tmp, { recursive: true, force: true });
      const doc = parseDocument(result);

      assert.equal(result.code, 0, result.stderr);
      assert.equal(doc.status, "SUCCEEDED");
      assert.deepEqual(doc.rows, ORDERS_ROWS);
      assert.equal(doc.errors.total, ORDERS_ERRORS);
      const records = readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as S3AccessRecord);
      assertSampleAccess(records);
    });
  });
});
