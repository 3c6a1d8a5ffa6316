import type { RunReportView } from "../../functions/core/report/run-report";
import type { RunReport } from "./report";

/**
 * The local run as the shared report sections show it (`functions/core/report`), so that `report.html` begins with
 * the sections the deployed check writes to the bucket: the run document's counts and status, the feed, the check's
 * examples and links, the row outcome keys.
 */
export function localReportView(report: RunReport): RunReportView {
  const d = report.document;
  const keys = report.outcomes.keys;
  // Processed parts exist unless the manifest says none were written (`outputs.processed` off).
  const processed = report.outcomes.manifest?.processed !== null;
  return {
    executionName: d.executionName,
    status: d.status === "SUCCEEDED" ? "SUCCEEDED" : "FAILED",
    feed: { name: report.feed.name, prefix: report.feed.prefix },
    file: { bucket: report.input.bucket, key: report.input.key },
    startTime: report.startTime,
    failure: report.failure ? [`${report.failure.error}: ${report.failure.cause}`] : [],
    rows: d.rows,
    errors: d.errors,
    warnings: d.warnings,
    ...(d.dataset ? { dataset: d.dataset } : {}),
    examples: report.examples,
    outcomes: {
      rejectedRows: keys.rejectedRows,
      rejectedErrors: keys.rejectedErrors,
      manifest: keys.manifest,
      report: keys.report,
      ...(processed ? { processedFolder: keys.processedFolder } : {}),
    },
    consoleRegion: report.console.region,
    links: report.console.links,
  };
}
