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
  WorkflowValidationError,
} from "../../workflow";

const FN = "arn:aws:lambda:ap-northeast-1:123456789012:function:f";

function lambda(name: string): Task {
  return Task.lambdaInvoke(name, { functionArn: FN, payloadPath: "$" });
}

/** Renders and returns the problems the graph reported (fails the test when it renders). */
function problemsOf(graph: StateGraph): string[] {
  try {
    graph.render();
  } catch (err) {
    assert.ok(err instanceof WorkflowValidationError, String(err));
    return err.problems;
  }
  assert.fail("expected the graph to be rejected");
}

function hasProblem(problems: string[], pattern: RegExp): void {
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `no problem matches ${pattern}; got:\n${problems.join("\n")}`,
  );
}

describe("StateGraph validation", () => {
  it("reports two different states with the same name, also across a Parallel branch", () => {
    const a = new Pass("Same");
    const branchState = new Pass("Same").end();
    const par = new Parallel("Fan").branch(branchState).end();
    a.next(par);

    const problems = problemsOf(new StateGraph(a));

    hasProblem(problems, /^State "Same": the name is used by 2 different states; give each state its own name$/);
  });

  it("reports a name longer than 80 characters with its length", () => {
    const name = "N".repeat(81);

    const problems = problemsOf(new StateGraph(new Succeed(name)));

    hasProblem(problems, new RegExp(`^State "${name}": name is 81 characters long; shorten it to at most 80$`));
  });

  it("reports an unreachable state", () => {
    const graph = new StateGraph(new Pass("Start").end()).add(new Succeed("Orphan"));

    const problems = problemsOf(graph);

    hasProblem(problems, /^State "Orphan" is unreachable from "Start"; wire a Next\/Catch\/Choice to it or remove it$/);
  });

  it("reports a state with neither Next nor End", () => {
    const problems = problemsOf(new StateGraph(new Pass("Dangling")));

    hasProblem(problems, /^State "Dangling": has neither Next nor End; call next\(state\) or end\(\)$/);
  });

  it("reports a state with both Next and End", () => {
    const a = new Pass("Both");
    a.next(new Succeed("Done"));
    a.end();

    const problems = problemsOf(new StateGraph(a));

    hasProblem(problems, /^State "Both": has both Next \("Done"\) and End; keep one$/);
  });

  it("reports a Next, a Catch Next and a Choice Next that name no state of the scope", () => {
    const task = lambda("Work").addCatch("Missing");
    task.next("Nowhere");
    const choice = new Choice("Pick").when(Condition.stringEquals("$.x", "a"), "Ghost").otherwise(task);

    const problems = problemsOf(new StateGraph(choice));

    hasProblem(problems, /^State "Work": Next "Nowhere" is not a state; add that state to the graph or fix the name/);
    hasProblem(problems, /^State "Work": Catch Next "Missing" is not a state/);
    hasProblem(problems, /^State "Pick": Choice Next "Ghost" is not a state/);
  });

  it("reports a Next inside a Map processor that points outside it", () => {
    const inner = new Pass("Inner");
    inner.next("Outer");
    const map = new MapState("Loop", { itemsPath: "$.items" }).itemProcessor(inner);
    map.next(new Succeed("Outer"));

    const problems = problemsOf(new StateGraph(map));

    hasProblem(problems, /^State "Inner": Next "Outer" is not a state in item processor of Map "Loop"/);
  });

  it("reports States.ALL listed with other errors, and a States.ALL retrier or catcher that is not last", () => {
    const done = new Succeed("Done");
    const task = lambda("Work")
      .addRetry({ errors: ["States.ALL", "Lambda.ServiceException"] })
      .addRetry({ errors: ["States.ALL"] })
      .addCatch(done)
      .addCatch(done);
    task.next(done);

    const problems = problemsOf(new StateGraph(task));

    hasProblem(
      problems,
      /^State "Work": Retry\[0\] lists "States.ALL" with other errors; "States.ALL" must be alone in its ErrorEquals$/,
    );
    hasProblem(
      problems,
      /^State "Work": Retry\[0\] matches "States.ALL" but is not the last retrier; keep a single "States.ALL" retrier, last$/,
    );
    hasProblem(problems, /^State "Work": Catch\[0\] matches "States.ALL" but is not the last catcher/);
  });

  it("reports every Retry value out of range, naming the field and the allowed range", () => {
    const task = lambda("Work")
      .addRetry({ errors: ["A"], maxAttempts: 100_000_000 })
      .addRetry({ errors: ["B"], maxAttempts: -1, backoffRate: 0.5, intervalSeconds: 0 })
      .addRetry({ errors: ["C"], maxDelaySeconds: 0, jitterStrategy: "SOME" as "FULL" })
      .addRetry({ errors: [] })
      .end();

    const problems = problemsOf(new StateGraph(task));

    hasProblem(problems, /Retry\[0\] MaxAttempts is 100000000; use a whole number from 0 to 99999999/);
    hasProblem(problems, /Retry\[1\] MaxAttempts is -1; use a whole number from 0 to 99999999/);
    hasProblem(problems, /Retry\[1\] BackoffRate is 0.5; use a number ≥ 1/);
    hasProblem(problems, /Retry\[1\] IntervalSeconds is 0; use a whole number of seconds ≥ 1/);
    hasProblem(problems, /Retry\[2\] MaxDelaySeconds is 0; use a whole number from 1 to/);
    hasProblem(problems, /Retry\[2\] JitterStrategy is "SOME"; use "FULL" or "NONE"/);
    hasProblem(problems, /Retry\[3\] has an empty ErrorEquals/);
  });

  it("reports ToleratedFailurePercentage outside 0..100 and a negative ToleratedFailureCount", () => {
    const map = new MapState("Chunks", {
      mode: "DISTRIBUTED",
      executionType: "STANDARD",
      itemsPath: "$.items",
      toleratedFailurePercentage: 101,
      toleratedFailureCount: -1,
    })
      .itemProcessor(new Succeed("Each"))
      .end();

    const problems = problemsOf(new StateGraph(map));

    hasProblem(problems, /^State "Chunks": ToleratedFailurePercentage is 101; use a number from 0 to 100$/);
    hasProblem(problems, /^State "Chunks": ToleratedFailureCount is -1; use a whole number ≥ 0$/);
  });

  it("reports ItemsPath together with ItemReader", () => {
    const map = new MapState("Rows", {
      mode: "DISTRIBUTED",
      executionType: "EXPRESS",
      itemsPath: "$.rows",
      itemReader: {
        resource: "arn:aws:states:::s3:getObject",
        readerConfig: { inputType: "CSV", csvHeaderLocation: "FIRST_ROW" },
        parameters: { Bucket: "b", Key: "k.csv" },
      },
    })
      .itemProcessor(new Succeed("Row"))
      .end();

    const problems = problemsOf(new StateGraph(map));

    hasProblem(
      problems,
      /^State "Rows": sets both ItemsPath and ItemReader; items come from one of them — drop ItemsPath$/,
    );
  });

  it("reports malformed JSONPath in paths and in .$ keys of Parameters, ItemSelector and ResultSelector", () => {
    const task = Task.lambdaInvoke("Work", {
      functionArn: FN,
      payload: { "bucket.$": "bucket", "key.$": "$.a[", plain: "$.looksLikeAPath" },
      inputPath: "$$.Execution.Input",
      resultPath: "$.items[*]",
      outputPath: "$.a.",
      resultSelector: { "n.$": "$.Payload.n)", "f.$": "States.Nope($.x)", "g.$": "States.Format('{}', $.a" },
    });
    const map = new MapState("Each", { itemsPath: "items", itemSelector: { "v.$": "$$Map.Item.Value" } }).itemProcessor(
      new Succeed("One"),
    );
    task.next(map);
    map.end();

    const problems = problemsOf(new StateGraph(task));

    hasProblem(
      problems,
      /^State "Work": Parameters.Payload.bucket.\$ 'bucket' must start with '\$' \(input\) or '\$\$.' \(context object\), e.g. '\$.bucket'$/,
    );
    hasProblem(problems, /^State "Work": Parameters.Payload.key.\$ '\$.a\[' has an unclosed '\['/);
    hasProblem(
      problems,
      /^State "Work": Parameters.Payload.plain is the literal '\$.looksLikeAPath', which looks like a path; name the key 'plain.\$' to read it$/,
    );
    hasProblem(problems, /^State "Work": InputPath '\$\$.Execution.Input' reads the context object/);
    hasProblem(problems, /^State "Work": ResultPath '\$.items\[\*\]' uses '\[\*\]', which a reference path cannot/);
    hasProblem(problems, /^State "Work": OutputPath '\$.a.' has an empty step at position 4/);
    hasProblem(problems, /^State "Work": ResultSelector.n.\$ '\$.Payload.n\)' has an unexpected '\)'/);
    hasProblem(problems, /^State "Work": ResultSelector.f.\$ 'States.Nope' is not an intrinsic function/);
    hasProblem(
      problems,
      /^State "Work": ResultSelector.g.\$ 'States.Format\('\{\}', \$.a' is not an intrinsic call; write 'States.Name\(args\)'$/,
    );
    hasProblem(problems, /^State "Each": ItemsPath 'items' must start with '\$'/);
    hasProblem(problems, /^State "Each": ItemSelector.v.\$ '\$\$Map.Item.Value' has an unexpected 'M'/);
  });

  it("accepts valid paths: context object, brackets, slices, filters and intrinsics", () => {
    const task = Task.lambdaInvoke("Work", {
      functionArn: FN,
      payload: {
        "a.$": "$$.Map.Item.Value",
        "b.$": "$['odd key'].list[0]",
        "c.$": "$.list[1:3]",
        "d.$": "$.list[?(@.n > 1)]",
        "e.$": "States.Format('{} of {}', $.a, States.ArrayLength($.list))",
        "f.$": "$",
      },
      resultPath: "$.out['x'][2]",
    }).end();

    assert.doesNotThrow(() => new StateGraph(task).render());
  });

  it("collects every problem and throws one Error listing them all", () => {
    const a = new Pass("A", { inputPath: "nope" });
    a.next("B");
    const graph = new StateGraph(a).add(new Succeed("C"));

    assert.throws(
      () => graph.render(),
      (err: Error) => {
        assert.ok(err instanceof WorkflowValidationError);
        assert.equal(err.problems.length, 3);
        assert.match(err.message, /^The state machine definition has 3 problem\(s\):\n- /);
        assert.match(err.message, /InputPath 'nope'/);
        assert.match(err.message, /Next "B" is not a state/);
        assert.match(err.message, /State "C" is unreachable/);
        return true;
      },
    );
  });

  it("reports Wait, Fail, Choice, Task and Map mistakes of their own", () => {
    const wait = new Wait("Pause", { seconds: 1, secondsPath: "$.s" });
    const fail = new Fail("Stop", { error: "E", errorPath: "$.e" });
    const task = Task.lambdaInvoke("Work", { functionArn: FN, timeoutSeconds: 10, heartbeatSeconds: 10 });
    const choice = new Choice("Pick");
    const map = new MapState("Inline", { label: "x", maxConcurrency: -1 });
    const sns = Task.snsPublish("Page", {
      topicArn: "arn:aws:sns:ap-northeast-1:123456789012:t",
      subject: "件名\n".padEnd(120, "x"),
    });
    Chain.start(wait).next(task).next(map).next(sns).next(fail);
    const graph = new StateGraph(wait).add(choice);

    const problems = problemsOf(graph);

    hasProblem(problems, /^State "Pause": sets 2 of Seconds, Timestamp, SecondsPath, TimestampPath; set exactly one$/);
    hasProblem(problems, /^State "Stop": sets both Error and ErrorPath; keep one$/);
    hasProblem(problems, /^State "Work": HeartbeatSeconds \(10\) must be smaller than TimeoutSeconds \(10\)$/);
    hasProblem(problems, /^State "Pick": has no rules; add one with when\(condition, next\)$/);
    hasProblem(problems, /^State "Inline": has no item processor/);
    hasProblem(problems, /^State "Inline": sets Label, which only a DISTRIBUTED Map has/);
    hasProblem(problems, /^State "Inline": MaxConcurrency is -1/);
    hasProblem(problems, /^State "Page": SNS Subject is 120 characters; keep it under 100$/);
    hasProblem(problems, /^State "Page": SNS Subject contains a line break/);
    hasProblem(problems, /^State "Page": SNS Subject has non-ASCII/);
    hasProblem(problems, /^State "Page": publishes no Message/);
  });
});
