import { PutObjectCommand } from "@aws-sdk/client-s3";
import { clients } from "./clients";

/**
 * Writes a run's report (one HTML page) in a single attempt bounded by `timeoutMs`: the notices wait for it, and a
 * report that could not be written must not hold them back longer than that. IAM: `s3:PutObject` on the key.
 */
export async function putReportHtml(bucket: string, key: string, html: string, timeoutMs: number): Promise<void> {
  await clients
    .s3Once()
    .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: html, ContentType: "text/html; charset=utf-8" }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
}
