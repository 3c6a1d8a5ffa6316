/** Console links shown in notices (pure string building). */

/** The Step Functions console page of one execution, or undefined when the state machine ARN is not known. */
export function executionConsoleUrl(
  region: string,
  stateMachineArn: string | undefined,
  executionName: string,
): string | undefined {
  if (!stateMachineArn?.includes(":stateMachine:")) return undefined;
  const executionArn = `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
}

/** The Logs Insights query of one execution's lines. */
export function executionLogsQuery(executionName: string): string {
  const quoted = executionName.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  return `fields @timestamp, level, severity, message, errorCount, notifications\n| filter executionName = "${quoted}"\n| sort @timestamp desc\n| limit 100`;
}

// The console's own encoding of Logs Insights deep links: URI-encode, then `%` becomes `*`.
function insightsEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%/g, "*");
}

/** A CloudWatch Logs Insights link that runs {@link executionLogsQuery} on `logGroup` over the last 24 hours. */
export function logsInsightsUrl(
  region: string,
  logGroup: string | undefined,
  executionName: string,
): string | undefined {
  if (!logGroup) return undefined;
  const detail =
    `~(end~0~start~-86400~timeType~'RELATIVE~unit~'seconds~editorString~'${insightsEscape(executionLogsQuery(executionName))}` +
    `~source~(~'${insightsEscape(logGroup)}))`;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:logs-insights$3FqueryDetail$3D${detail}`;
}

/**
 * Longest console link a notice carries. A Slack section holds 3,000 characters and the link shares it with its
 * label and the folder's name; a longer link (only a pathological prefix makes one) is left out, the `s3://` location
 * stays.
 */
export const MAX_CONSOLE_URL_CHARS = 2000;

/**
 * The S3 console page listing one folder (key prefix) of a bucket, in the form the console itself puts in the address
 * bar: `https://<region>.console.aws.amazon.com/s3/buckets/<bucket>?region=<region>&prefix=<prefix>&showversions=false`.
 * The prefix is percent-encoded except for its `/` separators (so `+`, `&`, `#`, spaces and non-ASCII cannot change
 * the query). Undefined when the link would be longer than {@link MAX_CONSOLE_URL_CHARS}.
 *
 * @example s3FolderConsoleUrl("ap-northeast-1", "in-bucket", "rejected/exec-1/")
 * // https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&prefix=rejected/exec-1/&showversions=false
 */
export function s3FolderConsoleUrl(region: string, bucket: string, prefix: string): string | undefined {
  const q = (v: string) => encodeURIComponent(v).replace(/%2F/g, "/");
  const url = `https://${region}.console.aws.amazon.com/s3/buckets/${encodeURIComponent(bucket)}?region=${q(region)}&prefix=${q(prefix)}&showversions=false`;
  return url.length <= MAX_CONSOLE_URL_CHARS ? url : undefined;
}

/**
 * The S3 console page of one object, in the form the console puts in the address bar:
 * `https://<region>.console.aws.amazon.com/s3/object/<bucket>?region=<region>&prefix=<key>`. The key is
 * percent-encoded except for its `/` separators, as in {@link s3FolderConsoleUrl}. Undefined when the link would be
 * longer than {@link MAX_CONSOLE_URL_CHARS}.
 *
 * @example s3ObjectConsoleUrl("ap-northeast-1", "in-bucket", "results/exec-1.html")
 * // https://ap-northeast-1.console.aws.amazon.com/s3/object/in-bucket?region=ap-northeast-1&prefix=results/exec-1.html
 */
export function s3ObjectConsoleUrl(region: string, bucket: string, key: string): string | undefined {
  const q = (v: string) => encodeURIComponent(v).replace(/%2F/g, "/");
  const url = `https://${region}.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${q(region)}&prefix=${q(key)}`;
  return url.length <= MAX_CONSOLE_URL_CHARS ? url : undefined;
}
