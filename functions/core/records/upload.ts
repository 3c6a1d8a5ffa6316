import { hash } from "node:crypto";
import type { ChunkRef, ChunkResult, UploadIdentity } from "../../contract";
import type { RowProblem } from "../csv/validate";

/** One object version as uploaded: what two deliveries of the same S3 event have in common. */
export interface UploadVersion {
  bucket: string;
  key: string;
  /** As S3 returns it; quotes are ignored. */
  etag: string;
  versionId: string | null;
  /** The event's `object.sequencer`, when the execution's input carried one. */
  sequencer?: string;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The upload fields an execution's input carries, flat or as the S3 event's `object`; absent ones are undefined.
 *
 * @example uploadFields({ object: { etag: "abc", "version-id": "v1", sequencer: "0A1", size: 12 } })
 * // { etag: "abc", versionId: "v1", sequencer: "0A1", size: 12 }
 */
export function uploadFields(identity: UploadIdentity | null | undefined): {
  etag?: string;
  versionId?: string;
  sequencer?: string;
  size?: number;
} {
  const id = identity ?? {};
  const out: { etag?: string; versionId?: string; sequencer?: string; size?: number } = {};
  const etag = text(id.etag) ?? text(id.object?.etag);
  const versionId = text(id.versionId) ?? text(id.object?.["version-id"]);
  const sequencer = text(id.sequencer) ?? text(id.object?.sequencer);
  if (etag !== undefined) out.etag = etag;
  if (versionId !== undefined) out.versionId = versionId;
  if (sequencer !== undefined) out.sequencer = sequencer;
  const size = id.size ?? id.object?.size;
  if (typeof size === "number" && Number.isInteger(size) && size >= 0) out.size = size;
  return out;
}

/** The execution a forced rerun takes the upload's claim over from (`takeOverFrom`), when the input names one. */
export function takeOverRequest(identity: UploadIdentity | null | undefined): string | undefined {
  return text(identity?.takeOverFrom);
}

/** An ETag without its quotes (S3 events carry it bare, GetObject quoted). */
export function bareEtag(etag: string): string {
  return etag.replace(/^(W\/)?"(.*)"$/, "$2");
}

/**
 * A fixed-length digest of one upload: bucket, key, version id, ETag (unquoted) and sequencer. The same object
 * version delivered twice gives the same digest; a new upload of the key gives another (a new ETag, version id or
 * sequencer).
 */
export function uploadDigest(upload: UploadVersion): string {
  const parts = [upload.bucket, upload.key, upload.versionId ?? "", bareEtag(upload.etag), upload.sequencer ?? ""];
  return hash("sha256", parts.join("\u0000"), "hex");
}

/**
 * The one CRITICAL problem a chunk records when the object was replaced before it could read its range: nothing of
 * the new version is counted, and the file has to be uploaded again.
 */
export function sourceChangedProblem(chunk: ChunkRef): RowProblem {
  return {
    rule: "source-changed",
    errorType: "SourceChangedError",
    severity: "CRITICAL",
    message:
      `The file was replaced while it was being processed: rows from line ${chunk.firstLine} of this chunk were not read. ` +
      "Upload the file again once the upload is complete.",
    detail: { key: "sourceChanged", params: { line: chunk.firstLine } },
  };
}

/** Counts of a chunk that read nothing because the object was replaced: no rows, one CRITICAL SourceChangedError. */
export function sourceChangedResult(chunkId: number): ChunkResult {
  return {
    chunkId,
    rows: 0,
    valid: 0,
    invalid: 0,
    byType: { SourceChangedError: 1 },
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 },
  };
}
