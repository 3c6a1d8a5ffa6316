import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type FilterPolicy, feedOnCallGroups, type OnCallFeed, onCallSubscriptions } from "../blueprint/subscriptions";

/** Arguments of {@link Notifications}. */
export interface NotificationsArgs {
  namePrefix: string;
  /**
   * The stack's Slack incoming webhook URL (secret), stored as an SSM SecureString; unset when every feed has its own
   * (SSM refuses an empty parameter value, so no parameter is created then).
   */
  slackWebhookUrl?: pulumi.Input<string>;
  /** On-call e-mail: subscribed to the alert topic's CRITICAL notices and to the alarm topic (every Critical alarm). */
  onCallEmail?: string;
  /** E-mail addresses subscribed to the team topic (Warning alarms). */
  emailTo: string[];
  /** The stack's feeds (at least one), in configuration order. */
  feeds: readonly NotificationFeed[];
}

/** What the notifications need of one feed. */
export interface NotificationFeed extends OnCallFeed {
  /** Whether the feed has alarms of its own (then a feed with its own on-call gets an alarm topic that pages it). */
  alarms?: unknown;
  /** The feed's own Slack webhook URL (secret): it gets its own SSM SecureString. */
  slackWebhookUrl?: pulumi.Input<string>;
  /** Whether the feed posts to Slack at all (its own webhook or the stack's). */
  slack: boolean;
}

/** Name of the SSM parameter of a feed's own Slack webhook. */
export function feedWebhookParameterName(namePrefix: string, feed: string): string {
  return `/${namePrefix}/slack/${feed}/webhook-url`;
}

/**
 * The alert topic of the notices, with the on-call path as subscriptions filtered on the `severity` message attribute;
 * the alarm topic of Critical alarms, with the on-call e-mail subscribed unfiltered (an alarm notification carries no
 * message attributes, and SNS matches no filter policy against such a message); a team topic for Warning alarms with
 * the `emailTo` subscriptions; all encrypted with a customer-managed KMS key that CloudWatch alarms may use (the
 * AWS-managed `aws/sns` key does not let alarms publish); and, when the stack sets one, the SSM SecureString holding
 * its Slack webhook URL. An existing on-call topic (PagerDuty/Opsgenie) is not subscribed here — SNS cannot subscribe a
 * topic to a topic — Critical alarms notify it directly (see Monitoring). Per feed: its own Slack webhook as its own
 * SecureString, and its own on-call e-mail subscribed to its CRITICAL notices (the `feed` message attribute).
 */
export class Notifications extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  /** The notices: the check's and the state machine's check-failure page. */
  readonly topic: aws.sns.Topic;
  /** Critical alarms: on-call is paged by every message (no filter). */
  readonly alarmTopic: aws.sns.Topic;
  /**
   * The alarm topic of each feed whose own on-call is paged for its alarms (by feed name; feeds sharing an address
   * share a topic): its on-call e-mail is subscribed unfiltered, as the stack's is to `alarmTopic`.
   */
  readonly feedAlarmTopics: Record<string, aws.sns.Topic> = {};
  /** Warning alarms: the team hears them, on-call is not paged. */
  readonly teamTopic: aws.sns.Topic;
  /** The stack's Slack webhook parameter; unset when the stack sets no webhook (every feed has its own). */
  readonly webhookParameter?: aws.ssm.Parameter;
  /** The SSM SecureStrings of the feeds with their own Slack webhook, by feed name. */
  readonly feedWebhookParameters: Record<string, aws.ssm.Parameter> = {};
  readonly subscriptions: aws.sns.TopicSubscription[] = [];
  private readonly feeds: readonly NotificationFeed[];

  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:Notifications", name, {}, opts);
    this.feeds = args.feeds;
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
              // Only on behalf of this account's alarms: CloudWatch acting for another account's alarm (the
              // confused deputy) may not use the key.
              Condition: { StringEquals: { "aws:SourceAccount": account } },
            },
          ],
        }),
      },
      { parent: this },
    );

    this.topic = new aws.sns.Topic(`${name}-alerts`, { kmsMasterKeyId: this.key.arn }, { parent: this });
    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: this.key.arn }, { parent: this });
    this.teamTopic = new aws.sns.Topic(`${name}-team`, { kmsMasterKeyId: this.key.arn }, { parent: this });

    const subscribe = (
      suffix: string,
      topic: aws.sns.Topic,
      endpoint: pulumi.Input<string>,
      filterPolicy?: FilterPolicy,
    ) => {
      this.subscriptions.push(
        new aws.sns.TopicSubscription(
          `${name}-${suffix}`,
          {
            topic: topic.arn,
            protocol: "email",
            endpoint,
            ...(filterPolicy
              ? { filterPolicyScope: "MessageAttributes", filterPolicy: JSON.stringify(filterPolicy) }
              : {}),
          },
          { parent: this },
        ),
      );
    };
    // The same list the local runner's SNS delivers through (./subscriptions), so the two never differ.
    for (const sub of onCallSubscriptions(args.feeds, args.onCallEmail)) {
      const suffix = sub.owner.kind === "stack" ? "oncall-email" : `oncall-email-${sub.owner.feeds[0]}`;
      subscribe(suffix, this.topic, sub.endpoint, sub.filterPolicy);
    }
    if (args.onCallEmail) subscribe("oncall-email-alarms", this.alarmTopic, args.onCallEmail);
    for (const [address, names] of feedOnCallGroups(args.feeds, args.onCallEmail)) {
      if (!args.feeds.some((f) => names.includes(f.name) && f.alarms !== undefined)) continue;
      const topic = new aws.sns.Topic(`${name}-alarms-${names[0]}`, { kmsMasterKeyId: this.key.arn }, { parent: this });
      subscribe(`oncall-email-alarms-${names[0]}`, topic, address);
      for (const feed of names) this.feedAlarmTopics[feed] = topic;
    }
    for (const [i, address] of args.emailTo.entries()) subscribe(`email-${i}`, this.teamTopic, address);

    if (args.slackWebhookUrl !== undefined) {
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
    }

    for (const feed of args.feeds) {
      if (feed.slackWebhookUrl === undefined) continue;
      this.feedWebhookParameters[feed.name] = new aws.ssm.Parameter(
        // Always suffixed: the stack's own parameter keeps the unsuffixed name, whatever the feed is called.
        `${name}-slack-webhook-${feed.name}`,
        {
          name: feedWebhookParameterName(args.namePrefix, feed.name),
          type: "SecureString",
          keyId: this.key.arn,
          value: pulumi.secret(feed.slackWebhookUrl),
          description: `Slack incoming webhook URL of feed ${feed.name}, read by check-errors-and-notify`,
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      topicArn: this.topic.arn,
      alarmTopicArn: this.alarmTopic.arn,
      teamTopicArn: this.teamTopic.arn,
      webhookParameterName: this.webhookParameter?.name,
    });
  }

  /**
   * The SSM parameter a feed's Slack notices read: its own, else the stack's; `undefined` when the feed posts to no
   * Slack.
   */
  webhookParameterOf(feed: string): aws.ssm.Parameter | undefined {
    const config = this.feeds.find((f) => f.name === feed);
    if (!config?.slack) return undefined;
    const parameter = this.feedWebhookParameters[feed] ?? this.webhookParameter;
    if (parameter === undefined) {
      throw new Error(`Notifications: feed ${feed} posts to Slack, but neither it nor the stack has a webhook URL`);
    }
    return parameter;
  }

  /** Every webhook parameter some feed reads (the check may read exactly these). */
  webhookParametersInUse(): aws.ssm.Parameter[] {
    const used = this.feeds.map((f) => this.webhookParameterOf(f.name)).filter((p) => p !== undefined);
    return [...new Set(used)];
  }
}
