import assert from "node:assert/strict";
import { runProgram } from "../support/infra-program";
import type { MockResource } from "../support/pulumi-mocks";

interface Statement {
  Sid?: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

describe("the check function's SES grant", () => {
  let statement: Statement;
  before(async function () {
    this.timeout(120_000);
    const { resources } = await runProgram();
    const policies = resources.filter((r: MockResource) => r.type === "aws:iam/rolePolicy:RolePolicy");
    const found = policies
      .flatMap((p) => (JSON.parse(String(p.inputs.policy)) as { Statement: Statement[] }).Statement)
      .filter((s) => s.Action.includes("ses:SendEmail"));
    assert.equal(found.length, 1, "exactly one statement grants ses:SendEmail");
    statement = found[0];
  });

  it("covers the sender's and, for the SES sandbox, every recipient's identity: each address and its domain", () => {
    const identities = statement.Resource.map((arn) =>
      arn.replace(/^arn:aws:ses:ap-northeast-1:123456789012:identity\//, ""),
    );
    assert.deepEqual(identities.sort(), ["alerts@example.com", "data@example.com", "example.com", "ops@example.com"]);
  });

  it("lets the function send only from the configured sender", () => {
    assert.deepEqual(statement.Condition, { StringEquals: { "ses:FromAddress": "alerts@example.com" } });
  });
});
