import { readRunSummaries } from "./adapters/chunk-summaries";
import { dynamoFeedHistory } from "./adapters/feed-history";
import { decodeEventKey, putJson, readObjectText } from "./adapters/s3";
import { composeObjects } from "./adapters/s3-compose";
import { type AggregateOutput, ENV, OUTCOME_KEYS } from "./contract";
import { usesHistory } from "./core/dataset/records";
import { FUNCTION_ENV, optionalEnv, requireEnv } from "./core/env";
import { InputError } from "./core/errors";
import { feedLabel, findFeed } from "./core/feeds";
import { type AggregateEvent, aggregateInput } from "./core/inputs";
import { createLogger } from "./core/log";
import { UTF8_BOM } from "./core/outcomes/csv-text";
import { composedDatasetFindings, composedDatasetRules } from "./core/outcomes/dataset-findings";
import { aggregateOutputOf, buildManifest, composition, type RunOutcomeInput } from "./core/outcomes/manifest";
import { outcomeSettings, outputLocale } from "./core/outcomes/settings";

export type { AggregateEvent } from "./core/inputs";

const log = createLogger("aggregate-results");

/**
 * Composes the run's row outcomes and writes its manifest:
 * 1. reads the FILE and CHUNK summaries of the execution (consistent, every page) — chunks without one are missing;
 * 2. streams `rejected/<exec>/rows.csv` (BOM, header, each completed chunk's rejected rows) and
 *    `rejected/<exec>/errors.csv` (BOM, columns, a rejected file's error, each completed chunk's error lines) into
 *    the input bucket, parts in chunk order;
 * 3. writes `results/<exec>.json` (RunManifest) to RESULTS_BUCKET, else the input bucket,
 * and returns the counts. `errors.csv` speaks the locale of the key's feed; the manifest names the feed
 * (`UNKNOWN_FEED`, and the function's own locale, when the key is under none: the split failed, nothing to compose). A retry rewrites the same keys with the same bytes (the manifest's `composedAt` aside).
 */
export async function handler(event: AggregateEvent, _context?: unknown): Promise<AggregateOutput> {
  const input = aggregateInput(event);
  const runsTable = requireEnv(ENV.runsTable);
  const settings = outcomeSettings();
  const { header } = input;
  const exec = input.executionName;
  // The split's (decoded) key, or the event's when the split failed: either form finds the feed.
  const entry = findFeed(input.key) ?? findFeed(decodeEventKey(input.key));
  const feed = feedLabel(entry);

  const { file, chunks } = await readRunSummaries(runsTable, exec);
  if (chunks.length > 0 && header.length === 0 && !input.headerRange) {
    throw new InputError(
      `aggregate-results input lacks the header of ${input.key} while ${chunks.length} chunk(s) of execution ${exec} completed: the state machine must pass $.split.header, or rows.csv would not be a valid input.`,
    );
  }
  const outcome: RunOutcomeInput = {
    executionName: exec,
    bucket: input.bucket,
    key: input.key,
    chunkCount: Number(input.chunkCount ?? 0),
    header,
    splitStatus: input.splitStatus ?? file?.status ?? "NOT_RUN",
    file,
    chunks,
    settings,
    locale: outputLocale(FUNCTION_ENV, entry),
    feed,
  };

  // The dataset findings the check records, on the same counts and the same earlier runs: errors.csv lists them first.
  const rules = composedDatasetRules(outcome);
  if (rules) {
    const history = usesHistory(rules)
      ? await dynamoFeedHistory(runsTable).readRuns(file?.feed ?? feed, exec, rules.history?.window ?? 0)
      : undefined;
    outcome.dataset = composedDatasetFindings(outcome, rules, history);
  }

  const files = composition(outcome);
  // A header too long for the state: the chunks that completed left its line beside their parts.
  if (header.length === 0 && input.headerRange && chunks.length > 0) {
    const line = await readObjectText(input.bucket, OUTCOME_KEYS.headerPart(settings, exec));
    files.rows.head = (settings.bom ? UTF8_BOM : "") + line;
  }
  // Both files at once: each one's parts stream in order, and one's round trips overlap the other's copying.
  const [rowsBytes, errorsBytes] = await composeObjects(input.bucket, [files.rows, files.errors], log);

  const manifest = buildManifest(outcome, new Date().toISOString());
  const resultBucket = optionalEnv(ENV.resultsBucket) ?? input.bucket;
  const resultKey = OUTCOME_KEYS.manifest(settings, exec);
  await putJson(resultBucket, resultKey, manifest);
  log.info("row outcomes composed", {
    executionName: exec,
    feed,
    status: manifest.status,
    missingChunks: manifest.chunks.missing.length,
    rejectedRows: manifest.rejected.rowCount,
    errorLines: manifest.rejected.errorCount,
    rowsBytes,
    errorsBytes,
  });
  return aggregateOutputOf(manifest, resultKey);
}
