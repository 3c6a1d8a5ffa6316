import assert from "node:assert/strict";
import { runProgram } from "../support/infra-program";
import { MOCK_ACCOUNT, type MockResource } from "../support/pulumi-mocks";

interface KeyStatement {
  Sid: string;
  Principal: Record<string, string>;
  Action: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

describe("The alert topics' KMS key (under mocks)", () => {
  let statements: KeyStatement[];

  before(async function () {
    this.timeout(120_000);
    const { resources } = await runProgram();
    const key = resources.find((r: MockResource) => r.type === "aws:kms/key:Key")!;
    statements = (JSON.parse(String(key.inputs.policy)) as { Statement: KeyStatement[] }).Statement;
  });

  it("lets CloudWatch use the key only on behalf of alarms of this account (aws:SourceAccount)", () => {
    const cloudwatch = statements.filter((s) => s.Principal.Service === "cloudwatch.amazonaws.com");
    assert.equal(cloudwatch.length, 1);
    assert.deepEqual(cloudwatch[0].Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
    assert.deepEqual(cloudwatch[0].Condition, { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT } });
  });

  it("grants no other service principal anything", () => {
    const services = statements.filter((s) => s.Principal.Service !== undefined).map((s) => s.Principal.Service);
    assert.deepEqual(services, ["cloudwatch.amazonaws.com"]);
  });
});
