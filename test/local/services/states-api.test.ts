import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type ListExecutionsCommandInput,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { startExecution } from "../../../local/engine/execution";
import { type AwsRecorder, startAwsRecorder } from "../../../local/services/aws-recorder";
import { LOCAL_STATE_MACHINE_ARN, localExecutions } from "../../../local/services/executions";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../local/services/services";

const EXECUTIONS = LOCAL_STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:");

/** Which error a call was refused with ("answered" when it was not). */
async function refusal(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => "answered",
    (e: Error) => e.name,
  );
}

describe("local Step Functions endpoint: ListExecutions, StopExecution, GetExecutionHistory", () => {
  let aws: AwsRecorder;
  let sfn: SFNClient;

  beforeEach(async () => {
    localExecutions.clear();
    aws = await startAwsRecorder();
    sfn = new SFNClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: aws.env.AWS_ENDPOINT_URL_SFN,
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    sfn.destroy();
    await aws.stop();
    localExecutions.clear();
  });

  it("lists a state machine's executions newest first, filtered by status, a page at a time", async () => {
    for (const [i, name] of ["old", "middle", "new"].entries()) {
      localExecutions.started(name, LOCAL_STATE_MACHINE_ARN, {}, `2026-01-0${i + 1}T00:00:00.000Z`);
    }
    localExecutions.ended("middle", "FAILED");
    localExecutions.started("elsewhere", `${LOCAL_STATE_MACHINE_ARN}-other`, {}, "2026-01-05T00:00:00.000Z");

    const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN }));
    assert.deepEqual(
      all.executions?.map((e) => [e.name, e.status, e.executionArn]),
      [
        ["new", "RUNNING", `${EXECUTIONS}:new`],
        ["middle", "FAILED", `${EXECUTIONS}:middle`],
        ["old", "RUNNING", `${EXECUTIONS}:old`],
      ],
    );
    assert.equal(all.executions?.[2].startDate?.toISOString(), "2026-01-01T00:00:00.000Z");
    assert.equal(all.nextToken, undefined);

    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, statusFilter: "FAILED" }),
    );
    assert.deepEqual(
      failed.executions?.map((e) => e.name),
      ["middle"],
    );

    const first = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, maxResults: 2 }),
    );
    assert.deepEqual(
      first.executions?.map((e) => e.name),
      ["new", "middle"],
    );
    assert.ok(first.nextToken);
    const second = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    );
    assert.deepEqual(
      second.executions?.map((e) => e.name),
      ["old"],
    );
    assert.equal(second.nextToken, undefined);
  });

  it("refuses what Step Functions refuses: a bad token, an unknown state machine, a bad status, too large a page", async () => {
    const list = (input: ListExecutionsCommandInput) => refusal(sfn.send(new ListExecutionsCommand(input)));
    assert.equal(await list({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, nextToken: "not-a-token" }), "InvalidToken");
    assert.equal(await list({ stateMachineArn: `${LOCAL_STATE_MACHINE_ARN}-x` }), "StateMachineDoesNotExist");
    assert.equal(await list({ stateMachineArn: "csv-pipeline" }), "InvalidArn");
    assert.equal(
      await list({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, statusFilter: "DONE" as "FAILED" }),
      "ValidationException",
    );
    assert.equal(await list({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, maxResults: 1001 }), "ValidationException");
    assert.equal(
      await refusal(sfn.send(new StopExecutionCommand({ executionArn: `${EXECUTIONS}:nobody` }))),
      "ExecutionDoesNotExist",
    );
    assert.equal(
      await refusal(sfn.send(new GetExecutionHistoryCommand({ executionArn: `${EXECUTIONS}:nobody` }))),
      "ExecutionDoesNotExist",
    );
  });

  it("stops a running local execution: ABORTED with the given error, its run aborted, its history ending so", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const definition = {
      StartAt: "Prepare",
      States: {
        Prepare: { Type: "Pass", Next: "Work" },
        Work: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true },
      },
    };
    const execution = startExecution(
      definition,
      { key: "incoming/x.csv" },
      {
        handlers: { Work: () => held.then(() => ({})) },
        context: { Execution: { Name: "to-stop", StartTime: new Date().toISOString() } },
      },
    );
    const executionArn = `${EXECUTIONS}:to-stop`;
    // Wait until the Task is entered.
    for (let i = 0; i < 50 && !localExecutions.get("to-stop")?.steps?.some((s) => s.state === "Work"); i++)
      await new Promise((r) => setTimeout(r, 10));

    const running = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    assert.deepEqual(
      running.events?.map((e) => e.type),
      ["ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered"],
    );
    assert.equal(running.events?.[0].executionStartedEventDetails?.input, JSON.stringify({ key: "incoming/x.csv" }));
    assert.equal(running.events?.[1].stateEnteredEventDetails?.name, "Prepare");

    const stopped = await sfn.send(new StopExecutionCommand({ executionArn, error: "Operator", cause: "wrong file" }));
    assert.ok(stopped.stopDate instanceof Date);
    release();
    const outcome = await execution.done;
    assert.equal(outcome.status, "FAILED", "the local run was aborted");
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    assert.equal(described.status, "ABORTED");
    assert.equal(described.error, "Operator");
    assert.equal(described.cause, "wrong file");

    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }));
    assert.deepEqual(
      history.events?.map((e) => [e.type, e.id, e.previousEventId]),
      [
        ["ExecutionAborted", 5, 4],
        ["TaskStateEntered", 4, 3],
      ],
    );
    assert.deepEqual(history.events?.[0].executionAbortedEventDetails, { error: "Operator", cause: "wrong file" });
    assert.ok(history.nextToken);
    // Stopping an execution that has ended changes nothing.
    await sfn.send(new StopExecutionCommand({ executionArn }));
    assert.equal((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status, "ABORTED");
  });

  it("tells the start listener of each execution StartExecution starts (a local stack runs it)", async () => {
    const heard: string[] = [];
    localExecutions.setStartListener((record) => heard.push(`${record.name} ${record.input}`));
    try {
      await sfn.send(
        new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: "rerun-1", input: "{}" }),
      );
      await sfn.send(
        new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: "rerun-1", input: "{}" }),
      );
    } finally {
      localExecutions.setStartListener(undefined);
    }
    assert.deepEqual(heard, ["rerun-1 {}"], "the same request again starts nothing new");
  });
});

describe("localExecutions.persistIn", () => {
  const dir = mkdtempSync(join(tmpdir(), "executions-"));
  after(() => {
    localExecutions.clear();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the executions in a file, and reads one RUNNING when its stack stopped as ABORTED", () => {
    const file = join(dir, "executions.json");
    localExecutions.clear();
    localExecutions.persistIn(file);
    localExecutions.started("done", LOCAL_STATE_MACHINE_ARN, { a: 1 }, "2026-01-01T00:00:00.000Z");
    localExecutions.ended("done", "SUCCEEDED", { output: { ok: true } });
    localExecutions.started("cut-off", LOCAL_STATE_MACHINE_ARN, {}, "2026-01-02T00:00:00.000Z");
    const written = readFileSync(file, "utf8");

    localExecutions.clear();
    assert.equal(localExecutions.get("done"), undefined);
    writeFileSync(file, written);
    localExecutions.persistIn(file);
    assert.equal(localExecutions.get("done")?.status, "SUCCEEDED");
    assert.equal(localExecutions.get("done")?.output, '{"ok":true}');
    const cut = localExecutions.get("cut-off");
    assert.equal(cut?.status, "ABORTED");
    assert.ok(cut?.stopDate);
    assert.deepEqual(
      localExecutions.list(LOCAL_STATE_MACHINE_ARN).map((r) => r.name),
      ["cut-off", "done"],
    );
  });
});
