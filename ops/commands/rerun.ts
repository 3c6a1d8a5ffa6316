import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { CommandArgs, OpsContext } from "../context";
import { OpsFailureError } from "../failure";
import { describeExecution, type ExecutionView, unknownExecution } from "../store";
import { executionArgument, renderShow, showDocument } from "./show";

export const RERUN_OPTIONS = {
  force: { type: "boolean" },
  wait: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** The statuses after which a run may be started again without `--force`. */
export const RERUNNABLE = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

/** Step Functions' longest execution name. */
const MAX_NAME = 80;

/** A new name for a run of `exec`'s input: its name (cut to fit), `-rerun-` and 6 random hex digits. */
export function rerunName(exec: string): string {
  const suffix = `-rerun-${randomBytes(3).toString("hex")}`;
  return `${exec.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

/** Asks Step Functions every `ctx.pollMs` until the execution has ended. */
async function untilEnded(ctx: OpsContext, exec: string): Promise<ExecutionView> {
  for (;;) {
    const view = await describeExecution(ctx.clients, ctx.outputs, exec);
    if (view === undefined) throw unknownExecution(exec);
    if (view.status !== "RUNNING" && view.status !== "PENDING_REDRIVE") return view;
    await sleep(ctx.pollMs);
  }
}

/** Statuses of a run that may still be processing its upload: a forced rerun does not take its claim over. */
const STILL_RUNNING = ["RUNNING", "PENDING_REDRIVE"];

/**
 * The input of a rerun of `exec`: the run's own input (the same object version). A forced rerun names `exec` in it
 * (`takeOverFrom`), so that split-csv takes the upload's claim over from that run although it did not fail; any other
 * rerun carries no such request (one left from an earlier forced rerun is dropped).
 */
export function rerunInput(input: string, exec: string, force: boolean): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (err) {
    throw new OpsFailureError(`run "${exec}" has an input that is not JSON, so it cannot be started again`, {
      cause: err,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new OpsFailureError(`run "${exec}" has an input that is not a JSON object, so it cannot be started again`);
  const { takeOverFrom, ...own } = parsed as Record<string, unknown>;
  if (!force) return takeOverFrom === undefined ? input : JSON.stringify(own);
  return JSON.stringify({ ...own, takeOverFrom: exec });
}

/**
 * `rerun EXEC [--force] [--wait] [--json]`: starts the state machine again with the run's own input (the same object
 * version) under a new name. Allowed when the run failed, timed out or was aborted, as the upload's claim is then
 * taken over by the new run; `--force` starts it otherwise, naming the run it reruns in the new input so that
 * split-csv takes the upload's claim over from it and the file is processed again — unless that run is still
 * running, whose claim is never taken (the new run then ends as a duplicate).
 */
export async function rerunCommand(ctx: OpsContext, args: CommandArgs): Promise<number> {
  const exec = executionArgument("rerun", args);
  const view = await describeExecution(ctx.clients, ctx.outputs, exec);
  if (view === undefined)
    throw new OpsFailureError(
      `Step Functions has no execution "${exec}" of ${ctx.outputs.stateMachineArn} (a wrong name, another stack, or older than 90 days), so its input is unknown; \`npm run ops -- runs\` lists the recent runs`,
    );
  const allowed = (RERUNNABLE as readonly string[]).includes(view.status);
  if (!allowed && args.values.force !== true)
    throw new OpsFailureError(
      `run "${exec}" is ${view.status}; only a ${RERUNNABLE.join(", ")} run is rerun (--force starts it anyway, and the new run ends as a duplicate of this upload)`,
    );
  const name = rerunName(exec);
  const input = rerunInput(view.input, exec, !allowed);
  const started = await ctx.clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn: ctx.outputs.stateMachineArn, name, input }),
  );
  const json = args.values.json === true;
  if (!allowed && !json)
    ctx.out(
      STILL_RUNNING.includes(view.status)
        ? `note: "${exec}" is ${view.status}: ${name} does not take a running run's upload over and ends as a duplicate`
        : `note: "${exec}" is ${view.status}: ${name} takes its upload over and processes the file again`,
    );
  if (args.values.wait !== true) {
    const doc = {
      executionName: name,
      executionArn: started.executionArn,
      startedAt: started.startDate?.toISOString() ?? null,
      rerunOf: exec,
    };
    ctx.out(
      json
        ? JSON.stringify(doc, null, 2)
        : `started ${name} (a rerun of ${exec}); follow it with: npm run ops -- show ${name}`,
    );
    return 0;
  }
  if (!json) ctx.out(`started ${name} (a rerun of ${exec}); waiting for it to end…`);
  const ended = await untilEnded(ctx, name);
  const doc = await showDocument(ctx, name);
  ctx.out(json ? JSON.stringify(doc, null, 2) : renderShow(doc));
  return ended.status === "SUCCEEDED" ? 0 : 1;
}
