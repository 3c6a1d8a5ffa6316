/**
 * What a local stack writes for its clients: `outputs.json`, with the keys and shape `pulumi stack output --json`
 * prints for a deployed stack (index.ts's exports that have a local counterpart, with the local names and ARNs),
 * and `env`, the variables that point an AWS SDK, the AWS CLI or `npm run ops` at it as the operator.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type OperatorPolicyNames, operatorPolicy } from "../../blueprint/operator-policy";
import { DEFAULT_OUTCOME_SETTINGS, ERROR_TABLE, RUNS_TABLE } from "../../functions/contract";
import { LOCAL_SLACK_PARAMETER, type LocalPrincipal } from "../engine/environment";
import type { LoadedPipeline } from "../engine/pipeline-source";
import { LOCAL_STATE_MACHINE_ARN } from "../services/executions";
import { LOCAL_BUCKET, LOCAL_CREDENTIALS, LOCAL_REGION } from "../services/services";
import type { LocalConfig, LocalFeed } from "./run-config";

/** The operator's access key in a local stack (its secret: {@link LOCAL_OPERATOR_SECRET}). */
export const LOCAL_OPERATOR_KEY = "LOCALOPERATOR";
export const LOCAL_OPERATOR_SECRET = "local-operator-secret";

/** The names the operator's policy is written for in a local stack. */
export function localOperatorNames(config: LocalConfig): OperatorPolicyNames {
  return {
    region: LOCAL_REGION,
    account: LOCAL_STATE_MACHINE_ARN.split(":")[4],
    bucket: LOCAL_BUCKET,
    runsTable: RUNS_TABLE.defaultName,
    errorTable: ERROR_TABLE.defaultName,
    stateMachine: LOCAL_STATE_MACHINE_ARN.split(":").pop() ?? "",
    resultsPrefix: config.outputs.resultsPrefix,
    rejectedPrefix: config.outputs.rejectedPrefix,
  };
}

/** The local stack's operator: its key, authorized against the policy docs/operate.md gives an operator. */
export function localOperator(config: LocalConfig): LocalPrincipal {
  return {
    accessKeyId: LOCAL_OPERATOR_KEY,
    role: { name: "operator", statements: operatorPolicy(localOperatorNames(config)).Statement },
  };
}

/**
 * The stack outputs of a local stack, as `pulumi stack output --json` prints them. Left out, having no local
 * counterpart: the alarm, team and on-call topics, the dashboard, the dead-letter queue and the arrival schedules.
 * `resultsPrefix` (read by `npm run ops`) only when the config moves the manifests from `results/`.
 */
export function localStackOutputs(
  endpoint: string,
  config: LocalConfig,
  feeds: readonly LocalFeed[],
  pipeline: LoadedPipeline,
): Record<string, unknown> {
  const bucket = LOCAL_BUCKET;
  return {
    bucketName: bucket,
    uploadCommand:
      `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} ` +
      `aws --endpoint-url ${endpoint} s3 cp samples/orders.csv s3://${bucket}/${feeds[0].prefix}orders.csv`,
    uploadPrefixes: Object.fromEntries(feeds.map((feed) => [feed.name, `s3://${bucket}/${feed.prefix}`])),
    stateMachineArn: pipeline.stateMachineArn,
    alertTopicArn: pipeline.resources.alertTopic,
    errorTableName: ERROR_TABLE.defaultName,
    runsTableName: RUNS_TABLE.defaultName,
    slackWebhookParameter: LOCAL_SLACK_PARAMETER,
    ...(config.outputs.resultsPrefix !== DEFAULT_OUTCOME_SETTINGS.resultsPrefix
      ? { resultsPrefix: config.outputs.resultsPrefix }
      : {}),
  };
}

/**
 * The `env` file's variables: the one endpoint, the region and the operator's keys. `AWS_DEFAULT_REGION` repeats the
 * region for the AWS CLI v1, which reads only that one.
 */
export function localStackEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_OPERATOR_KEY,
    AWS_SECRET_ACCESS_KEY: LOCAL_OPERATOR_SECRET,
  };
}

/** Writes `dir/outputs.json` and `dir/env`; returns their paths. */
export function writeStackFiles(
  dir: string,
  outputs: Record<string, unknown>,
  env: Record<string, string>,
): { outputs: string; env: string } {
  const files = { outputs: join(dir, "outputs.json"), env: join(dir, "env") };
  // Each through a temporary file: a client waiting for them never reads one half written.
  const write = (path: string, text: string) => {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  };
  write(
    files.env,
    Object.entries(env)
      .map(([name, value]) => `${name}=${value}\n`)
      .join(""),
  );
  write(files.outputs, `${JSON.stringify(outputs, null, 2)}\n`);
  return files;
}
