import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { RUN_KEYS } from "../contract";
import { bareEtag, type UploadVersion, uploadDigest } from "../core/records/upload";
import { clients } from "./clients";

/** Outcome of {@link claimUpload}. */
export type UploadClaim = { claimed: true } | { claimed: false };

/**
 * Claims one upload for an execution with one conditional PutItem in the runs table (`UPLOAD#<digest>` / `CLAIM`):
 * it succeeds when nobody claimed the upload yet or when this same execution did (a retried split), and fails when
 * another execution holds it. The item expires (TTL) at `expiresAt`, epoch seconds.
 */
export async function claimUpload(
  runsTable: string,
  upload: UploadVersion,
  executionName: string,
  expiresAt: number,
  now: Date = new Date(),
): Promise<UploadClaim> {
  try {
    await clients.doc().send(
      new PutCommand({
        TableName: runsTable,
        Item: {
          pk: RUN_KEYS.upload(uploadDigest(upload)),
          sk: RUN_KEYS.uploadClaim,
          executionName,
          bucket: upload.bucket,
          key: upload.key,
          etag: bareEtag(upload.etag),
          versionId: upload.versionId ?? undefined,
          sequencer: upload.sequencer,
          claimedAt: now.toISOString(),
          expiresAt,
        },
        ConditionExpression: "attribute_not_exists(pk) OR executionName = :self",
        ExpressionAttributeValues: { ":self": executionName },
      }),
    );
    return { claimed: true };
  } catch (err) {
    if ((err as Error)?.name === "ConditionalCheckFailedException") return { claimed: false };
    throw err;
  }
}
