import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { RUN_KEYS } from "../contract";
import { bareEtag, type UploadVersion, uploadDigest } from "../core/records/upload";
import { clients } from "./clients";
import { ENDED_UNSUCCESSFULLY, type ExecutionStatus, executionStatus } from "./executions";

/** Outcome of {@link claimUpload}. */
export type UploadClaim =
  | {
      claimed: true;
      /**
       * The execution that held the claim before, when this one took it over: it ended without succeeding, or it is
       * the one a forced rerun named (`forced`).
       */
      takenOverFrom?: { executionName: string; status: ExecutionStatus; forced?: true };
    }
  | {
      claimed: false;
      /** The execution holding the claim, running or succeeded. */
      holder: string;
      holderStatus: ExecutionStatus;
    };

/** Asks how an execution stands (Step Functions' DescribeExecution; replaced in tests). */
export type StatusOf = (executionName: string) => Promise<ExecutionStatus>;

/** Statuses of an execution that may still process the upload: never taken over, even when a rerun names it. */
const STILL_RUNNING: ReadonlySet<ExecutionStatus> = new Set(["RUNNING", "PENDING_REDRIVE"]);

/** Rounds of claim, read and take-over before giving up on a claim that keeps changing hands. */
const CLAIM_ROUNDS = 5;

function isConditionFailure(err: unknown): boolean {
  return (err as Error)?.name === "ConditionalCheckFailedException";
}

/**
 * Claims one upload for an execution in the runs table (`UPLOAD#<digest>` / `CLAIM`), so that each object version
 * is processed by one execution however often its event is delivered:
 * - nobody holds it, or this same execution does (a retried split): claimed;
 * - another execution holds it and is running or succeeded: not claimed (a duplicate delivery);
 * - another execution holds it and failed, timed out or was aborted (or Step Functions does not know it): this
 *   execution takes the claim over, conditionally on that holder still holding it, so of two deliveries racing for
 *   a failed run's upload exactly one processes it. Its outputs are its own (they are keyed by execution name).
 * - a forced rerun (`takeOverFrom`) takes the claim over from the execution it names in the same conditional way,
 *   also when that one succeeded, once it is no longer running; a claim held by any other execution is treated
 *   as above (a rerun never takes over from a run it was not asked to replace).
 * The item expires (TTL) at `expiresAt`, epoch seconds.
 */
export async function claimUpload(
  runsTable: string,
  upload: UploadVersion,
  executionName: string,
  expiresAt: number,
  opts: {
    now?: Date;
    statusOf?: StatusOf;
    /** A forced rerun: the execution whose claim it takes over, even a succeeded one (see above). */
    takeOverFrom?: string;
  } = {},
): Promise<UploadClaim> {
  const { now = new Date(), statusOf = executionStatus, takeOverFrom } = opts;
  const key = { pk: RUN_KEYS.upload(uploadDigest(upload)), sk: RUN_KEYS.uploadClaim };
  const item = {
    ...key,
    executionName,
    bucket: upload.bucket,
    key: upload.key,
    etag: bareEtag(upload.etag),
    versionId: upload.versionId ?? undefined,
    sequencer: upload.sequencer,
    claimedAt: now.toISOString(),
    expiresAt,
  };
  const put = async (condition: string, values: Record<string, string>, extra: Record<string, unknown> = {}) => {
    try {
      await clients.doc().send(
        new PutCommand({
          TableName: runsTable,
          Item: { ...item, ...extra },
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  };

  let holder = "";
  let holderStatus: ExecutionStatus = "RUNNING";
  for (let round = 0; round < CLAIM_ROUNDS; round++) {
    if (await put("attribute_not_exists(pk) OR executionName = :self", { ":self": executionName })) {
      return { claimed: true };
    }
    const current = await clients.doc().send(new GetCommand({ TableName: runsTable, Key: key, ConsistentRead: true }));
    if (current.Item === undefined) continue; // expired or released in between: claim again
    holder = String(current.Item.executionName);
    holderStatus = await statusOf(holder);
    const forced = holder === takeOverFrom && !STILL_RUNNING.has(holderStatus);
    if (!forced && !ENDED_UNSUCCESSFULLY.has(holderStatus)) return { claimed: false, holder, holderStatus };
    const takenOver = await put(
      "executionName = :holder",
      { ":holder": holder },
      { takenOverFrom: holder, takenOverFromStatus: holderStatus, ...(forced ? { forcedTakeOver: true } : {}) },
    );
    if (takenOver)
      return {
        claimed: true,
        takenOverFrom: { executionName: holder, status: holderStatus, ...(forced ? { forced: true as const } : {}) },
      };
  }
  // Still changing hands after every round: another delivery is taking it over right now.
  return { claimed: false, holder, holderStatus };
}
