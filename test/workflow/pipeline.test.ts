import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_NAMES, LAMBDA_TRANSIENT_ERRORS, UNKNOWN_FEED } from "../../functions/contract";
import { taskNames } from "../../local/engine/invoke";
import { toMermaid } from "../../workflow/mermaid";
import { buildPipeline, STATE_NAMES as N, PIPELINE_PATTERNS, PLACEHOLDER_RESOURCES } from "../../workflow/pipeline";
import type { AslDefinition, JsonObject } from "../../workflow/types";
import { readGolden } from "../support/golden";

// biome-ignore lint/suspicious/noExplicitAny: untyped package
const aslValidator: any = require("asl-validator");

const GOLDEN_DIR = join(__dirname, "..", "golden");

// biome-ignore lint/suspicious/noExplicitAny: walking rendered JSON
type Any = any;

/** Every state of a definition, nested ones included, by name. */
function flatten(def: Any): Record<string, Any> {
  const out: Record<string, Any> = {};
  const visit = (body: Any) => {
    for (const [name, state] of Object.entries<Any>(body.States)) {
      out[name] = state;
      for (const b of state.Branches ?? []) visit(b);
      if (state.ItemProcessor) visit(state.ItemProcessor);
    }
  };
  visit(def);
  return out;
}

describe("buildPipeline", () => {
  for (const pattern of PIPELINE_PATTERNS) {
    describe(`${pattern} pattern`, () => {
      const def: AslDefinition = buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES }).render();
      const states = flatten(def);

      it("passes asl-validator", () => {
        // The validator adds fields to what it checks: give it a copy.
        const result = aslValidator(structuredClone(def));
        assert.equal(result.isValid, true, result.isValid ? "" : result.errorsText("\n"));
      });

      it("matches its golden file (regenerate with UPDATE_GOLDEN=1)", () => {
        const file = join(GOLDEN_DIR, `pipeline-${pattern}.asl.json`);
        const text = `${JSON.stringify(def, null, 2)}\n`;
        assert.deepEqual(JSON.parse(readGolden(file, text)), def);
      });

      it("hands each chunk the PARENT execution name, never the child's $$.Execution.Name", () => {
        const map = states[N.processChunks];
        assert.equal(map.ItemProcessor.ProcessorConfig.Mode, "DISTRIBUTED");
        assert.equal(map.ItemProcessor.ProcessorConfig.ExecutionType, "STANDARD");
        assert.equal(map.Label, "Chunks");
        assert.equal(map.ItemsPath, "$.split.chunks");
        assert.equal(map.ItemSelector["executionName.$"], "$.executionName");
        assert.equal(map.ItemSelector["chunk.$"], "$$.Map.Item.Value");
        assert.equal(
          map.ItemSelector["key.$"],
          "$.split.key",
          "the key split-csv found, decoded when the event encoded it",
        );
        assert.ok(
          !JSON.stringify(map.ItemProcessor).includes("$$.Execution"),
          "no context execution path inside the child",
        );
        assert.equal(states[N.prepare].Parameters["executionName.$"], "$$.Execution.Name");
      });

      it("gives every Lambda task the transient-error and throttle retriers, and chunks the UnprocessedItems retrier", () => {
        const lambdaTasks = Object.entries<Any>(states).filter(
          ([, s]) => s.Resource === "arn:aws:states:::lambda:invoke",
        );
        assert.equal(lambdaTasks.length, 6);
        for (const [name, s] of lambdaTasks) {
          assert.deepEqual(
            s.Retry[0],
            {
              ErrorEquals: [...LAMBDA_TRANSIENT_ERRORS],
              IntervalSeconds: 2,
              MaxAttempts: 6,
              BackoffRate: 2,
              MaxDelaySeconds: 30,
              JitterStrategy: "FULL",
            },
            name,
          );
        }
        assert.deepEqual(states[N.processChunk].Retry[1].ErrorEquals, [ERROR_NAMES.unprocessedItems]);
        assert.deepEqual(states[N.applyChunkDuplicates].Retry[1].ErrorEquals, [ERROR_NAMES.unprocessedItems]);
        // AWS's recommended list of transient Lambda errors, ClientExecutionTimeoutException included.
        assert.deepEqual(LAMBDA_TRANSIENT_ERRORS, [
          "Lambda.ClientExecutionTimeoutException",
          "Lambda.ServiceException",
          "Lambda.AWSLambdaException",
          "Lambda.SdkClientException",
        ]);
        for (const [name, s] of lambdaTasks)
          assert.deepEqual(
            s.Retry.at(-1),
            {
              ErrorEquals: ["Lambda.TooManyRequestsException"],
              IntervalSeconds: 2,
              MaxAttempts: 40,
              BackoffRate: 2,
              MaxDelaySeconds: 60,
              JitterStrategy: "FULL",
            },
            name,
          );
      });

      it("sends split and Map failures to the aggregation before the check, and check failures to NotifyCheckFailure → CheckFailed", () => {
        const afterMap = pattern === "sequential" ? N.aggregateResults : N.resultProcessing;
        const checkStep = pattern === "sequential" ? N.checkErrors : N.resultProcessing;
        for (const name of [N.splitCsv, N.processChunks])
          assert.deepEqual(states[name].Catch, [
            { ErrorEquals: ["States.ALL"], Next: afterMap, ResultPath: "$.failure" },
          ]);
        // A uniqueness Map's failure is named (the check cannot infer it from the split's status), then goes on alike.
        for (const [name, named] of [
          [N.findDuplicates, N.findDuplicatesFailed],
          [N.applyDuplicates, N.applyDuplicatesFailed],
        ] as const) {
          assert.deepEqual(states[name].Catch, [{ ErrorEquals: ["States.ALL"], Next: named, ResultPath: "$.failure" }]);
          assert.equal(states[named].Type, "Pass");
          assert.equal(states[named].Result, name);
          assert.equal(states[named].ResultPath, "$.failure.step");
          assert.equal(states[named].Next, afterMap);
        }
        assert.equal(states[N.processChunks].Next, N.uniqueKeys);
        assert.equal(states[N.uniqueKeys].Default, afterMap, "no unique key: on to the results");
        assert.equal(states[N.duplicatesFound].Default, afterMap, "no duplicate: on to the results");
        assert.equal(states[N.applyDuplicates].Next, afterMap);
        assert.deepEqual(states[checkStep].Catch, [
          { ErrorEquals: ["States.ALL"], Next: N.checkFailureCause, ResultPath: "$.checkFailure" },
        ]);
        // An error caught without a Cause is given a message before States.Format reads it; a Cause is read only
        // once its presence is known, and parsed only when it is a Lambda error document.
        assert.deepEqual(states[N.checkFailureCause].Choices, [
          { Variable: "$.checkFailure.Cause", IsPresent: true, Next: N.causeShape },
        ]);
        assert.equal(states[N.checkFailureCause].Default, N.noCauseGiven);
        assert.deepEqual(states[N.causeShape].Choices, [
          {
            Or: [
              { Variable: "$.checkFailure.Cause", StringMatches: '{"errorType":"*","errorMessage":"*","trace":[*]}' },
              { Variable: "$.checkFailure.Cause", StringMatches: '{"errorType":"*","errorMessage":"*"}' },
            ],
            Next: N.readLambdaCause,
          },
          // Begins as a Lambda error document and does not end as one: neither parsed nor shown.
          { Variable: "$.checkFailure.Cause", StringMatches: '{"errorType":*', Next: N.unreadableCause },
        ]);
        assert.equal(states[N.causeShape].Default, N.plainCause);
        assert.equal(states[N.readLambdaCause].Next, N.lambdaErrorMessage);
        for (const name of [N.noCauseGiven, N.plainCause, N.unreadableCause, N.lambdaErrorMessage]) {
          assert.equal(states[name].ResultPath, "$.checkFailure", name);
          assert.equal(states[name].Parameters["Error.$"], "$.checkFailure.Error", name);
          assert.equal(states[name].Next, N.notifyCheckFailure, name);
        }
        const notify = states[N.notifyCheckFailure];
        assert.equal(notify.Resource, "arn:aws:states:::sns:publish");
        assert.equal(notify.Parameters.TopicArn, PLACEHOLDER_RESOURCES.alertTopic);
        assert.match(
          notify.Parameters["Message.$"],
          /^States\.Format\(.* step: CheckErrorsAndNotify error: \{\} message: \{\}', \$\.executionName, \$\.bucket, \$\.key, \$\.split\.feed, \$\.checkFailure\.Error, \$\.checkFailure\.message\)$/,
        );
        assert.deepEqual(notify.Parameters.MessageAttributes.severity, { DataType: "String", StringValue: "CRITICAL" });
        assert.deepEqual(notify.Parameters.MessageAttributes.feed, {
          DataType: "String",
          "StringValue.$": "$.split.feed",
        });
        assert.equal(notify.Next, N.checkFailed);
        assert.equal(states[N.checkFailed].Type, "Fail");
        assert.equal(states[N.checkFailed].Error, "CheckFailed");
        assert.deepEqual(states[N.checkErrors].Parameters.Payload, {
          "executionName.$": "$.executionName",
          "startTime.$": "$.startTime",
          "bucket.$": "$.bucket",
          "key.$": "$.split.key",
          "chunkCount.$": "$.split.chunkCount",
          "splitStatus.$": "$.split.status",
          "failure.$": "$.failure",
          // Only after the aggregation (sequential) can the check be told whether it failed and what it composed.
          ...(pattern === "sequential"
            ? { "aggregationFailure.$": "$.aggregationFailure", "composed.$": "$.aggregate" }
            : {}),
        });
      });

      it("hands each chunk the ETag and version id split-csv read, so no chunk reads another version", () => {
        const map = states[N.processChunks];
        assert.equal(map.ItemSelector["etag.$"], "$.split.etag");
        assert.equal(map.ItemSelector["versionId.$"], "$.split.versionId");
        const kept = Object.keys(states[N.splitCsv].ResultSelector);
        for (const field of ["etag.$", "versionId.$"]) assert.ok(kept.includes(field), field);
      });

      it("gives split-csv the execution's input to claim the upload, and ends a duplicate in Duplicate", () => {
        assert.equal(states[N.prepare].Parameters["upload.$"], "$");
        assert.equal(states[N.splitCsv].Parameters.Payload["upload.$"], "$.upload");
        assert.equal(states[N.splitCsv].Next, N.uploadClaimed);
        const claimed = states[N.uploadClaimed];
        assert.equal(claimed.Type, "Choice");
        assert.deepEqual(claimed.Choices, [
          { Variable: "$.split.status", StringEquals: "DUPLICATE", Next: N.duplicate },
        ]);
        assert.equal(claimed.Default, N.processChunks);
        assert.equal(states[N.duplicate].Type, "Succeed");
      });

      it("hands AggregateResults the run, the header, how the split ended and the chunk results", () => {
        assert.deepEqual(states[N.aggregateResults].Parameters.Payload, {
          "executionName.$": "$.executionName",
          "startTime.$": "$.startTime",
          "bucket.$": "$.bucket",
          "key.$": "$.split.key",
          "header.$": "$.split.header",
          "headerRange.$": "$.split.headerRange",
          "splitStatus.$": "$.split.status",
          "chunkCount.$": "$.split.chunkCount",
          "chunkResults.$": "$.chunkResults",
        });
        assert.deepEqual(Object.keys(states[N.aggregateResults].ResultSelector), [
          "rows.$",
          "valid.$",
          "invalid.$",
          "byType.$",
          "bySeverity.$",
          "chunks.$",
          "failedChunks.$",
          "resultKey.$",
        ]);
        assert.equal(states[N.aggregateResults].TimeoutSeconds, 300);
      });

      it("sets defaults in Prepare for every path a later state reads", () => {
        assert.deepEqual(states[N.prepare].Parameters.split, {
          status: "NOT_RUN",
          uniquePartitions: 0,
          "key.$": "$.key",
          feed: UNKNOWN_FEED,
          chunkCount: 0,
          encoding: "utf-8",
          header: [],
          headerRange: null,
          chunks: [],
        });
        assert.deepEqual(states[N.prepare].Parameters.chunkResults, []);
        assert.equal(states[N.prepare].Parameters.failure, null);
        for (const field of ["aggregationFailure", "aggregate"]) {
          if (pattern === "sequential") assert.equal(states[N.prepare].Parameters[field], null, field);
          else assert.equal(field in states[N.prepare].Parameters, false, field);
        }
      });

      it("reads in the check's payload only top-level fields that Prepare sets (an absent path fails uncatchably)", () => {
        const prepared = new Set(Object.keys(states[N.prepare].Parameters).map((k) => k.replace(/\.\$$/, "")));
        const read = Object.values<string>(states[N.checkErrors].Parameters.Payload).map(
          (path) => /^\$\.([A-Za-z]+)/.exec(path)?.[1],
        );
        for (const field of read) assert.ok(field && prepared.has(field), `Prepare does not set $.${field}`);
      });
    });
  }

  it("puts AggregateResults beside the check with its own Catch in the parallel pattern", () => {
    const states = flatten(buildPipeline({ pattern: "parallel", resources: PLACEHOLDER_RESOURCES }).render());
    const branches = states[N.resultProcessing].Branches.map((b: Any) => b.StartAt);
    assert.deepEqual(branches, [N.aggregateResults, N.checkErrors]);
    assert.deepEqual(states[N.aggregateResults].Catch, [
      { ErrorEquals: ["States.ALL"], Next: N.aggregationFailed, ResultPath: "$.aggregationFailure" },
    ]);
    assert.equal(states[N.aggregateResults].Parameters.Payload["chunkResults.$"], "$.chunkResults");
    assert.equal(states[N.aggregationFailed].Type, "Pass");
  });

  it("runs AggregateResults before the check in the sequential pattern; its failure is caught into its own field", () => {
    const states = flatten(buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render());
    const aggregate = states[N.aggregateResults];
    assert.equal(aggregate.Next, N.checkErrors);
    assert.equal(aggregate.ResultPath, "$.aggregate");
    assert.deepEqual(
      aggregate.Retry.map((r: Any) => r.ErrorEquals),
      [[...LAMBDA_TRANSIENT_ERRORS], [ERROR_NAMES.lambdaThrottled]],
    );
    // `$.failure` keeps what failed before (split or Map): the aggregation's failure must not overwrite it.
    assert.deepEqual(aggregate.Catch, [
      { ErrorEquals: ["States.ALL"], Next: N.checkErrors, ResultPath: "$.aggregationFailure" },
    ]);
    assert.equal(states[N.checkErrors].Next, N.runOutcome);
    assert.equal(states[N.resultProcessing], undefined);
    assert.equal(states[N.aggregationFailed], undefined);
  });

  it("fails the run in RunOutcome when the check says so, and in the parallel pattern first when the aggregation failed", () => {
    const seq = flatten(buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render());
    const par = flatten(buildPipeline({ pattern: "parallel", resources: PLACEHOLDER_RESOURCES }).render());

    // Sequential: the check is told of a failed aggregation and fails the run through runFailed.
    assert.deepEqual(seq[N.runOutcome].Choices, [
      { Variable: "$.check.runFailed", BooleanEquals: true, Next: N.runFailed },
    ]);
    assert.equal(seq[N.rowOutcomesMissing], undefined);
    // Parallel: AggregationFailed's `failed` (absent when the aggregation succeeded) fails the run on its own.
    assert.deepEqual(par[N.runOutcome].Choices, [
      {
        And: [
          { Variable: "$.results.aggregate.failed", IsPresent: true },
          { Variable: "$.results.aggregate.failed", BooleanEquals: true },
        ],
        Next: N.rowOutcomesMissing,
      },
      { Variable: "$.results.check.runFailed", BooleanEquals: true, Next: N.runFailed },
    ]);
    assert.equal(par[N.aggregationFailed].Parameters.failed, true);
    assert.equal(par[N.rowOutcomesMissing].Type, "Fail");
    assert.equal(par[N.rowOutcomesMissing].Error, "RunFailed");
    assert.match(
      par[N.rowOutcomesMissing].Cause,
      /^The row outcome files \(rows\.csv and errors\.csv .*could not be written/,
    );
    for (const states of [seq, par]) {
      assert.equal(states[N.runOutcome].Default, N.done);
      assert.equal(states[N.runFailed].Error, "RunFailed");
    }
  });

  it("applies options, rendering 0 as 0", () => {
    const states = flatten(
      buildPipeline({
        pattern: "sequential",
        resources: PLACEHOLDER_RESOURCES,
        options: {
          mapConcurrency: 7,
          toleratedFailurePercentage: 0,
          taskTimeoutSeconds: 120,
          aggregateTimeoutSeconds: 90,
          checkTimeoutSeconds: 60,
        },
      }).render(),
    );
    assert.equal(states[N.processChunks].MaxConcurrency, 7);
    assert.equal(states[N.processChunks].ToleratedFailurePercentage, 0);
    assert.equal(states[N.splitCsv].TimeoutSeconds, 120);
    assert.equal(states[N.processChunk].TimeoutSeconds, 120);
    assert.equal(states[N.aggregateResults].TimeoutSeconds, 90);
    assert.equal(states[N.checkErrors].TimeoutSeconds, 60);
  });

  it("rejects out-of-range options with the state and the fix", () => {
    assert.throws(
      () =>
        buildPipeline({
          pattern: "sequential",
          resources: PLACEHOLDER_RESOURCES,
          options: { toleratedFailurePercentage: 150 },
        }).render(),
      /State "ProcessChunks": ToleratedFailurePercentage is 150; use a number from 0 to 100/,
    );
    assert.throws(
      () => buildPipeline({ pattern: "sideways" as "parallel", resources: PLACEHOLDER_RESOURCES }),
      /Unknown pipeline pattern "sideways"; use "sequential" or "parallel"/,
    );
    assert.throws(
      () => buildPipeline({ pattern: "parallel", resources: { ...PLACEHOLDER_RESOURCES, alertTopic: "" } }),
      /Pipeline resource "alertTopic" is missing/,
    );
  });

  it("lists exactly the functions and the topic it calls", () => {
    const seq = buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).resources();
    const par = buildPipeline({ pattern: "parallel", resources: PLACEHOLDER_RESOURCES }).resources();
    const r = PLACEHOLDER_RESOURCES;
    const lambdas = [r.splitCsv, r.processChunk, r.checkErrors, r.aggregateResults, r.findDuplicates].sort();
    assert.deepEqual([...seq.lambdas].sort(), lambdas);
    assert.deepEqual(seq.topics, [r.alertTopic]);
    assert.deepEqual([...par.lambdas].sort(), lambdas);
    assert.deepEqual(par.topics, [r.alertTopic]);
  });

  it("keeps the task names the local runner overrides", () => {
    for (const pattern of PIPELINE_PATTERNS) {
      const def = buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES }).render();
      assert.deepEqual(
        taskNames(def).sort(),
        [
          N.aggregateResults,
          N.checkErrors,
          N.notifyCheckFailure,
          N.processChunk,
          N.splitCsv,
          N.findPartitionDuplicates,
          N.applyChunkDuplicates,
        ].sort(),
        pattern,
      );
    }
  });
});

describe("toMermaid", () => {
  const graph = buildPipeline({ pattern: "parallel", resources: PLACEHOLDER_RESOURCES });

  it("draws the Map processor and Parallel branches as subgraphs and Catch edges dashed with their errors", () => {
    const text = toMermaid(graph);
    const lines = text.split("\n").map((l) => l.trim());
    assert.equal(lines[0], "flowchart TD");
    assert.ok(lines.includes('subgraph s8["ProcessChunks (Map)"]'), text);
    assert.ok(lines.includes('subgraph s3["ResultProcessing (Parallel)"]'), text);
    assert.ok(lines.includes('subgraph s3_0["branch 0"]') && lines.includes('subgraph s3_1["branch 1"]'), text);
    assert.ok(lines.includes('s1 -.->|"Catch: States.ALL"| s3'), "SplitCsv's Catch goes to ResultProcessing");
    assert.ok(lines.includes('s3 -.->|"Catch: States.ALL"| s11'), "ResultProcessing's Catch goes to CheckFailureCause");
    assert.ok(lines.includes('s2 -->|"Default"| s8'), "UploadClaimed goes on to ProcessChunks");
    assert.ok(lines.includes('s7((("Duplicate")))'), text);
    assert.ok(lines.includes('s26((("CheckFailed")))'), text);
    assert.equal(text.includes("classDef taken"), false, "nothing highlighted unless asked");
  });

  it("highlights the states of the path taken and the edges between them", () => {
    const text = toMermaid(graph, { highlight: [N.prepare, N.splitCsv, N.resultProcessing, N.checkErrors] });
    const lines = text.trimEnd().split("\n");
    assert.ok(lines.includes("  class s0,s1,s3,s6 taken"), text);
    const linkStyle = lines.find((l) => l.trim().startsWith("linkStyle"));
    assert.ok(linkStyle, "highlighted edges are styled");
    // Edges in order: 0 start→Prepare, 1 Prepare→SplitCsv, 2 SplitCsv→UploadClaimed, 3 SplitCsv-.->ResultProcessing …
    const styled = linkStyle.trim().split(" ")[1].split(",").map(Number);
    assert.ok(styled.includes(0) && styled.includes(1) && styled.includes(3), linkStyle);
    assert.ok(!styled.includes(2), "SplitCsv → UploadClaimed was not taken");
  });
});

describe("golden files", () => {
  it("exist for both patterns and hold rendered definitions", () => {
    for (const pattern of PIPELINE_PATTERNS) {
      const golden = JSON.parse(readFileSync(join(GOLDEN_DIR, `pipeline-${pattern}.asl.json`), "utf8")) as JsonObject;
      assert.equal(golden.StartAt, N.prepare);
    }
  });
});
