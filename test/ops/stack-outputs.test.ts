import assert from "node:assert/strict";
import { parseOutputs } from "../../ops/outputs";
import { runProgramWith } from "../support/infra-program";
import { PROJECT, TEST_CONFIG } from "../support/pulumi-mocks";

/** What `pulumi stack output --json` prints: the program's exports, resolved (here under mocks). */
async function stackOutputs(config: Record<string, string>): Promise<Record<string, unknown>> {
  return (await runProgramWith(config, [`${PROJECT}:slackWebhookUrl`])).outputs;
}

describe("the stack outputs the operator's CLI reads (the program under mocks)", function () {
  this.timeout(240_000);

  it("exports resultsPrefix, so ops finds the manifests and reports of a stack that moved them", async () => {
    const outputs = await stackOutputs({
      ...TEST_CONFIG,
      [`${PROJECT}:outputs`]: JSON.stringify({ resultsPrefix: "quality/results/" }),
    });

    assert.equal(outputs.resultsPrefix, "quality/results/");
    assert.equal(parseOutputs(JSON.stringify(outputs), "pulumi stack output --json").resultsPrefix, "quality/results/");
  });
});
