/**
 * `npm start -- --check-arrival`: runs the arrival check of every feed with an `arrival` rule through the real
 * handler, against the local services (kept in `--state`) and the loopback channels, as each feed's schedule does
 * at its deadline.
 */
import { readFileSync } from "node:fs";
import { mergedOutcomeEnvironment } from "../../blueprint/function-env";
import { handler as checkArrivalHandler } from "../../functions/check-arrival";
import { ENV, ERROR_TABLE, NOTIFY_NOW_ENV, RUNS_TABLE } from "../../functions/contract";
import type { ArrivalResult } from "../../functions/core/arrival/check";
import { arrivalEvent } from "../../functions/core/arrival/event";
import type { ArrivalRule } from "../../functions/core/arrival/rule";
import { NotificationDeliveryError } from "../../functions/core/errors";
import { setLogSink } from "../../functions/core/log";
import {
  Cleanups,
  feedSlackParameter,
  LOCAL_SLACK_PARAMETER,
  mergedFeedEnvironment,
  runSubscriptions,
  setEnvironment,
} from "../engine/environment";
import { loadPipeline } from "../engine/pipeline-source";
import { STATE_MACHINE_ACCESS_KEY } from "../engine/tasks";
import { collectMetrics, collectNotices, type MetricEntry, type NoticeEntry, noticeEntry } from "../report/document";
import { startAwsRecorder } from "../services/aws-recorder";
import { LOCAL_BUCKET, LOCAL_REGION } from "../services/services";
import { startServicesProcess } from "../services/services-process";
import { startSlackReceiver } from "../services/slack-receiver";
import { DEFAULT_CSV, DEFAULT_SCHEMA } from "./args";
import type { ArrivalArgs } from "./arrival-args";
import { pickFeed } from "./feed-choice";
import { loadConfig } from "./run-config";

/** One feed's line of the arrival document. */
export interface ArrivalEntry {
  feed: string;
  expectedBy: string | null;
  status: ArrivalResult["status"];
  lastRun: ArrivalResult["lastRun"];
}

/** What `--check-arrival --json` prints. */
export interface ArrivalDocument {
  arrival: ArrivalEntry[];
  /** Each notice as a run prints it, with the feed it is about. */
  notifications: (NoticeEntry & { feed: string })[];
  metrics: MetricEntry[];
}

/** Runs every feed's arrival check once (the feeds without a rule are left out) and returns what happened. */
export async function checkArrivalLocal(args: ArrivalArgs, onLog?: (line: string) => void): Promise<ArrivalDocument> {
  const config = loadConfig(args.configPath);
  const { feeds } = pickFeed(config, { csvPath: DEFAULT_CSV, schema: defaultSchema(config.feeds) });
  // Without feeds the one feed has the file's rule; with feeds, resolving them gave each its own or the file's.
  const rules = feeds.flatMap((feed): { feed: string; rule: ArrivalRule }[] => {
    const rule = feed.arrival ?? (config.feeds === undefined ? config.arrival : undefined);
    return rule ? [{ feed: feed.name, rule }] : [];
  });
  const cleanups = new Cleanups();
  try {
    const previousSink = setLogSink((line) => onLog?.(line));
    cleanups.add(() => setLogSink(previousSink));
    const services = await startServicesProcess({
      bucket: LOCAL_BUCKET,
      errorTable: ERROR_TABLE.defaultName,
      runsTable: RUNS_TABLE.defaultName,
      ...(args.stateDir !== undefined ? { stateDir: args.stateDir } : {}),
    });
    cleanups.add(() => services.stop());
    const ownSlack = feeds.filter((feed) => feed.ownSlack).map((feed) => feed.name);
    const slack = await startSlackReceiver({}, ownSlack);
    cleanups.add(() => slack.stop());
    const aws = await startAwsRecorder({
      parameters: {
        [LOCAL_SLACK_PARAMETER]: slack.webhookUrl,
        ...Object.fromEntries(ownSlack.map((feed) => [feedSlackParameter(feed), slack.feedWebhookUrls[feed]])),
      },
      snsSubscriptions: runSubscriptions(config, feeds),
      ses: {
        verified: [...(config.emailFrom ? [config.emailFrom] : []), ...new Set(feeds.flatMap((f) => f.emailTo))],
        sandbox: true,
        region: LOCAL_REGION,
      },
    });
    cleanups.add(() => aws.stop());
    // The check function's environment, as a deploy gives it (the arrival function shares it).
    const pipeline = loadPipeline("sequential", { mapConcurrency: 1 });
    cleanups.add(
      setEnvironment({
        ...services.env,
        ...aws.env,
        ...mergedOutcomeEnvironment(config.outputs, feeds[0].notify.locale),
        ...mergedFeedEnvironment(feeds, services.bucket),
        [ENV.pipelineName]: config.pipelineName,
        [ENV.alertTopicArn]: pipeline.resources.alertTopic,
        [ENV.emailFrom]: config.emailFrom,
        [ENV.consoleRegion]: LOCAL_REGION,
        [NOTIFY_NOW_ENV]: args.now,
      }),
    );

    const doc: ArrivalDocument = { arrival: [], notifications: [], metrics: [] };
    for (const { feed, rule } of rules) {
      const marks = { aws: aws.calls.length, slack: slack.deliveries.length };
      let result: ArrivalResult;
      try {
        result = await checkArrivalHandler(arrivalEvent(feed, rule));
      } catch (err) {
        if (!(err instanceof NotificationDeliveryError)) throw err;
        // Every channel failed: what each one answered is in the recorders.
        result = {
          feed,
          expectedBy: null,
          status: "missing",
          lastRun: null,
          notifications: err.failures.map((f) => ({ channel: f.channel, status: "failed", reason: f.reason })),
        };
      }
      doc.arrival.push({ feed, expectedBy: result.expectedBy, status: result.status, lastRun: result.lastRun });
      const notices = collectNotices(
        // The channels' statuses, paired with what each endpoint received, as a run's notices are.
        { notifications: result.notifications } as unknown as Parameters<typeof collectNotices>[0],
        aws.calls.slice(marks.aws),
        slack.deliveries.slice(marks.slack),
        STATE_MACHINE_ACCESS_KEY,
      );
      doc.notifications.push(...notices.map((n) => ({ feed, ...noticeEntry(n) })));
    }
    doc.metrics = collectMetrics(aws.calls);
    return doc;
  } finally {
    await cleanups.run();
  }
}

/** The schema a config without feeds gives its one feed (only its text is needed to name the feed). */
function defaultSchema(feeds: unknown): { path: string; text: string } | undefined {
  return feeds === undefined ? { path: DEFAULT_SCHEMA, text: readFileSync(DEFAULT_SCHEMA, "utf8") } : undefined;
}

/** One line per feed, for the terminal. */
export function formatArrival(doc: ArrivalDocument): string {
  if (doc.arrival.length === 0) return "No feed has an arrival rule (set arrival in --config).\n";
  const lines = doc.arrival.map(
    (a) =>
      `${a.feed}: ${a.status}${a.expectedBy ? ` (expected by ${a.expectedBy})` : ""}${a.lastRun ? `, last run ${a.lastRun.startTime} ${a.lastRun.key}` : ", no run on record"}`,
  );
  const sent = doc.notifications.map(
    (n) => `  ${n.feed} → ${n.channel}: ${n.status}${n.subject ? ` "${n.subject}"` : ""}`,
  );
  return `${[...lines, ...sent].join("\n")}\n`;
}
