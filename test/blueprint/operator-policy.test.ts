import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OPERATOR_POLICY_PLACEHOLDERS, operatorPolicy } from "../../blueprint/operator-policy";

describe("operatorPolicy", () => {
  it("is the policy docs/operate.md shows, placeholders and all", () => {
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "operate.md"), "utf8");
    const block = /## The operator's policy[\s\S]*?```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    assert.ok(block, "docs/operate.md has the operator's policy as a json block");
    assert.deepEqual(JSON.parse(block), operatorPolicy(OPERATOR_POLICY_PLACEHOLDERS));
  });

  it("names a stack's own resources, and the prefixes its outputs setting moves", () => {
    const policy = operatorPolicy({
      region: "eu-west-1",
      account: "111122223333",
      bucket: "b",
      runsTable: "runs",
      errorTable: "errors",
      stateMachine: "sm",
      resultsPrefix: "out/results/",
    });
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s.Resource]));
    assert.deepEqual(bySid.ReadOutcomes, ["arn:aws:s3:::b/out/results/*", "arn:aws:s3:::b/rejected/*"]);
    assert.equal(bySid.Rerun, "arn:aws:states:eu-west-1:111122223333:stateMachine:sm");
    assert.deepEqual(bySid.ReadRuns, [
      "arn:aws:dynamodb:eu-west-1:111122223333:table/runs",
      "arn:aws:dynamodb:eu-west-1:111122223333:table/errors/index/ExecutionName-index",
    ]);
  });
});
