/**
 * Uniqueness across the whole file, after ProcessChunks: each chunk wrote its unique-key hashes to S3, partitioned by
 * hash (`uniquePartitions` = P, chosen by the split). FindDuplicates checks each partition in its own child
 * execution; when any found later occurrences, ApplyDuplicates runs ProcessChunk again over the chunks, told which
 * partitions to read and, for each, the chunks it found later occurrences in (a chunk without a hit reads no dups
 * file and returns its stored result), and its results replace `$.chunkResults`.
 * A schema without unique keys (P = 0) goes straight on.
 *
 * The filter that lists the partitions with duplicates runs only once CountDuplicates has shown there is one: a
 * filter that matches nothing is no value on every engine alike (aws-local-stepfunctions fails the state).
 */
import {
  type FindDuplicatesInput,
  type FindDuplicatesOutput,
  STATE_NAMES as N,
  type ProcessChunkInput,
} from "../../functions/contract";
import { LAMBDA_RETRY, LAMBDA_THROTTLE_RETRY, UNPROCESSED_ITEMS_RETRY } from "../lambda-retry";
import { Choice, Condition } from "../states/choice";
import { MapState } from "../states/map";
import { Pass } from "../states/pass";
import type { State } from "../states/state";
import { Task } from "../states/task";
import { chunkItemSelector, chunkResultSelector } from "./chunks-map";
import { PATHS, pick, type Template } from "./layout";

/** Input of {@link uniquenessFragment}. */
export interface UniquenessProps {
  findDuplicatesArn: string;
  processChunkArn: string;
  /** Timeout of the find-duplicates task. */
  findTimeoutSeconds: number;
  /** Timeout of the chunk task of the second pass (the chunk task's). */
  chunkTimeoutSeconds: number;
  /** Children at once, in both Maps. */
  maxConcurrency: number;
  /** Share of failed chunks ApplyDuplicates tolerates, as ProcessChunks does. */
  toleratedFailurePercentage: number;
}

/** The uniqueness step: starts at UniqueKeys; continues with `next()`; its Maps' failures go to `catchInto()`. */
export interface UniquenessFragment {
  readonly startState: State;
  /** Where every path of the step goes on: the results. */
  next(target: State): void;
  /**
   * Catches each Map's failure at `failurePath`, then names the Map there (`<failurePath>.step`, a Pass per Map)
   * and goes on to `target`: the check reads the name instead of inferring the step from the split's status.
   */
  catchInto(target: State, failurePath: string): void;
}

/** Builds the uniqueness step. */
export function uniquenessFragment(props: UniquenessProps): UniquenessFragment {
  const uniqueKeys = new Choice(N.uniqueKeys, { comment: "Does the schema have unique keys (P > 0)?" });
  const listPartitions = new Pass(N.listUniquePartitions, {
    comment: "The partition numbers 0…P-1 (P ≤ 256, within States.ArrayRange's 1000 items)",
    parameters: {
      "partitions.$": `States.ArrayRange(0, States.MathAdd(${PATHS.split}.uniquePartitions, -1), 1)`,
    },
    resultPath: PATHS.uniqueWork,
  });

  const findInput: Template<FindDuplicatesInput> = {
    "executionName.$": "$.executionName",
    "bucket.$": "$.bucket",
    "partition.$": "$$.Map.Item.Value",
    "partitions.$": `${PATHS.split}.uniquePartitions`,
    "chunkCount.$": `${PATHS.split}.chunkCount`,
  };
  const findTask = Task.lambdaInvoke(N.findPartitionDuplicates, {
    comment: "Read one partition of every chunk's key hashes, write the later occurrences it finds",
    functionArn: props.findDuplicatesArn,
    payloadPath: "$",
    resultSelector: pick<FindDuplicatesOutput>(["partition", "duplicates", "chunks"]),
    timeoutSeconds: props.findTimeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY)
    .end();
  const findDuplicates = new MapState(N.findDuplicates, {
    comment: "One child execution per partition of the unique-key hashes",
    mode: "DISTRIBUTED",
    executionType: "STANDARD",
    label: "Partitions",
    itemsPath: `${PATHS.uniqueWork}.partitions`,
    itemSelector: findInput,
    maxConcurrency: props.maxConcurrency,
    // Every partition must be checked: a partition left out would let its duplicates pass.
    toleratedFailurePercentage: 0,
    resultPath: PATHS.uniqueness,
  }).itemProcessor(findTask);

  // No duplicates ⇔ every partition found 0 ⇔ the distinct counts are exactly {0}.
  const countDuplicates = new Pass(N.countDuplicates, {
    comment: "Whether any partition found later occurrences (the distinct counts are exactly [0] when none did)",
    parameters: {
      "distinctCounts.$": `States.ArrayLength(States.ArrayUnique(${PATHS.uniqueness}[*].duplicates))`,
      "someZero.$": `States.ArrayContains(${PATHS.uniqueness}[*].duplicates, 0)`,
    },
    resultPath: PATHS.duplicateCount,
  });
  const duplicatesFound = new Choice(N.duplicatesFound, { comment: "Did any partition find later occurrences?" });
  const selectPartitions = new Pass(N.selectDuplicatePartitions, {
    comment: "The partitions whose dups file the chunks read, and each one's chunks with later occurrences",
    parameters: {
      "partitions.$": `${PATHS.uniqueness}[?(@.duplicates > 0)].partition`,
      // The same filter over the same list: in the same order as the partitions.
      "chunks.$": `${PATHS.uniqueness}[?(@.duplicates > 0)].chunks`,
    },
    resultPath: PATHS.duplicatePartitions,
  });

  const applyInput: Template<ProcessChunkInput> = {
    ...chunkItemSelector(),
    "duplicatePartitions.$": `${PATHS.duplicatePartitions}.partitions`,
    "duplicateChunks.$": `${PATHS.duplicatePartitions}.chunks`,
  };
  const applyTask = Task.lambdaInvoke(N.applyChunkDuplicates, {
    comment: "Reject the chunk's later occurrences (rows again, with the hits); a chunk without one returns its result",
    functionArn: props.processChunkArn,
    payloadPath: "$",
    resultSelector: chunkResultSelector(),
    timeoutSeconds: props.chunkTimeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(UNPROCESSED_ITEMS_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY)
    .end();
  const applyDuplicates = new MapState(N.applyDuplicates, {
    comment: "Each chunk again, told the partitions that found later occurrences; results replace the first pass's",
    mode: "DISTRIBUTED",
    executionType: "STANDARD",
    label: "Duplicates",
    itemsPath: `${PATHS.split}.chunks`,
    itemSelector: applyInput,
    maxConcurrency: props.maxConcurrency,
    toleratedFailurePercentage: props.toleratedFailurePercentage,
    resultPath: PATHS.chunkResults,
  }).itemProcessor(applyTask);

  uniqueKeys.when(Condition.numericGreaterThan(`${PATHS.split}.uniquePartitions`, 0), listPartitions);
  listPartitions.next(findDuplicates).next(countDuplicates).next(duplicatesFound);
  duplicatesFound.when(
    Condition.not(
      Condition.and(
        Condition.numericEquals(`${PATHS.duplicateCount}.distinctCounts`, 1),
        Condition.booleanEquals(`${PATHS.duplicateCount}.someZero`, true),
      ),
    ),
    selectPartitions,
  );
  selectPartitions.next(applyDuplicates);

  const failed = [
    { map: findDuplicates, name: N.findDuplicatesFailed },
    { map: applyDuplicates, name: N.applyDuplicatesFailed },
  ];
  return {
    startState: uniqueKeys,
    next: (target) => {
      uniqueKeys.otherwise(target);
      duplicatesFound.otherwise(target);
      applyDuplicates.next(target);
    },
    catchInto: (target, failurePath) => {
      for (const { map, name } of failed) {
        // ResultPath into the caught error adds the one field and keeps Error and Cause (Cause may be absent).
        const nameStep = new Pass(name, {
          comment: `Name ${map.name} as the failed step for the check`,
          result: map.name,
          resultPath: `${failurePath}.step`,
        });
        map.addCatch(nameStep, { resultPath: failurePath });
        nameStep.next(target);
      }
    },
  };
}
