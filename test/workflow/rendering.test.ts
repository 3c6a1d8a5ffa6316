import assert from "node:assert/strict";
import {
  Chain,
  Choice,
  Condition,
  Fail,
  MapState,
  Parallel,
  Pass,
  StateGraph,
  Succeed,
  Task,
  Wait,
} from "../../workflow";

const FN = "arn:aws:lambda:ap-northeast-1:123456789012:function:f";
const TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:t";

describe("state rendering", () => {
  it("renders 0 as 0 and omits fields that were not set", () => {
    const task = Task.lambdaInvoke("Work", { functionArn: FN, payloadPath: "$" })
      .addRetry({ errors: ["E"], maxAttempts: 0 })
      .end();
    const map = new MapState("Chunks", {
      mode: "DISTRIBUTED",
      executionType: "STANDARD",
      itemsPath: "$.items",
      maxConcurrency: 0,
      toleratedFailurePercentage: 0,
      toleratedFailureCount: 0,
    }).itemProcessor(task);
    const wait = new Wait("Pause", { seconds: 0 });
    Chain.start(wait).next(map).next(new Succeed("Done"));

    const def = new StateGraph(wait).render();

    assert.equal(def.States.Pause.Seconds, 0);
    assert.equal(def.States.Chunks.MaxConcurrency, 0);
    assert.equal(def.States.Chunks.ToleratedFailurePercentage, 0);
    assert.equal(def.States.Chunks.ToleratedFailureCount, 0);
    const inner = (def.States.Chunks.ItemProcessor as { States: Record<string, { Retry: { MaxAttempts: number }[] }> })
      .States.Work;
    assert.equal(inner.Retry[0].MaxAttempts, 0);
    assert.deepEqual(Object.keys(inner.Retry[0]), ["ErrorEquals", "MaxAttempts"]);
    assert.equal("Catch" in def.States.Chunks, false, "an empty Catch list is omitted");
    assert.equal("Retry" in def.States.Chunks, false, "an empty Retry list is omitted");
    assert.equal("Comment" in def, false);
  });

  it("renders a States.ALL retrier and catcher last, whatever order they were added in", () => {
    const done = new Succeed("Done");
    const fallback = new Pass("Fallback").end();
    const task = Task.lambdaInvoke("Work", { functionArn: FN, payloadPath: "$" })
      .addRetry({ errors: ["States.ALL"], maxAttempts: 1 })
      .addRetry({ errors: ["Lambda.ServiceException"], intervalSeconds: 2 })
      .addCatch(fallback, { resultPath: "$.err" })
      .addCatch(fallback, { errors: ["Timeout"], resultPath: null });
    task.next(done);

    const def = new StateGraph(task).render();

    const work = def.States.Work as unknown as {
      Retry: { ErrorEquals: string[] }[];
      Catch: { ErrorEquals: string[]; ResultPath: unknown }[];
    };
    assert.deepEqual(
      work.Retry.map((r) => r.ErrorEquals),
      [["Lambda.ServiceException"], ["States.ALL"]],
    );
    assert.deepEqual(
      work.Catch.map((c) => c.ErrorEquals),
      [["Timeout"], ["States.ALL"]],
    );
    assert.equal(work.Catch[0].ResultPath, null, "ResultPath null is rendered as null");
  });

  it("throws at once on a second next(), and on continuing a chain after a Choice", () => {
    const a = new Pass("A");
    a.next(new Succeed("B"));
    assert.throws(() => a.next(new Succeed("C")), /State "A" already continues to "B"; a state has one Next/);

    const choice = new Choice("Pick");
    assert.throws(
      () => Chain.start(new Pass("P")).next(choice).next(new Succeed("X")),
      /ends with Choice state "Pick", which has no Next/,
    );
    assert.throws(
      () => new MapState("M").itemProcessor(new Succeed("S")).itemProcessor(new Succeed("T")),
      /already has an item processor/,
    );
    assert.throws(() => choice.otherwise("X").otherwise("Y"), /already has Default "X"/);
  });

  it("renders a Distributed Map reading a CSV from S3 with batching and a result writer", () => {
    const map = new MapState("Rows", {
      mode: "DISTRIBUTED",
      executionType: "EXPRESS",
      itemReader: {
        resource: "arn:aws:states:::s3:getObject",
        readerConfig: { inputType: "CSV", csvHeaderLocation: "GIVEN", csvHeaders: ["id", "email"], maxItems: 1000 },
        parameters: { Bucket: "in", "Key.$": "$.key" },
      },
      itemBatcher: { maxItemsPerBatch: 50, batchInput: { "run.$": "$$.Execution.Name" } },
      resultWriter: { resource: "arn:aws:states:::s3:putObject", parameters: { Bucket: "out", Prefix: "results/" } },
      resultSelector: { "n.$": "$.ResultWriterDetails.Key" },
      label: "Rows",
    })
      .itemProcessor(Task.lambdaInvoke("Row", { functionArn: FN, payloadPath: "$" }).end())
      .end();

    const rows = new StateGraph(map).render().States.Rows;

    assert.deepEqual(rows.ItemReader, {
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "CSV", CSVHeaderLocation: "GIVEN", CSVHeaders: ["id", "email"], MaxItems: 1000 },
      Parameters: { Bucket: "in", "Key.$": "$.key" },
    });
    assert.deepEqual(rows.ItemBatcher, { MaxItemsPerBatch: 50, BatchInput: { "run.$": "$$.Execution.Name" } });
    assert.deepEqual(rows.ResultWriter, {
      Resource: "arn:aws:states:::s3:putObject",
      Parameters: { Bucket: "out", Prefix: "results/" },
    });
    assert.deepEqual(rows.ItemProcessor, {
      ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "EXPRESS" },
      StartAt: "Row",
      States: {
        Row: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: FN, "Payload.$": "$" },
          End: true,
        },
      },
    });
    assert.equal(rows.Label, "Rows");
    assert.equal("ItemsPath" in rows, false);
  });

  it("renders Choice rules, Parallel branches, Fail and Wait fields as set", () => {
    const fail = new Fail("Bad", { error: "Invalid", cause: "x was negative" });
    const ok = new Succeed("Ok");
    const par = new Parallel("Both", { resultPath: "$.both" })
      .branch(new Pass("L", { result: { side: "left" } }).end())
      .branch(new Wait("R", { timestampPath: "$.until" }).end());
    par.next(ok);
    const choice = new Choice("Check")
      .when(Condition.and(Condition.isPresent("$.x"), Condition.numericGreaterThan("$.x", 0)), par, "positive")
      .otherwise(fail);

    const def = new StateGraph(choice, { comment: "demo", timeoutSeconds: 60 }).render();

    assert.deepEqual(Object.keys(def), ["Comment", "StartAt", "TimeoutSeconds", "States"]);
    assert.deepEqual(def.States.Check, {
      Type: "Choice",
      Choices: [
        {
          And: [
            { Variable: "$.x", IsPresent: true },
            { Variable: "$.x", NumericGreaterThan: 0 },
          ],
          Comment: "positive",
          Next: "Both",
        },
      ],
      Default: "Bad",
    });
    assert.deepEqual(def.States.Bad, { Type: "Fail", Error: "Invalid", Cause: "x was negative" });
    const branches = def.States.Both.Branches as { StartAt: string; States: Record<string, unknown> }[];
    assert.deepEqual(branches[0], {
      StartAt: "L",
      States: { L: { Type: "Pass", Result: { side: "left" }, End: true } },
    });
    assert.deepEqual(branches[1], {
      StartAt: "R",
      States: { R: { Type: "Wait", TimestampPath: "$.until", End: true } },
    });
  });

  it("lists the Lambda functions and topics the Task states call, nested ones included, once each", () => {
    const other = "arn:aws:lambda:ap-northeast-1:123456789012:function:g";
    const a = Task.lambdaInvoke("A", { functionArn: FN, payloadPath: "$" });
    const par = new Parallel("P")
      .branch(Task.lambdaInvoke("B", { functionArn: FN, payloadPath: "$" }).end())
      .branch(
        new MapState("M", { itemsPath: "$.i" })
          .itemProcessor(Task.lambdaInvoke("C", { functionArn: other, payloadPath: "$" }).end())
          .end(),
      );
    const page = Task.snsPublish("Page", { topicArn: TOPIC, message: "hi" }).end();
    Chain.start(a).next(par).next(page);

    assert.deepEqual(new StateGraph(a).resources(), { lambdas: [FN, other], topics: [TOPIC] });
  });
});
