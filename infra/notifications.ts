import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Notifications}. */
export interface NotificationsArgs {
  namePrefix: string;
  /** The Slack incoming webhook URL (secret), stored as an SSM SecureString. */
  slackWebhookUrl: pulumi.Input<string>;
  /** On-call e-mail subscribed to the alert topic's CRITICAL notices and alarm notifications. */
  onCallEmail?: string;
  /** E-mail addresses subscribed to the team topic (Warning alarms). */
  emailTo: string[];
}

/**
 * Subscription filter policy of the on-call path: notices whose `severity` attribute is CRITICAL, and messages with no
 * `severity` attribute at all — CloudWatch alarm notifications carry no message attributes, and only Critical alarms
 * publish to the alert topic.
 */
export const CRITICAL_FILTER_POLICY = { severity: ["CRITICAL", { exists: false }] } as const;

/**
 * The alert topic (encrypted with a customer-managed KMS key that CloudWatch alarms may use — the AWS-managed
 * `aws/sns` key does not let alarms publish), the on-call path as subscriptions filtered on the `severity` message
 * attribute; a team topic for Warning alarms with the `emailTo` subscriptions; and the SSM SecureString holding the
 * Slack webhook URL. An existing on-call topic (PagerDuty/Opsgenie) is not subscribed here — SNS cannot subscribe a
 * topic to a topic — Critical alarms notify it directly (see Monitoring).
 */
export class Notifications extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly topic: aws.sns.Topic;
  /** Warning alarms: the team hears them, on-call is not paged. */
  readonly teamTopic: aws.sns.Topic;
  readonly webhookParameter: aws.ssm.Parameter;
  readonly subscriptions: aws.sns.TopicSubscription[] = [];

  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:Notifications", name, {}, opts);
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;

    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `${args.namePrefix}: alert topic and Slack webhook parameter`,
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountAdministers",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${account}:root` },
              Action: "kms:*",
              Resource: "*",
            },
            {
              Sid: "CloudWatchAlarmsPublish",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
              Resource: "*",
            },
          ],
        }),
      },
      { parent: this },
    );

    this.topic = new aws.sns.Topic(`${name}-alerts`, { kmsMasterKeyId: this.key.arn }, { parent: this });
    this.teamTopic = new aws.sns.Topic(`${name}-team`, { kmsMasterKeyId: this.key.arn }, { parent: this });

    const subscribe = (
      suffix: string,
      topic: aws.sns.Topic,
      protocol: string,
      endpoint: pulumi.Input<string>,
      critical: boolean,
    ) => {
      this.subscriptions.push(
        new aws.sns.TopicSubscription(
          `${name}-${suffix}`,
          {
            topic: topic.arn,
            protocol,
            endpoint,
            ...(critical
              ? { filterPolicyScope: "MessageAttributes", filterPolicy: JSON.stringify(CRITICAL_FILTER_POLICY) }
              : {}),
          },
          { parent: this },
        ),
      );
    };
    if (args.onCallEmail) subscribe("oncall-email", this.topic, "email", args.onCallEmail, true);
    for (const [i, address] of args.emailTo.entries()) subscribe(`email-${i}`, this.teamTopic, "email", address, false);

    this.webhookParameter = new aws.ssm.Parameter(
      `${name}-slack-webhook`,
      {
        name: `/${args.namePrefix}/slack/webhook-url`,
        type: "SecureString",
        keyId: this.key.arn,
        value: pulumi.secret(args.slackWebhookUrl),
        description: "Slack incoming webhook URL read by check-errors-and-notify",
      },
      { parent: this },
    );

    this.registerOutputs({
      topicArn: this.topic.arn,
      teamTopicArn: this.teamTopic.arn,
      webhookParameterName: this.webhookParameter.name,
    });
  }
}
