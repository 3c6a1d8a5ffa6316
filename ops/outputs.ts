import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { DEFAULT_OUTCOME_SETTINGS } from "../functions/contract";
import { UsageError } from "../local/usage-error";
import { OpsFailureError } from "./failure";

/**
 * The stack outputs the operator's commands read: what `pulumi stack output --json` prints for a deployed stack
 * (index.ts exports them), or a file holding that JSON.
 */
export interface StackOutputs {
  bucketName: string;
  stateMachineArn: string;
  errorTableName: string;
  runsTableName: string;
  /** Feed name → `s3://bucket/prefix`: the feeds whose runs `runs` lists. */
  uploadPrefixes: Record<string, string>;
  /** Prefix of the run manifests (`results/` unless the stack's `outputs.resultsPrefix` moves them). */
  resultsPrefix: string;
  dashboardUrl?: string;
  /** The stack's region, read from the state machine's ARN (for console links). */
  region: string;
}

const REQUIRED = ["bucketName", "stateMachineArn", "errorTableName", "runsTableName", "uploadPrefixes"] as const;

/** Reads and checks the outputs JSON; `source` names where it came from in every refusal. */
export function parseOutputs(text: string, source: string): StackOutputs {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new OpsFailureError(`${source} is not JSON: write it with \`pulumi stack output --json > FILE\``, {
      cause: err,
    });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new OpsFailureError(`${source} is not a JSON object of stack outputs (pulumi stack output --json)`);
  const o = raw as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => o[k] === undefined || o[k] === null);
  if (missing.length > 0)
    throw new OpsFailureError(
      `${source} has no ${missing.join(", ")}: is it the output of this project's stack (pulumi stack output --json)?`,
    );
  const prefixes = o.uploadPrefixes;
  if (typeof prefixes !== "object" || prefixes === null || Array.isArray(prefixes))
    throw new OpsFailureError(`${source}: uploadPrefixes must be an object of feed name → s3://bucket/prefix`);
  const arn = String(o.stateMachineArn);
  const region = arn.split(":")[3];
  if (!arn.startsWith("arn:") || !region)
    throw new OpsFailureError(`${source}: stateMachineArn "${arn}" is not a state machine ARN`);
  return {
    bucketName: String(o.bucketName),
    stateMachineArn: arn,
    errorTableName: String(o.errorTableName),
    runsTableName: String(o.runsTableName),
    uploadPrefixes: Object.fromEntries(Object.entries(prefixes).map(([k, v]) => [k, String(v)])),
    resultsPrefix: typeof o.resultsPrefix === "string" ? o.resultsPrefix : DEFAULT_OUTCOME_SETTINGS.resultsPrefix,
    ...(typeof o.dashboardUrl === "string" ? { dashboardUrl: o.dashboardUrl } : {}),
    region,
  };
}

/** Runs `pulumi` with `args` and gives its standard output (a function, so a test can stand in for the binary). */
export type PulumiRunner = (args: string[]) => Promise<string>;

/** The real `pulumi` binary on the PATH. */
export const runPulumi: PulumiRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile("pulumi", args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr) }));
      else resolve(String(stdout));
    });
  });

/** The stack outputs from `--outputs FILE` or `--stack NAME` (exactly one of them). */
export async function loadOutputs(
  where: { outputs?: string; stack?: string },
  pulumi: PulumiRunner = runPulumi,
): Promise<StackOutputs> {
  if (where.outputs !== undefined && where.stack !== undefined)
    throw new UsageError("give --stack NAME or --outputs FILE, not both");
  if (where.outputs !== undefined) {
    let text: string;
    try {
      text = readFileSync(where.outputs, "utf8");
    } catch (err) {
      throw new OpsFailureError(
        `cannot read --outputs ${where.outputs} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): write it with \`pulumi stack output --json > FILE\``,
        { cause: err },
      );
    }
    return parseOutputs(text, where.outputs);
  }
  if (where.stack === undefined) throw new UsageError("say which stack: --stack NAME or --outputs FILE");
  const stack = where.stack;
  let text: string;
  try {
    text = await pulumi(["stack", "output", "--json", "--stack", stack]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT")
      throw new OpsFailureError("the Pulumi CLI is not installed; use --outputs FILE", { cause: err });
    const said = (e.stderr ?? "").trim();
    if (/no stack named|stack .* not found/i.test(said))
      throw new OpsFailureError(
        `stack "${stack}" not found: \`pulumi stack ls\` lists this project's stacks (or use --outputs FILE)`,
        { cause: err },
      );
    const first = said.split("\n").find((l) => l.trim() !== "") ?? e.message.split("\n")[0];
    throw new OpsFailureError(`pulumi stack output --stack ${stack} failed: ${first.trim()}`, { cause: err });
  }
  return parseOutputs(text, `the outputs of stack "${stack}"`);
}
