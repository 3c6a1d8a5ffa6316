import assert from "node:assert/strict";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { type AwsRecorder, startAwsRecorder } from "../../../local/services/aws-recorder";
import { LOCAL_STATE_MACHINE_ARN, localExecutions } from "../../../local/services/executions";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../local/services/services";

describe("local Step Functions endpoint: StartExecution", () => {
  let aws: AwsRecorder;
  let sfn: SFNClient;
  const name = `start-test-${process.pid}-${Date.now()}`;

  before(async () => {
    aws = await startAwsRecorder();
    sfn = new SFNClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: aws.env.AWS_ENDPOINT_URL_SFN,
      maxAttempts: 1,
    });
  });
  after(async () => {
    sfn.destroy();
    await aws.stop();
  });

  async function refusal(input: ConstructorParameters<typeof StartExecutionCommand>[0]): Promise<string> {
    const err = await sfn.send(new StartExecutionCommand(input)).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, "StartExecution was refused");
    return err.name;
  }

  it("registers the execution as RUNNING, answers the same request again, and refuses a name used before", async () => {
    const input = JSON.stringify({ bucket: "b", key: "incoming/x.csv" });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name, input }));
    assert.equal(first.executionArn, `${LOCAL_STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${name}`);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    assert.equal(described.status, "RUNNING");
    assert.equal(described.input, input);
    // An open execution with the same name and input: the same request, answered again.
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name, input }));
    assert.equal(again.executionArn, first.executionArn);
    assert.equal(
      await refusal({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name, input: "{}" }),
      "ExecutionAlreadyExists",
    );
    localExecutions.ended(name, "FAILED");
    assert.equal(await refusal({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name, input }), "ExecutionAlreadyExists");
  });

  it("refuses an invalid name and an unknown state machine as Step Functions does", async () => {
    assert.equal(await refusal({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: "a b", input: "{}" }), "InvalidName");
    assert.equal(
      await refusal({ stateMachineArn: `${LOCAL_STATE_MACHINE_ARN}-other`, name: "x", input: "{}" }),
      "StateMachineDoesNotExist",
    );
    assert.equal(
      await refusal({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: "bad-input", input: "{" }),
      "InvalidExecutionInput",
    );
  });

  it("refuses a name over 80 characters and an input over 256 KiB (UTF-8 bytes) as the API's validation does", async () => {
    assert.equal(
      await refusal({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: "n".repeat(81), input: "{}" }),
      "ValidationException",
    );
    // 262,144 bytes exactly is accepted; one more byte (here: a two-byte character in place of one) is not.
    const fits = JSON.stringify({ pad: "x".repeat(262_144 - 10) });
    assert.equal(Buffer.byteLength(fits), 262_144);
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: "input-at-limit", input: fits }),
    );
    assert.match(started.executionArn ?? "", /:input-at-limit$/);
    const over = JSON.stringify({ pad: `é${"x".repeat(262_144 - 11)}` });
    assert.equal(over.length, 262_144);
    assert.equal(
      await refusal({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: "input-over-limit", input: over }),
      "ValidationException",
    );
  });
});
