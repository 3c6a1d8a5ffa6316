import assert from "node:assert/strict";
import { roleStatements } from "../../blueprint/role-statements";
import { DEFAULT_OUTCOME_SETTINGS, ENV, OUTCOME_KEYS, type OutcomeSettings } from "../../functions/contract";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey } from "../../infra/functions";
import { INCOMPLETE_UPLOAD_DAYS, lifecycleRules, RESULT_EXPIRY_DAYS } from "../../infra/pipeline";
import { allowingStatements, type LocalStatement } from "../../local/services/iam-local";
import { parseOutputs } from "../../ops/outputs";
import { runProgram, runProgramWith } from "../support/infra-program";
import { type MockResource, PROJECT, TEST_CONFIG } from "../support/pulumi-mocks";

interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[];
  Condition?: LocalStatement["Condition"];
}

/** The row-outcome variables: every other variable of a function is some other feature's. */
const OUTCOME_VARIABLES = [
  ENV.processedPrefix,
  ENV.rejectedPrefix,
  ENV.resultsPrefix,
  ENV.outputProcessed,
  ENV.outputBom,
  ENV.outputLocale,
];

/** What the program deployed for one function: its outcome variables and its role's statements. */
interface Deployed {
  env: Record<string, string>;
  statements: Statement[];
}

/** The deployed functions of a program run under mocks, by key, and the bucket's ARN and lifecycle rules. */
function deployedOf(resources: Pick<MockResource, "type" | "name" | "inputs" | "state">[]): {
  functions: Record<FunctionKey, Deployed>;
  bucketArn: string;
  runsTableArn: string;
  lifecycle: unknown;
} {
  const functions = {} as Record<FunctionKey, Deployed>;
  for (const key of FUNCTION_KEYS) {
    const name = FUNCTION_SPECS[key].name;
    const fn = resources.find((r) => r.type === "aws:lambda/function:Function" && r.name.endsWith(`-${name}`))!;
    const policy = resources.find(
      (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes(`-${name}-role`),
    )!;
    const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    functions[key] = {
      env: Object.fromEntries(Object.entries(variables).filter(([k]) => OUTCOME_VARIABLES.includes(k as never))),
      statements: (JSON.parse(String(policy.inputs.policy)) as { Statement: Statement[] }).Statement,
    };
  }
  const bucket = resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
  const runs = resources.find((r) => r.type === "aws:dynamodb/table:Table" && String(r.inputs.name).endsWith("-runs"))!;
  const lifecycle = resources.find(
    (r) => r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  )!;
  return {
    functions,
    bucketArn: String(bucket.state.arn),
    runsTableArn: String(runs.state.arn),
    lifecycle: lifecycle.inputs.rules,
  };
}

/** The statements of a role that name S3 objects or the runs table: the grants the row outcomes add or use. */
function outcomeGrants(statements: Statement[], bucketArn: string, runsTableArn: string): Statement[] {
  return statements
    .filter((s) => s.Resource.some((r) => r.startsWith(`${bucketArn}/`) || r === runsTableArn))
    .map(({ Sid, Action, Resource }) => ({ Sid, Action, Resource }));
}

describe("row outcomes in the Pulumi program (under mocks)", () => {
  describe("with the default outputs", () => {
    let deployed: ReturnType<typeof deployedOf>;

    before(async function () {
      this.timeout(120_000);
      deployed = deployedOf((await runProgram()).resources);
    });

    it("gives each function exactly the outcome variables it reads, with the stack's values", () => {
      const env = Object.fromEntries(FUNCTION_KEYS.map((k) => [k, deployed.functions[k].env]));
      assert.deepEqual(env, {
        splitCsv: {},
        processChunk: {
          PROCESSED_PREFIX: "processed/",
          REJECTED_PREFIX: "rejected/",
          OUTPUT_PROCESSED: "true",
          OUTPUT_BOM: "true",
          // The notices' language (notifyPolicy.locale, "ja" by default): errors.csv speaks it too.
          OUTPUT_LOCALE: "ja",
        },
        aggregateResults: {
          PROCESSED_PREFIX: "processed/",
          REJECTED_PREFIX: "rejected/",
          RESULTS_PREFIX: "results/",
          OUTPUT_PROCESSED: "true",
          OUTPUT_BOM: "true",
          // The language of a rejected file's line in errors.csv.
          OUTPUT_LOCALE: "ja",
        },
        findDuplicates: {},
        checkErrors: { REJECTED_PREFIX: "rejected/", RESULTS_PREFIX: "results/", OUTPUT_PROCESSED: "true" },
      });
    });

    it("grants process-chunk writes of its parts only, and aggregate-results the reads and writes of composing", () => {
      const b = deployed.bucketArn;
      const grants = (key: FunctionKey) =>
        outcomeGrants(deployed.functions[key].statements, b, deployed.runsTableArn).filter(
          // The uniqueness work's grants are asserted in unique-work.test.ts.
          (s) =>
            ![
              "ReadInputAndSchema",
              "ReadInputVersions",
              "WriteRunSummary",
              "WriteUniqueKeyFiles",
              "ReadDuplicateFiles",
              "ReadChunkSummary",
            ].includes(s.Sid),
        );
      assert.deepEqual(grants("processChunk"), [
        { Sid: "WriteProcessedParts", Action: ["s3:PutObject"], Resource: [`${b}/processed/*/part-*.csv`] },
        { Sid: "WriteRejectedParts", Action: ["s3:PutObject"], Resource: [`${b}/rejected/*/parts/*`] },
      ]);
      assert.deepEqual(grants("aggregateResults"), [
        { Sid: "ReadChunkSummaries", Action: ["dynamodb:Query"], Resource: [deployed.runsTableArn] },
        { Sid: "ReadRejectedParts", Action: ["s3:GetObject"], Resource: [`${b}/rejected/*/parts/*`] },
        {
          Sid: "WriteRejectedFiles",
          Action: ["s3:PutObject"],
          Resource: [`${b}/rejected/*/rows.csv`, `${b}/rejected/*/errors.csv`],
        },
        { Sid: "WriteResults", Action: ["s3:PutObject"], Resource: [`${b}/results/*`] },
      ]);
      assert.deepEqual(
        deployed.functions.aggregateResults.statements.map((s) => s.Sid),
        ["WriteOwnLogs", "ReadChunkSummaries", "ReadRejectedParts", "WriteRejectedFiles", "WriteResults"],
        "aggregate-results may do nothing else",
      );
      assert.ok(
        !deployed.functions.splitCsv.statements.some((s) => s.Action.includes("s3:PutObject")),
        "split-csv writes no object",
      );
      assert.deepEqual(
        outcomeGrants(deployed.functions.checkErrors.statements, b, deployed.runsTableArn).filter((s) =>
          s.Action.some((a) => a.startsWith("s3:")),
        ),
        [{ Sid: "WriteRunReport", Action: ["s3:PutObject"], Resource: [`${b}/results/*.html`] }],
        "the check writes its report and nothing else",
      );
    });

    it("lets the check write each run's report and no other object; no other function may write a report", () => {
      const s = DEFAULT_OUTCOME_SETTINGS;
      const exec = "orders-20260304-0b6f8a1e";
      const object = (key: string) => `${deployed.bucketArn}/${key}`;
      const may = (fn: FunctionKey, action: string, key: string) =>
        allowingStatements(deployed.functions[fn].statements, { action, resource: object(key) }).length > 0;

      assert.ok(may("checkErrors", "s3:PutObject", OUTCOME_KEYS.report(s, exec)));
      for (const key of [
        OUTCOME_KEYS.manifest(s, exec),
        OUTCOME_KEYS.rejectedRows(s, exec),
        OUTCOME_KEYS.rejectedErrors(s, exec),
        "incoming/report.html",
        "rejected/x/report.html",
      ])
        assert.ok(!may("checkErrors", "s3:PutObject", key), `the check may write ${key}`);
      for (const action of ["s3:GetObject", "s3:DeleteObject", "s3:PutObjectAcl"])
        assert.ok(!may("checkErrors", action, OUTCOME_KEYS.report(s, exec)), `the check may ${action} its report`);
      for (const key of ["splitCsv", "processChunk", "findDuplicates"] as const)
        assert.ok(!may(key, "s3:PutObject", OUTCOME_KEYS.report(s, exec)), `${key} may write a report`);
      assert.deepEqual(
        FUNCTION_KEYS.flatMap((k) =>
          deployed.functions[k].statements.filter((st) => st.Sid === "WriteRunReport").map(() => k),
        ),
        ["checkErrors"],
      );
    });

    it("grants no s3:AbortMultipartUpload: the lifecycle rule drops unfinished uploads instead", () => {
      for (const key of FUNCTION_KEYS)
        for (const s of deployed.functions[key].statements)
          assert.ok(!s.Action.includes("s3:AbortMultipartUpload"), `${key}/${s.Sid}`);
    });

    it("allows each function exactly the outcome keys of the contract, and none of another's", () => {
      const s = DEFAULT_OUTCOME_SETTINGS;
      const exec = "orders-20260304-0b6f8a1e";
      const object = (key: string) => `${deployed.bucketArn}/${key}`;
      const may = (fn: FunctionKey, action: string, key: string) =>
        allowingStatements(deployed.functions[fn].statements, { action, resource: object(key) }).length > 0;

      assert.ok(may("processChunk", "s3:PutObject", OUTCOME_KEYS.processedPart(s, exec, 7)));
      assert.ok(may("processChunk", "s3:PutObject", OUTCOME_KEYS.rowsPart(s, exec, 7)));
      assert.ok(may("processChunk", "s3:PutObject", OUTCOME_KEYS.errorsPart(s, exec, 7)));
      for (const key of [OUTCOME_KEYS.rejectedRows(s, exec), OUTCOME_KEYS.manifest(s, exec), "incoming/x.csv"])
        assert.ok(!may("processChunk", "s3:PutObject", key), `process-chunk may write ${key}`);
      assert.ok(!may("processChunk", "s3:GetObject", OUTCOME_KEYS.rowsPart(s, exec, 7)));

      assert.ok(may("aggregateResults", "s3:GetObject", OUTCOME_KEYS.rowsPart(s, exec, 7)));
      assert.ok(may("aggregateResults", "s3:GetObject", OUTCOME_KEYS.errorsPart(s, exec, 7)));
      assert.ok(may("aggregateResults", "s3:PutObject", OUTCOME_KEYS.rejectedRows(s, exec)));
      assert.ok(may("aggregateResults", "s3:PutObject", OUTCOME_KEYS.rejectedErrors(s, exec)));
      assert.ok(may("aggregateResults", "s3:PutObject", OUTCOME_KEYS.manifest(s, exec)));
      for (const key of [
        OUTCOME_KEYS.rowsPart(s, exec, 7),
        OUTCOME_KEYS.processedPart(s, exec, 7),
        `${OUTCOME_KEYS.rejectedFolder(s, exec)}notes.txt`,
        "incoming/rows.csv",
      ])
        assert.ok(!may("aggregateResults", "s3:PutObject", key), `aggregate-results may write ${key}`);
      for (const key of [OUTCOME_KEYS.rejectedRows(s, exec), OUTCOME_KEYS.processedPart(s, exec, 7), "incoming/x.csv"])
        assert.ok(!may("aggregateResults", "s3:GetObject", key), `aggregate-results may read ${key}`);
    });

    it("expires the manifest, processed parts and rejected files together, and drops unfinished uploads after a day", () => {
      assert.deepEqual(deployed.lifecycle, [
        { id: "expire-results", status: "Enabled", filter: { prefix: "results/" }, expiration: { days: 30 } },
        { id: "expire-processed", status: "Enabled", filter: { prefix: "processed/" }, expiration: { days: 30 } },
        { id: "expire-rejected", status: "Enabled", filter: { prefix: "rejected/" }, expiration: { days: 30 } },
        { id: "expire-work", status: "Enabled", filter: { prefix: "_work/" }, expiration: { days: 7 } },
        {
          id: "abort-incomplete-uploads",
          status: "Enabled",
          filter: { prefix: "" },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ]);
      assert.equal(RESULT_EXPIRY_DAYS, 30);
      assert.equal(INCOMPLETE_UPLOAD_DAYS, 1);
    });
  });

  describe("with outputs set in the stack", () => {
    const outputs: OutcomeSettings = {
      processed: false,
      bom: false,
      processedPrefix: "valid/",
      rejectedPrefix: "quality/rejected/",
      resultsPrefix: "quality/results/",
    };
    let deployed: ReturnType<typeof deployedOf>;
    /** The program's exports, resolved: what `pulumi stack output --json` prints. */
    let stackOutputs: Record<string, unknown>;

    before(async function () {
      this.timeout(240_000);
      const run = await runProgramWith(
        {
          ...TEST_CONFIG,
          [`${PROJECT}:outputs`]: JSON.stringify(outputs),
          [`${PROJECT}:notifyPolicy`]: JSON.stringify({ locale: "en" }),
        },
        [`${PROJECT}:slackWebhookUrl`],
      );
      deployed = deployedOf(run.resources);
      stackOutputs = run.outputs;
    });

    it("exports resultsPrefix, so ops finds the manifests and reports of a stack that moved them", () => {
      assert.equal(stackOutputs.resultsPrefix, "quality/results/");
      assert.equal(
        parseOutputs(JSON.stringify(stackOutputs), "pulumi stack output --json").resultsPrefix,
        "quality/results/",
      );
    });

    it("passes the stack's prefixes, flags and the notices' locale to the functions", () => {
      assert.deepEqual(deployed.functions.processChunk.env, {
        PROCESSED_PREFIX: "valid/",
        REJECTED_PREFIX: "quality/rejected/",
        OUTPUT_PROCESSED: "false",
        OUTPUT_BOM: "false",
        OUTPUT_LOCALE: "en",
      });
      assert.deepEqual(deployed.functions.aggregateResults.env, {
        PROCESSED_PREFIX: "valid/",
        REJECTED_PREFIX: "quality/rejected/",
        RESULTS_PREFIX: "quality/results/",
        OUTPUT_PROCESSED: "false",
        OUTPUT_BOM: "false",
        OUTPUT_LOCALE: "en",
      });
      assert.deepEqual(deployed.functions.checkErrors.env, {
        REJECTED_PREFIX: "quality/rejected/",
        RESULTS_PREFIX: "quality/results/",
        OUTPUT_PROCESSED: "false",
      });
    });

    it("grants on the stack's prefixes only, and no processed parts when they are off", () => {
      const b = deployed.bucketArn;
      const all = FUNCTION_KEYS.flatMap((k) => deployed.functions[k].statements);
      assert.equal(
        all.find((s) => s.Sid === "WriteProcessedParts"),
        undefined,
      );
      assert.deepEqual(
        outcomeGrants(deployed.functions.processChunk.statements, b, deployed.runsTableArn).find(
          (s) => s.Sid === "WriteRejectedParts",
        )?.Resource,
        [`${b}/quality/rejected/*/parts/*`],
      );
      const aggregate = Object.fromEntries(deployed.functions.aggregateResults.statements.map((s) => [s.Sid, s]));
      assert.deepEqual(aggregate.ReadRejectedParts.Resource, [`${b}/quality/rejected/*/parts/*`]);
      assert.deepEqual(aggregate.WriteRejectedFiles.Resource, [
        `${b}/quality/rejected/*/rows.csv`,
        `${b}/quality/rejected/*/errors.csv`,
      ]);
      assert.deepEqual(aggregate.WriteResults.Resource, [`${b}/quality/results/*`]);
      assert.deepEqual(deployed.functions.checkErrors.statements.find((s) => s.Sid === "WriteRunReport")?.Resource, [
        `${b}/quality/results/*.html`,
      ]);
      const text = JSON.stringify(all);
      for (const old of ["/processed/", "/rejected/*", "/results/*"])
        assert.ok(!text.includes(`${b}${old}`), `a grant still names ${old}`);
    });

    it("expires the stack's output prefixes", () => {
      assert.deepEqual(
        (deployed.lifecycle as { id: string; filter: { prefix: string } }[]).map((r) => [r.id, r.filter.prefix]),
        [
          ["expire-results", "quality/results/"],
          ["expire-processed", "valid/"],
          ["expire-rejected", "quality/rejected/"],
          ["expire-work", "_work/"],
          ["abort-incomplete-uploads", ""],
        ],
      );
    });
  });

  it("derives the grants and the lifecycle from the settings alone (the local runner evaluates the same)", () => {
    const off = { ...DEFAULT_OUTCOME_SETTINGS, processed: false };
    const refs = {
      bucketArn: "arn:aws:s3:::b",
      errorTableArn: "e",
      runsTableArn: "r",
      executionIndexArn: "i",
      alertTopicArn: "t",
      keyArn: "k",
      webhookParameterArns: ["w"],
      logGroupArns: {
        splitCsv: "l1",
        processChunk: "l2",
        aggregateResults: "l3",
        findDuplicates: "l5",
        checkErrors: "l4",
      },
      executionArns: "x",
      partition: "aws",
      region: "ap-northeast-1",
      account: "123456789012",
    };
    const join = (...parts: string[]) => parts.join("");
    const on = roleStatements<string>(refs, { inputPrefix: "incoming/" }, join);
    const without = roleStatements<string>(refs, { inputPrefix: "incoming/", outputs: off }, join);
    assert.deepEqual(
      on.processChunk.map((s) => s.Sid).filter((sid) => !without.processChunk.some((s) => s.Sid === sid)),
      ["WriteProcessedParts"],
    );
    assert.deepEqual(without.aggregateResults, on.aggregateResults);
    assert.deepEqual(
      lifecycleRules(off).map((r) => r.id),
      ["expire-results", "expire-processed", "expire-rejected", "expire-work", "abort-incomplete-uploads"],
      "parts written while processed parts were on still expire",
    );
  });
});
