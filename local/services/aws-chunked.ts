/**
 * S3's `aws-chunked` content encoding, undone: an SDK or the AWS CLI that sends a checksum as a trailer (the default
 * for a streamed upload) frames the body as `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` chunks, a last `0` chunk,
 * then the trailing headers and an empty line. S3 stores only the bytes; s3rver would store the framing with them,
 * so the local stack's endpoint decodes it before the request reaches s3rver.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Transform, type TransformCallback } from "node:stream";

/** Whether a request's body is `aws-chunked` (by its Content-Encoding). */
export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  return String(headers["content-encoding"] ?? "")
    .split(",")
    .some((e) => e.trim().toLowerCase() === "aws-chunked");
}

/**
 * The headers of the decoded request: `Content-Length` the decoded length, `aws-chunked` and the trailer's
 * announcement removed, the payload unsigned (the chunk signatures are gone with the framing).
 */
export function decodedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  const encodings = String(headers["content-encoding"] ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "" && e.toLowerCase() !== "aws-chunked");
  if (encodings.length > 0) out["content-encoding"] = encodings.join(",");
  else delete out["content-encoding"];
  const decoded = headers["x-amz-decoded-content-length"];
  if (decoded !== undefined) out["content-length"] = String(decoded);
  delete out["transfer-encoding"];
  delete out["x-amz-decoded-content-length"];
  delete out["x-amz-trailer"];
  out["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
  return out;
}

/** A stream that takes an `aws-chunked` body and gives its bytes; malformed framing fails the stream. */
export function awsChunkedDecoder(): Transform {
  let buffered = Buffer.alloc(0);
  /** Bytes of the current chunk still to pass on, then its CRLF to skip; undefined: a size line comes next. */
  let remaining: number | undefined;
  let done = false;
  return new Transform({
    transform(piece: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      buffered = Buffer.concat([buffered, piece]);
      try {
        for (;;) {
          if (done) {
            // The trailer (`x-amz-checksum-…: …` lines) and the closing empty line: not part of the object.
            buffered = Buffer.alloc(0);
            break;
          }
          if (remaining === undefined) {
            const end = buffered.indexOf("\r\n");
            if (end < 0) break;
            const line = buffered.subarray(0, end).toString("latin1");
            const size = Number.parseInt(line.split(";")[0], 16);
            if (!/^[0-9a-fA-F]+$/.test(line.split(";")[0]) || Number.isNaN(size))
              throw new Error(`aws-chunked body: "${line.slice(0, 40)}" is not a chunk size line`);
            buffered = buffered.subarray(end + 2);
            if (size === 0) done = true;
            else remaining = size;
            continue;
          }
          if (remaining > 0) {
            if (buffered.length === 0) break;
            const take = Math.min(remaining, buffered.length);
            this.push(buffered.subarray(0, take));
            buffered = buffered.subarray(take);
            remaining -= take;
            continue;
          }
          if (buffered.length < 2) break;
          buffered = buffered.subarray(2);
          remaining = undefined;
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}
