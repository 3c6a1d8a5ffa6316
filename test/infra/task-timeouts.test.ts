import assert from "node:assert/strict";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey, TASK_TIMEOUT_MARGIN_SECONDS } from "../../infra/functions";
import { runProgram } from "../support/infra-program";

interface TaskState {
  name: string;
  TimeoutSeconds?: number;
  functionArn?: string;
}

/** Every Task state of a definition (nested Parallel branches and Map processors included). */
function taskStates(states: Record<string, Record<string, unknown>>): TaskState[] {
  return Object.entries(states).flatMap(([name, state]): TaskState[] => {
    const nested = [
      ...((state.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined) ?? []),
      ...[state.ItemProcessor, state.Iterator].filter(Boolean),
    ].flatMap((g) => taskStates((g as { States: Record<string, Record<string, unknown>> }).States));
    if (state.Type !== "Task") return nested;
    const parameters = (state.Parameters ?? state.Arguments ?? {}) as Record<string, unknown>;
    return [
      {
        name,
        TimeoutSeconds: state.TimeoutSeconds as number | undefined,
        functionArn: parameters.FunctionName as string | undefined,
      },
      ...nested,
    ];
  });
}

describe("Task timeouts of the deployed definition", () => {
  let tasks: TaskState[];
  let keyOfArn: Map<string, FunctionKey>;
  let timeoutOf: Map<FunctionKey, number>;

  before(async function () {
    this.timeout(120_000);
    const { resources } = await runProgram();
    const sm = resources.find((r) => r.type === "aws:sfn/stateMachine:StateMachine")!;
    tasks = taskStates(JSON.parse(String(sm.inputs.definition)).States);
    keyOfArn = new Map();
    timeoutOf = new Map();
    for (const fn of resources.filter((r) => r.type === "aws:lambda/function:Function")) {
      const key = FUNCTION_KEYS.find((k) => fn.name.endsWith(`-${FUNCTION_SPECS[k].name}`))!;
      keyOfArn.set(String(fn.state.arn), key);
      timeoutOf.set(key, Number(fn.inputs.timeout));
    }
  });

  it("waits in every Lambda Task exactly the margin longer than its function may run", () => {
    assert.ok(TASK_TIMEOUT_MARGIN_SECONDS > 0, "the margin must be positive");
    const lambdaTasks = tasks.filter((t) => t.functionArn !== undefined);
    assert.equal(new Set(lambdaTasks.map((t) => keyOfArn.get(t.functionArn!))).size, FUNCTION_KEYS.length);
    for (const task of lambdaTasks) {
      const key = keyOfArn.get(task.functionArn!);
      assert.ok(key, `${task.name} calls ${task.functionArn}, which is not a deployed function`);
      const fnTimeout = timeoutOf.get(key)!;
      assert.equal(fnTimeout, FUNCTION_SPECS[key].timeout);
      assert.equal(
        task.TimeoutSeconds,
        fnTimeout + TASK_TIMEOUT_MARGIN_SECONDS,
        `${task.name}: TimeoutSeconds ${task.TimeoutSeconds} is not ${key}'s timeout ${fnTimeout} s + ${TASK_TIMEOUT_MARGIN_SECONDS} s`,
      );
    }
  });

  it("gives the aggregation a timeout fit for composing a large run's files, and its task one margin more", () => {
    assert.equal(FUNCTION_SPECS.aggregateResults.timeout, 300);
    assert.equal(timeoutOf.get("aggregateResults"), 300);
    const aggregate = tasks.filter(
      (t) => t.functionArn !== undefined && keyOfArn.get(t.functionArn) === "aggregateResults",
    );
    assert.deepEqual(
      aggregate.map((t) => [t.name, t.TimeoutSeconds]),
      [["AggregateResults", 360]],
    );
  });
});
