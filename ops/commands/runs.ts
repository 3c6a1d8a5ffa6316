import { UNKNOWN_FEED } from "../../functions/contract";
import { UsageError } from "../../local/usage-error";
import { type CommandArgs, type OpsContext, table } from "../context";
import { countsOfItems, countsOfRunItem } from "../counts";
import { describeExecution, executionItems, type FeedRunItem, feedRuns } from "../store";

/** One run as `runs --json` prints it. Scripts depend on this shape: fields are added, never changed. */
export interface RunLine {
  executionName: string;
  /** The run's feed; `null` for an upload under no feed's prefix (the run failed without reading it). */
  feed: string | null;
  key: string;
  startedAt: string;
  status: string;
  rows: { total: number; valid: number; invalid: number };
  errors: { total: number; critical: number };
}

export const RUNS_OPTIONS = {
  feed: { type: "string" },
  since: { type: "string" },
  limit: { type: "string" },
  json: { type: "boolean" },
} as const;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `--since`: an age (`30m`, `12h`, `1d`, `2w`) or an ISO date/time. */
export function parseSince(text: string, now: Date): Date {
  const age = /^(\d{1,6})([mhdw])$/.exec(text);
  if (age) return new Date(now.getTime() - Number(age[1]) * UNITS[age[2]]);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`--since "${text}" is neither an age (30m, 12h, 1d, 2w) nor an ISO date (2024-01-31)`);
  return new Date(ms);
}

/** `--limit`: 1 to 1000 (default 20). */
export function parseLimit(text: string | undefined): number {
  if (text === undefined) return 20;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new UsageError(`--limit "${text}" must be a whole number from 1 to 1000`);
  return n;
}

async function lineOf(ctx: OpsContext, run: FeedRunItem): Promise<RunLine> {
  const counts =
    countsOfRunItem(run) ?? countsOfItems(await executionItems(ctx.clients, ctx.outputs, run.executionName));
  const status =
    run.status ?? (await describeExecution(ctx.clients, ctx.outputs, run.executionName))?.status ?? "UNKNOWN";
  return {
    executionName: run.executionName,
    feed: run.feed === UNKNOWN_FEED ? null : run.feed,
    key: run.key,
    startedAt: run.startTime,
    status,
    rows: counts.rows,
    errors: { total: counts.errors.total, critical: counts.errors.critical },
  };
}

/**
 * `runs`: the stack's recent runs, newest first, from each feed's `RUN#` items — and, without `--feed`, those of
 * uploads under no feed's prefix, which the check records apart (`FEED#(unknown)`) — ; counts and status from the
 * item when the check wrote them there, else summed from the run's items and asked of Step Functions.
 */
export async function runsCommand(ctx: OpsContext, args: CommandArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`runs takes no argument (got "${args.positionals[0]}")`);
  const feeds = Object.keys(ctx.outputs.uploadPrefixes);
  const feed = args.values.feed as string | undefined;
  if (feed !== undefined && !feeds.includes(feed))
    throw new UsageError(`unknown feed "${feed}"; the stack's feeds: ${feeds.join(", ")}`);
  const since = args.values.since === undefined ? undefined : parseSince(String(args.values.since), ctx.now());
  const limit = parseLimit(args.values.limit as string | undefined);
  const found: FeedRunItem[] = [];
  for (const f of feed === undefined ? [...feeds, UNKNOWN_FEED] : [feed])
    found.push(...(await feedRuns(ctx.clients, ctx.outputs, f, since, limit)));
  found.sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0));
  const lines: RunLine[] = [];
  for (const run of found.slice(0, limit)) lines.push(await lineOf(ctx, run));
  if (args.values.json === true) {
    ctx.out(JSON.stringify(lines, null, 2));
    return 0;
  }
  if (lines.length === 0) {
    ctx.out(
      `no runs${since === undefined ? "" : ` since ${since.toISOString()}`}${feed === undefined ? "" : ` of feed ${feed}`}`,
    );
    return 0;
  }
  ctx.out(
    table(
      ["STARTED", "STATUS", "FEED", "ROWS", "INVALID", "ERRORS", "CRITICAL", "EXECUTION", "KEY"],
      lines.map((l) => [
        l.startedAt,
        l.status,
        l.feed ?? "-",
        String(l.rows.total),
        String(l.rows.invalid),
        String(l.errors.total),
        String(l.errors.critical),
        l.executionName,
        l.key,
      ]),
    ),
  );
  if (lines.some((l) => l.feed === null))
    ctx.out("FEED -: the upload was under no feed's prefix; the run failed without reading it (`show` tells why)");
  return 0;
}
