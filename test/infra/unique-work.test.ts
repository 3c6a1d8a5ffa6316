import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_OUTCOME_SETTINGS, OUTCOME_KEYS, WORK_KEYS, WORK_PREFIX } from "../../functions/contract";
import { ConfigError, parseStackConfig, type RawConfig } from "../../infra/config";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey } from "../../infra/functions";
import { lifecycleRules, WORK_EXPIRY_DAYS } from "../../infra/pipeline";
import { allowingStatements, type LocalStatement } from "../../local/services/iam-local";
import { STATE_NAMES as N } from "../../workflow/pipeline";
import { type Json, matchesEventPattern } from "../support/event-pattern-matcher";
import { runProgram } from "../support/infra-program";
import type { MockResource } from "../support/pulumi-mocks";

interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[];
  Condition?: LocalStatement["Condition"];
}

const EXEC = "orders-20260304-0b6f8a1e";

describe("uniqueness work objects in the Pulumi program (under mocks)", () => {
  let resources: MockResource[];
  let bucketArn: string;
  let runsTableArn: string;
  const statementsOf = {} as Record<FunctionKey, Statement[]>;
  const fnOf = {} as Record<FunctionKey, MockResource>;

  before(async function () {
    this.timeout(120_000);
    resources = (await runProgram()).resources;
    for (const key of FUNCTION_KEYS) {
      const name = FUNCTION_SPECS[key].name;
      fnOf[key] = resources.find((r) => r.type === "aws:lambda/function:Function" && r.name.endsWith(`-${name}`))!;
      const policy = resources.find(
        (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes(`-${name}-role`),
      )!;
      statementsOf[key] = (JSON.parse(String(policy.inputs.policy)) as { Statement: Statement[] }).Statement;
    }
    bucketArn = String(resources.find((r) => r.type === "aws:s3/bucket:Bucket")!.state.arn);
    runsTableArn = String(
      resources.find((r) => r.type === "aws:dynamodb/table:Table" && String(r.inputs.name).endsWith("-runs"))!.state
        .arn,
    );
  });

  const may = (fn: FunctionKey, action: string, resource: string, context: Record<string, string> = {}) =>
    allowingStatements(statementsOf[fn], { action, resource, context }).length > 0;
  const object = (key: string) => `${bucketArn}/${key}`;

  it("deploys find-duplicates with its memory and timeout, and the definition calls it", () => {
    const fn = fnOf.findDuplicates;
    assert.ok(fn, "no find-duplicates function");
    assert.equal(fn.inputs.memorySize, 512);
    assert.equal(fn.inputs.timeout, 300);
    const sm = resources.find((r) => r.type === "aws:sfn/stateMachine:StateMachine")!;
    const def = JSON.parse(String(sm.inputs.definition)) as { States: Record<string, Record<string, Json>> };
    const task = (def.States[N.findDuplicates].ItemProcessor as { States: Record<string, Record<string, Json>> })
      .States[N.findPartitionDuplicates];
    assert.equal((task.Parameters as { FunctionName: string }).FunctionName, String(fn.state.arn));
    // Its timeout is the function's plus the margin every task has.
    assert.ok(Number(task.TimeoutSeconds) > 300, String(task.TimeoutSeconds));
  });

  it("lets the state machine invoke find-duplicates", () => {
    const policy = resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes("sfn-role"))!;
    const doc = JSON.parse(String(policy.inputs.policy)) as { Statement: Statement[] };
    const invoke = doc.Statement.find((s) => s.Action.includes("lambda:InvokeFunction"))!;
    assert.ok(invoke.Resource.includes(String(fnOf.findDuplicates.state.arn)));
  });

  it("grants find-duplicates exactly the reads and writes of its partition's work", () => {
    assert.deepEqual(
      statementsOf.findDuplicates.map((s) => [s.Sid, s.Action, s.Resource]),
      [
        ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], statementsOf.findDuplicates[0].Resource],
        ["ReadUniqueKeyFiles", ["s3:GetObject"], [`${bucketArn}/${WORK_PREFIX}*/unique/keys/*`]],
        ["ListWorkPrefix", ["s3:ListBucket"], [bucketArn]],
        ["WriteDuplicateFiles", ["s3:PutObject"], [`${bucketArn}/${WORK_PREFIX}*/unique/dups/*`]],
      ],
    );
    assert.ok(may("findDuplicates", "s3:GetObject", object(WORK_KEYS.uniqueKeys(EXEC, 7))));
    assert.ok(may("findDuplicates", "s3:PutObject", object(WORK_KEYS.uniqueDups(EXEC, 3))));
    assert.ok(may("findDuplicates", "s3:ListBucket", bucketArn, { "s3:prefix": WORK_KEYS.uniqueKeys(EXEC, 7) }));
    assert.ok(!may("findDuplicates", "s3:ListBucket", bucketArn, { "s3:prefix": "incoming/x.csv" }));
    assert.ok(!may("findDuplicates", "s3:PutObject", object(WORK_KEYS.uniqueKeys(EXEC, 7))), "no key file write");
    assert.ok(!may("findDuplicates", "s3:GetObject", object("incoming/x.csv")), "no input read");
  });

  it("grants process-chunk its key file writes, the dups file reads and its stored summary", () => {
    assert.ok(may("processChunk", "s3:PutObject", object(WORK_KEYS.uniqueKeys(EXEC, 7))));
    assert.ok(may("processChunk", "s3:GetObject", object(WORK_KEYS.uniqueDups(EXEC, 3))));
    assert.ok(!may("processChunk", "s3:ListBucket", bucketArn, { "s3:prefix": WORK_KEYS.uniqueDups(EXEC, 3) }));
    assert.ok(may("processChunk", "dynamodb:GetItem", runsTableArn));
    assert.ok(!may("processChunk", "s3:PutObject", object(WORK_KEYS.uniqueDups(EXEC, 3))), "no dups file write");
    assert.ok(!may("processChunk", "s3:GetObject", object(WORK_KEYS.uniqueKeys(EXEC, 7))), "no key file read");
  });

  it("gives no other function any access to the work objects", () => {
    for (const fn of ["splitCsv", "aggregateResults", "checkErrors"] as const)
      for (const action of ["s3:GetObject", "s3:PutObject"])
        for (const key of [WORK_KEYS.uniqueKeys(EXEC, 1), WORK_KEYS.uniqueDups(EXEC, 0)])
          assert.ok(!may(fn, action, object(key)), `${fn} ${action} ${key}`);
  });

  it("expires the work objects after a week, apart from the outputs", () => {
    const rules = resources.find((r) => r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!
      .inputs.rules as { id: string; filter: { prefix: string }; expiration?: { days: number } }[];
    const work = rules.find((r) => r.id === "expire-work");
    assert.deepEqual(work, {
      id: "expire-work",
      status: "Enabled",
      filter: { prefix: "_work/" },
      expiration: { days: 7 },
    });
    assert.equal(WORK_EXPIRY_DAYS, 7);
    assert.deepEqual(lifecycleRules(DEFAULT_OUTCOME_SETTINGS).filter((r) => r.id === "expire-work").length, 1);
  });

  it("never starts a run for a work object, whatever its name", () => {
    const rule = resources.find(
      (r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.inputs.eventPattern !== undefined,
    )!;
    const pattern = JSON.parse(String(rule.inputs.eventPattern)) as Record<string, Json>;
    const bucket = String(resources.find((r) => r.type === "aws:s3/bucket:Bucket")!.state.bucket);
    const event = (key: string): Record<string, Json> => ({
      source: "aws.s3",
      "detail-type": "Object Created",
      detail: { bucket: { name: bucket }, object: { key } },
    });
    assert.equal(matchesEventPattern(pattern, event("incoming/x.csv")), true, "the rule does start uploads");
    for (const key of [
      WORK_KEYS.uniqueKeys(EXEC, 1),
      WORK_KEYS.uniqueDups(EXEC, 0),
      `${WORK_PREFIX}${EXEC}/x.csv`,
      `${WORK_PREFIX}incoming/x.csv`,
    ])
      assert.equal(matchesEventPattern(pattern, event(key)), false, key);
  });
});

describe("stack config and the work prefix", () => {
  const valid: RawConfig = {
    rowSchema: JSON.stringify({ columns: [{ name: "order_id", type: "string", unique: true }] }),
    slackWebhookUrl: "https://hooks.slack.com/services/T/B/X",
  };
  const problems = (raw: RawConfig): string[] => {
    try {
      parseStackConfig("csv-pipeline", raw, pulumi.secret("x"), {});
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.problems;
    }
    return [];
  };

  it("refuses an input prefix under _work/, so no upload can start there and no work object is taken for one", () => {
    assert.equal(problems(valid).length, 0);
    const refused = problems({ ...valid, inputPrefix: "_work/in/" });
    assert.equal(refused.length, 1);
    assert.match(refused[0], /inputPrefix must end with "\/" and not be under _config\/ or _work\//);
  });

  it("refuses an output prefix under _work/: it would expire after a week", () => {
    const outputs = JSON.stringify({ ...DEFAULT_OUTCOME_SETTINGS, rejectedPrefix: "_work/rejected/" });
    const refused = problems({ ...valid, outputs });
    assert.equal(refused.length, 1);
    assert.match(
      refused[0],
      /outputs\.rejectedPrefix is inside the folder of the runs' intermediate objects \("_work\/"/,
    );
    assert.ok(OUTCOME_KEYS.rejectedRows(DEFAULT_OUTCOME_SETTINGS, EXEC).startsWith("rejected/"));
  });
});
