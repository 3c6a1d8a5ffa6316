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

/**
 * `rerun EXEC [--force] [--wait] [--json]`: starts the state machine again with the run's own input (the same object
 * version) under a new name. Allowed when the run failed, timed out or was aborted, as the upload's claim is then
 * taken over by the new run; `--force` starts it otherwise, and the new run then finds the upload claimed by a run
 * that did not fail and ends as a duplicate without processing the file again.
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
  const started = await ctx.clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn: ctx.outputs.stateMachineArn, name, input: view.input }),
  );
  const json = args.values.json === true;
  if (!allowed && !json)
    ctx.out(`note: "${exec}" is ${view.status}, so ${name} finds the upload already claimed and ends as a duplicate`);
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
