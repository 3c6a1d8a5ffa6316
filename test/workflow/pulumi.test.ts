import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { buildPipeline, type PipelineResources, PLACEHOLDER_RESOURCES } from "../../workflow/pipeline";
import { renderOnArns } from "../../workflow/pulumi";

/** A resource whose `arn` output the mocks fill in, like a provider resource would. */
class FakeArnResource extends pulumi.CustomResource {
  declare readonly arn: pulumi.Output<string>;
  constructor(name: string, type: string) {
    super(type, name, { arn: undefined });
  }
}

function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply(done));
}

describe("renderOnArns", () => {
  before(() => {
    pulumi.runtime.setMocks(
      {
        newResource: (args) => ({
          id: `${args.name}-id`,
          state: {
            arn: args.type.startsWith("test:sns")
              ? `arn:aws:sns:us-west-2:999999999999:${args.name}`
              : `arn:aws:lambda:us-west-2:999999999999:function:${args.name}`,
          },
        }),
        call: (args) => args.inputs,
      },
      "csv-pipeline",
      "test",
      false,
    );
  });

  it("resolves to the rendered definition with the given ARNs substituted", async () => {
    const fn = (name: string) => new FakeArnResource(name, "test:lambda:Function").arn;
    const arns: Record<keyof PipelineResources, pulumi.Input<string>> = {
      splitCsv: fn("split"),
      processChunk: fn("chunk"),
      checkErrors: fn("check"),
      aggregateResults: "arn:aws:lambda:us-west-2:999999999999:function:aggregate",
      findDuplicates: fn("find"),
      alertTopic: new FakeArnResource("oncall", "test:sns:Topic").arn,
    };

    const rendered = renderOnArns(arns, (placeholders) =>
      buildPipeline({ pattern: "parallel", resources: placeholders }),
    );
    const json = await resolve(rendered.definition);

    const expected = buildPipeline({
      pattern: "parallel",
      resources: {
        splitCsv: "arn:aws:lambda:us-west-2:999999999999:function:split",
        processChunk: "arn:aws:lambda:us-west-2:999999999999:function:chunk",
        checkErrors: "arn:aws:lambda:us-west-2:999999999999:function:check",
        aggregateResults: "arn:aws:lambda:us-west-2:999999999999:function:aggregate",
        findDuplicates: "arn:aws:lambda:us-west-2:999999999999:function:find",
        alertTopic: "arn:aws:sns:us-west-2:999999999999:oncall",
      },
    }).render();
    assert.deepEqual(JSON.parse(json), expected);
    assert.equal(json.includes("arn:aws:pulumi:input"), false, "no placeholder is left");
  });

  it("returns the Lambda and topic Inputs the graph calls, for the role's policy", async () => {
    const arns = { ...PLACEHOLDER_RESOURCES, splitCsv: pulumi.output("arn:aws:lambda:us-west-2:1:function:s") };

    const rendered = renderOnArns(arns, (placeholders) =>
      buildPipeline({ pattern: "sequential", resources: placeholders }),
    );

    const lambdas = await Promise.all(rendered.lambdas.map((l) => resolve(pulumi.output(l))));
    assert.deepEqual(lambdas, [
      "arn:aws:lambda:us-west-2:1:function:s",
      PLACEHOLDER_RESOURCES.aggregateResults,
      PLACEHOLDER_RESOURCES.processChunk,
      PLACEHOLDER_RESOURCES.checkErrors,
      PLACEHOLDER_RESOURCES.findDuplicates,
    ]);
    assert.deepEqual(rendered.topics, [PLACEHOLDER_RESOURCES.alertTopic]);
  });

  it("fails at render time, before any ARN resolves, when the graph is invalid", () => {
    assert.throws(
      () =>
        renderOnArns(PLACEHOLDER_RESOURCES, (placeholders) =>
          buildPipeline({ pattern: "sequential", resources: placeholders, options: { mapConcurrency: -3 } }),
        ),
      /State "ProcessChunks": MaxConcurrency is -3/,
    );
  });
});
