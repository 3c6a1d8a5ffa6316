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
