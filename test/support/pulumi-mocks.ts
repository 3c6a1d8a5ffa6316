import * as pulumi from "@pulumi/pulumi";

/**
 * Pulumi mocks for running the program offline (tests and `npm run synth`): every resource is recorded with its
 * inputs, ARNs and names are derived the way AWS forms them, and the provider functions answer for one account.
 */

/** One resource the program registered under mocks. */
export interface MockResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

export const MOCK_REGION = "ap-northeast-1";
export const MOCK_ACCOUNT = "123456789012";
export const PROJECT = "csv-pipeline";
export const STACK = "dev";

/** A small row schema (order id, e-mail, amount) used by the mock tests and the offline deploy proof. */
export const TEST_ROW_SCHEMA = {
  encoding: "auto",
  header: "required",
  columns: [
    { name: "order_id", type: "string", required: true, pattern: "^ORD-[0-9]{6}$", severity: "HIGH" },
    { name: "email", type: "email", required: true, sensitive: true },
    { name: "amount", type: "decimal", min: 0, max: 1000000 },
  ],
};

/** Stack config used by the mock tests (every key of Pulumi.dev.yaml, with e-mail and on-call set). */
export const TEST_CONFIG: Record<string, string> = {
  "aws:region": MOCK_REGION,
  [`${PROJECT}:pipelineName`]: "orders",
  [`${PROJECT}:pattern`]: "parallel",
  [`${PROJECT}:inputPrefix`]: "incoming/",
  [`${PROJECT}:rowSchema`]: JSON.stringify(TEST_ROW_SCHEMA),
  [`${PROJECT}:slackWebhookUrl`]: "https://hooks.slack.com/services/T000/B000/SECRETVALUE123",
  [`${PROJECT}:emailFrom`]: "alerts@example.com",
  [`${PROJECT}:emailTo`]: '["ops@example.com","data@example.com"]',
  [`${PROJECT}:onCallEmail`]: "oncall@example.com",
  [`${PROJECT}:onCallTopicArn`]: `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:pagerduty`,
  [`${PROJECT}:logRetentionDays`]: "30",
};

function arnFor(type: string, name: string, inputs: Record<string, unknown>): string | undefined {
  const r = `${MOCK_REGION}:${MOCK_ACCOUNT}`;
  switch (type) {
    case "aws:dynamodb/table:Table":
      return `arn:aws:dynamodb:${r}:table/${name}`;
    case "aws:sns/topic:Topic":
      return `arn:aws:sns:${r}:${name}`;
    case "aws:sqs/queue:Queue":
      return `arn:aws:sqs:${r}:${inputs.name as string}`;
    case "aws:kms/key:Key":
      return `arn:aws:kms:${r}:key/${name}`;
    case "aws:ssm/parameter:Parameter":
      return `arn:aws:ssm:${r}:parameter${inputs.name as string}`;
    case "aws:lambda/function:Function":
      return `arn:aws:lambda:${r}:function:${name}`;
    case "aws:iam/role:Role":
      return `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}`;
    case "aws:cloudwatch/logGroup:LogGroup":
      return `arn:aws:logs:${r}:log-group:${inputs.name as string}`;
    case "aws:s3/bucket:Bucket":
      return `arn:aws:s3:::${name}-bucket`;
    case "aws:sfn/stateMachine:StateMachine":
      return `arn:aws:states:${r}:stateMachine:${inputs.name as string}`;
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return `arn:aws:cloudwatch:${r}:alarm:${inputs.name as string}`;
    case "aws:cloudwatch/eventRule:EventRule":
      return `arn:aws:events:${r}:rule/${name}`;
    default:
      return undefined;
  }
}

/** Installs Pulumi mocks that record every resource; returns the list (filled as the program runs). */
export function installMocks(
  config: Record<string, string> = TEST_CONFIG,
  secretKeys = [`${PROJECT}:slackWebhookUrl`],
  stack = STACK,
): MockResource[] {
  const resources: MockResource[] = [];
  pulumi.runtime.setAllConfig(config, secretKeys);
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        const state: Record<string, unknown> = { ...inputs };
        const arn = arnFor(args.type, args.name, inputs);
        if (arn) state.arn = arn;
        if (args.type === "aws:dynamodb/table:Table") state.name = inputs.name ?? `${args.name}-table`;
        if (args.type === "aws:s3/bucket:Bucket") state.bucket = `${args.name}-bucket`;
        if (args.type === "aws:sns/topic:Topic") state.name = args.name;
        if (args.type === "aws:sqs/queue:Queue")
          state.url = `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${inputs.name as string}`;
        if (args.type === "aws:cloudwatch/eventRule:EventRule") state.name = args.name;
        if (args.type === "aws:iam/role:Role") state.name = args.name;
        if (args.type === "aws:lambda/function:Function") state.name = args.name;
        if (args.type === "aws:cloudwatch/dashboard:Dashboard") state.dashboardName = inputs.dashboardName;
        resources.push({ type: args.type, name: args.name, inputs, state });
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: MOCK_ACCOUNT,
              arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/test`,
              userId: "test",
              id: MOCK_ACCOUNT,
            };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
          case "aws:index/getRegion:getRegion":
            return {
              name: MOCK_REGION,
              region: MOCK_REGION,
              id: MOCK_REGION,
              endpoint: `ec2.${MOCK_REGION}.amazonaws.com`,
            };
          default:
            return args.inputs;
        }
      },
    },
    PROJECT,
    stack,
    false,
  );
  return resources;
}

/** Resolves an Output (or plain value) under mocks. */
export function resolveOutput<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/** Whether an Output is marked secret. */
export function isSecretOutput(value: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(value);
}

/** Waits until the mock engine has seen every resource the program registers (the list stops growing). */
export async function settle(resources: MockResource[], quietMs = 300): Promise<void> {
  let last = -1;
  while (resources.length !== last) {
    last = resources.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}
