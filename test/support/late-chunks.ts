import type { TaskWrapper } from "../../local/engine/tasks";

/**
 * Orders the race of a run whose first chunk crashes, whatever the machine's load: the first chunk runs (and
 * crashes, failing the Map at once); every other chunk waits until AggregateResults has composed the files; the check
 * waits until those chunks have ended. So every chunk but the first completes after the composition and before the
 * check counts, as on AWS whenever those chunks take longer than the aggregation.
 */
export function chunksAfterComposition(): TaskWrapper {
  let first = true;
  let composed!: () => void;
  const aggregated = new Promise<void>((resolve) => {
    composed = resolve;
  });
  const held: Promise<unknown>[] = [];
  return (task, handler) => {
    if (task === "processChunk")
      return (event, context) => {
        if (first) {
          first = false;
          return handler(event, context);
        }
        const run = aggregated.then(() => handler(event, context));
        held.push(run.catch(() => undefined));
        return run;
      };
    if (task === "aggregateResults")
      return async (event, context) => {
        try {
          return await handler(event, context);
        } finally {
          composed();
        }
      };
    if (task === "checkErrors")
      return async (event, context) => {
        await Promise.all(held);
        return handler(event, context);
      };
    return handler;
  };
}
