import type { RunManifest } from "../../functions/contract";
import { executionConsoleUrl, s3FolderConsoleUrl } from "../../functions/core/notify/links";
import { UsageError } from "../../local/usage-error";
import type { CommandArgs, OpsContext } from "../context";
import { countsOfItems, type RunCounts } from "../counts";
import { describeExecution, executionItems, readManifest, unknownExecution } from "../store";

/** One notice of the run, from the check's ledger (`EXEC#<exec>` / `NOTIFY#<channel>`). */
export interface NoticeLine {
  channel: string;
  status: string;
  reason?: string;
  attempts?: number;
}

/** One run as `show --json` prints it. Scripts depend on this shape: fields are added, never changed. */
export interface ShowDocument {
  executionName: string;
  feed: string | null;
  key: string | null;
  /** Step Functions' status (`UNKNOWN` when it no longer knows the execution: older than 90 days). */
  status: string;
  startedAt: string | null;
  stoppedAt: string | null;
  rows: RunCounts["rows"];
  errors: RunCounts["errors"];
  notifications: NoticeLine[];
  /** The row outcome files in the bucket, from the run's manifest; null when no manifest was written. */
  outcomes: {
    manifest: string;
    status: RunManifest["status"];
    rejectedRows: string;
    rejectedErrors: string;
    processedParts: string[];
    missingChunks: number[];
  } | null;
  links: { execution?: string; rejectedFolder?: string; dashboard?: string };
  /** `s3://<bucket>/results/<exec>.html`: the run's report, where the stack writes one. */
  report: string;
}

export const SHOW_OPTIONS = { json: { type: "boolean" } } as const;

/** The execution name a command is given: exactly one positional argument. */
export function executionArgument(command: string, args: CommandArgs): string {
  if (args.positionals.length !== 1)
    throw new UsageError(`${command} takes one execution name (\`npm run ops -- runs\` lists them)`);
  return args.positionals[0];
}

/** Reads everything `show` tells of one run; an execution the stack knows nothing of is refused. */
export async function showDocument(ctx: OpsContext, exec: string): Promise<ShowDocument> {
  const { clients, outputs } = ctx;
  const items = await executionItems(clients, outputs, exec);
  const manifest = await readManifest(clients, outputs, exec);
  const view = await describeExecution(clients, outputs, exec);
  if (view === undefined && items.file === undefined && items.chunks.length === 0 && manifest === undefined)
    throw unknownExecution(exec);
  const counts = countsOfItems(items);
  const prefix = "NOTIFY#";
  return {
    executionName: exec,
    feed: String(items.file?.feed ?? manifest?.feed ?? "") || null,
    key: String(items.file?.key ?? manifest?.key ?? "") || null,
    status: view?.status ?? "UNKNOWN",
    startedAt: view?.startDate?.toISOString() ?? null,
    stoppedAt: view?.stopDate?.toISOString() ?? null,
    rows: counts.rows,
    errors: counts.errors,
    notifications: items.notices.map((n) => ({
      channel: String(n.sk).slice(prefix.length),
      status: String(n.status ?? "pending"),
      ...(typeof n.reason === "string" ? { reason: n.reason } : {}),
      ...(typeof n.attempts === "number" ? { attempts: n.attempts } : {}),
    })),
    outcomes:
      manifest === undefined
        ? null
        : {
            manifest: `${outputs.resultsPrefix}${exec}.json`,
            status: manifest.status,
            rejectedRows: manifest.rejected.rows,
            rejectedErrors: manifest.rejected.errors,
            processedParts: manifest.processed?.parts ?? [],
            missingChunks: manifest.chunks.missing,
          },
    links: {
      execution: executionConsoleUrl(outputs.region, outputs.stateMachineArn, exec),
      ...(manifest === undefined
        ? {}
        : { rejectedFolder: s3FolderConsoleUrl(outputs.region, outputs.bucketName, manifest.rejected.folder) }),
      ...(outputs.dashboardUrl === undefined ? {} : { dashboard: outputs.dashboardUrl }),
    },
    report: `s3://${outputs.bucketName}/${outputs.resultsPrefix}${exec}.html`,
  };
}

/** The text `show` prints. */
export function renderShow(doc: ShowDocument): string {
  const sev = doc.errors.bySeverity;
  const types = Object.entries(doc.errors.byType)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`);
  const lines = [
    `${doc.executionName}  ${doc.status}`,
    `  feed ${doc.feed ?? "?"}, key ${doc.key ?? "?"}, started ${doc.startedAt ?? "?"}, stopped ${doc.stoppedAt ?? "-"}`,
    `  rows      ${doc.rows.total} (valid ${doc.rows.valid}, invalid ${doc.rows.invalid})`,
    `  errors    ${doc.errors.total} (critical ${doc.errors.critical}: CRITICAL ${sev.CRITICAL}, HIGH ${sev.HIGH}; MEDIUM ${sev.MEDIUM}, LOW ${sev.LOW})`,
    `  by type   ${types.length > 0 ? types.join(", ") : "-"}`,
    `  notices   ${doc.notifications.length > 0 ? doc.notifications.map((n) => `${n.channel} ${n.status}${n.reason ? ` (${n.reason})` : ""}`).join(", ") : "none sent"}`,
  ];
  if (doc.outcomes === null) lines.push("  outcomes  no manifest (the aggregation did not write one)");
  else {
    lines.push(`  manifest  ${doc.outcomes.manifest} (${doc.outcomes.status})`);
    lines.push(`  rejected  ${doc.outcomes.rejectedRows}, ${doc.outcomes.rejectedErrors}`);
    lines.push(`  processed ${doc.outcomes.processedParts.length} part(s)`);
    if (doc.outcomes.missingChunks.length > 0)
      lines.push(`  missing   chunks ${doc.outcomes.missingChunks.join(", ")}`);
  }
  if (doc.links.execution) lines.push(`  console   ${doc.links.execution}`);
  if (doc.links.rejectedFolder) lines.push(`  folder    ${doc.links.rejectedFolder}`);
  if (doc.links.dashboard) lines.push(`  dashboard ${doc.links.dashboard}`);
  lines.push(`  report    ${doc.report} (written by the check before its notices; absent only if that write failed)`);
  return lines.join("\n");
}

/** `show EXEC [--json]`: one run. */
export async function showCommand(ctx: OpsContext, args: CommandArgs): Promise<number> {
  const doc = await showDocument(ctx, executionArgument("show", args));
  ctx.out(args.values.json === true ? JSON.stringify(doc, null, 2) : renderShow(doc));
  return 0;
}
