import assert from "node:assert/strict";
import { PipelineError } from "../../functions/core/errors";
import { type LambdaContext, LambdaFunctionError, lambdaInvoke, taskNames } from "../../local/engine/invoke";
import { walkDefinition } from "../../workflow/graph";

const ARN = "arn:aws:lambda:ap-northeast-1:123456789012:function:csv-pipeline-split-csv";

class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

describe("lambdaInvoke", () => {
  it("passes the Payload and a Lambda context, and wraps the result like the lambda:invoke integration", async () => {
    let seen: { event?: unknown; ctx?: LambdaContext } = {};
    const task = lambdaInvoke(async (event, ctx) => {
      seen = { event, ctx };
      return { ok: true, when: new Date("2024-01-31T00:00:00Z"), skip: undefined };
    });

    const out = await task({ FunctionName: ARN, Payload: { key: "a.csv" } });

    assert.deepEqual(out, {
      ExecutedVersion: "$LATEST",
      Payload: { ok: true, when: "2024-01-31T00:00:00.000Z" },
      StatusCode: 200,
    });
    assert.deepEqual(seen.event, { key: "a.csv" });
    assert.equal(seen.ctx?.functionName, "csv-pipeline-split-csv");
    assert.equal(seen.ctx?.invokedFunctionArn, ARN);
    assert.equal(seen.ctx?.logGroupName, "/aws/lambda/csv-pipeline-split-csv");
    assert.match(seen.ctx?.awsRequestId ?? "", /^[0-9a-f-]{36}$/);
    const remaining = seen.ctx?.getRemainingTimeInMillis() ?? 0;
    assert.ok(remaining > 899_000 && remaining <= 900_000, String(remaining));
  });

  it("returns Payload null when the handler returns nothing", async () => {
    const out = (await lambdaInvoke(() => undefined)({ FunctionName: ARN, Payload: {} })) as { Payload: unknown };
    assert.equal(out.Payload, null);
  });

  it("surfaces a thrown error by its name, with the JSON cause Lambda reports", async () => {
    const task = lambdaInvoke(() => {
      throw new InputError("header is missing order_id");
    });

    const err = await task({ FunctionName: ARN, Payload: {} }).then(
      () => assert.fail("expected a failure"),
      (e: Error) => e,
    );

    assert.ok(err instanceof LambdaFunctionError);
    assert.ok(err instanceof PipelineError);
    assert.equal(err.name, "InputError");
    assert.ok(err.cause instanceof InputError, "the handler's error is kept as the cause");
    const cause = JSON.parse(err.message);
    // In the Node.js runtime's order (Lambda developer guide, "Node.js function errors").
    assert.deepEqual(Object.keys(cause), ["errorType", "errorMessage", "trace"]);
    assert.equal(cause.errorType, "InputError");
    assert.equal(cause.errorMessage, "header is missing order_id");
    assert.match(cause.trace[0], /^InputError: header is missing order_id$/);
  });

  it("gives the handler its own copy of the payload", async () => {
    const payload = { n: 1 };
    await lambdaInvoke((event) => {
      event.n = 2;
    })({ FunctionName: ARN, Payload: payload });
    assert.equal(payload.n, 1);
  });
});

describe("walkDefinition", () => {
  it("finds every state of a rendered definition, nested ones with the states they sit in, depth first", () => {
    const definition = {
      StartAt: "Fan",
      States: {
        Fan: {
          Type: "Parallel",
          Branches: [
            {
              StartAt: "Each",
              States: {
                Each: {
                  Type: "Map",
                  ItemProcessor: { StartAt: "Work", States: { Work: { Type: "Task", Resource: "x", End: true } } },
                  End: true,
                },
              },
            },
            {
              StartAt: "Old",
              States: {
                Old: {
                  Type: "Map",
                  Iterator: { StartAt: "Leaf", States: { Leaf: { Type: "Pass", End: true } } },
                  End: true,
                },
              },
            },
          ],
          Next: "Done",
        },
        Done: { Type: "Succeed" },
      },
    };

    const found = walkDefinition(definition);

    assert.deepEqual(
      found.map((s) => [s.name, s.state.Type, s.parents.join("/")]),
      [
        ["Fan", "Parallel", ""],
        ["Each", "Map", "Fan"],
        ["Work", "Task", "Fan/Each"],
        ["Old", "Map", "Fan"],
        ["Leaf", "Pass", "Fan/Old"],
        ["Done", "Succeed", ""],
      ],
    );
    assert.deepEqual(taskNames(definition), ["Work"]);
  });
});
