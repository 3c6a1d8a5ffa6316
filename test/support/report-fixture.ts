import { DEFAULT_OUTCOME_SETTINGS } from "../../functions/contract";
import type { TimelineEntry } from "../../local/engine/execution";
import { outcomeKeys } from "../../local/report/outcomes";
import { type RunReport, summarizeStates } from "../../local/report/report";

/** Execution name of {@link reportFixture}'s run. */
export const FIXTURE_EXECUTION = "local-20250603T010000-abcdef";

/** A run report with the given timeline, no rows, no notices, no metrics and no row outcomes. */
export function reportFixture(timeline: TimelineEntry[] = []): RunReport {
  const stateSummaries = summarizeStates(timeline);
  return {
    document: {
      executionName: FIXTURE_EXECUTION,
      feed: "default",
      status: "SUCCEEDED",
      states: stateSummaries.map((s) => s.name),
      rows: { total: 0, valid: 0, invalid: 0 },
      errors: { total: 0, critical: 0, byType: {}, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } },
      warnings: { total: 0, byType: {} },
      notifications: [],
      metrics: [],
      stateResults: [],
      outcomes: null,
      awsLimits: [],
    },
    notices: [],
    timeline,
    stateSummaries,
    definition: {},
    renderMermaid: () => "flowchart TD\n",
    input: { bucket: "b", key: "incoming/x.csv", bytes: 10, csvPath: "/x.csv", schemaPath: "/x.schema.yaml" },
    feed: { name: "default", prefix: "incoming/" },
    pattern: "sequential",
    startTime: "2025-06-03T01:00:00.000Z",
    durationMs: 90,
    injected: [],
    mapConcurrency: { configured: 4, local: 4, cpus: 2, perCpu: 2 },
    throttledBatches: 0,
    logs: [],
    outcomes: { keys: outcomeKeys(DEFAULT_OUTCOME_SETTINGS, FIXTURE_EXECUTION), late: [] },
    examples: [],
    console: { region: "ap-northeast-1", links: {} },
  };
}
