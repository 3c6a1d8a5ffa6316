import { toMermaid } from "../../workflow/mermaid";
import type { PipelinePattern as Pattern } from "../../workflow/pipeline";
import { buildPipeline, type PipelineResources, PLACEHOLDER_RESOURCES, STATE_NAMES } from "../../workflow/pipeline";
import { LOCAL_STATE_MACHINE_ARN } from "../services/executions";
import { LocalSetupError } from "./errors";
import { lambdaInvoke } from "./invoke";

/** A Lambda handler as the functions export it. */
export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;
/** A local Task handler for aws-local-stepfunctions (gets the state's input after Parameters). */
export type TaskHandler = (input: never) => Promise<unknown>;

export interface PipelineHandlers {
  splitCsv: LambdaHandler;
  processChunk: LambdaHandler;
  aggregateResults: LambdaHandler;
  findDuplicates: LambdaHandler;
  checkErrors: LambdaHandler;
}

/** The deployed definition, with what a local run needs to execute it. */
export interface LoadedPipeline {
  definition: unknown;
  resources: PipelineResources;
  stateMachineArn: string;
  /** The five handler modules; required only when called, after the environment points at the local services. */
  loadHandlers(): PipelineHandlers;
  /** Task handlers keyed by state name: each Lambda task through the lambda:invoke adapter, plus the SNS alert. */
  taskHandlers(
    handlers: PipelineHandlers & { notifyCheckFailure: (input: unknown) => Promise<unknown> },
  ): Record<string, (input: unknown) => unknown>;
  /** Mermaid flowchart of the definition with `highlight` (the states entered) marked. */
  mermaid(highlight: ReadonlySet<string>): string;
}

function requireModule<T>(path: string, what: string): T {
  try {
    return require(path) as T;
  } catch (err) {
    if ((err as { code?: string }).code === "MODULE_NOT_FOUND" && String((err as Error).message).includes(path)) {
      throw new LocalSetupError(
        `${what} (${path.replace(/^(\.\.\/)+/, "")}.ts) is not in this checkout; the local run needs it.`,
        { cause: err },
      );
    }
    throw err;
  }
}

function handlerOf(path: string): LambdaHandler {
  const mod = requireModule<{ handler?: LambdaHandler }>(path, "The Lambda handler");
  if (typeof mod.handler !== "function") {
    throw new LocalSetupError(`${path}.ts does not export a handler(event, context); export one to run it locally.`);
  }
  return mod.handler;
}

/**
 * Renders the same definition the Pulumi program deploys (with placeholder ARNs) and binds each Task state to the
 * real handler module.
 */
export function loadPipeline(pattern: Pattern, options: { mapConcurrency?: number } = {}): LoadedPipeline {
  const resources = PLACEHOLDER_RESOURCES;
  const graph = buildPipeline({ pattern, resources, options });
  const definition = graph.render();
  return {
    definition,
    resources,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    loadHandlers: () => ({
      splitCsv: handlerOf("../../functions/split-csv"),
      processChunk: handlerOf("../../functions/process-chunk"),
      aggregateResults: handlerOf("../../functions/aggregate-results"),
      findDuplicates: handlerOf("../../functions/find-duplicates"),
      checkErrors: handlerOf("../../functions/check-errors-and-notify"),
    }),
    taskHandlers: (h) => {
      return {
        [STATE_NAMES.splitCsv]: lambdaInvoke(h.splitCsv),
        [STATE_NAMES.processChunk]: lambdaInvoke(h.processChunk),
        [STATE_NAMES.findPartitionDuplicates]: lambdaInvoke(h.findDuplicates),
        // The second pass over the chunks calls the same function as the first.
        [STATE_NAMES.applyChunkDuplicates]: lambdaInvoke(h.processChunk),
        [STATE_NAMES.aggregateResults]: lambdaInvoke(h.aggregateResults),
        [STATE_NAMES.checkErrors]: lambdaInvoke(h.checkErrors),
        [STATE_NAMES.notifyCheckFailure]: h.notifyCheckFailure,
      };
    },
    mermaid: (highlight) => toMermaid(graph, { highlight }),
  };
}
