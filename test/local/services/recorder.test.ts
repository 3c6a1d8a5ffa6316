import assert from "node:assert/strict";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { type AwsRecorder, decodeQuery, startAwsRecorder } from "../../../local/services/aws-recorder";
import { parseFaults } from "../../../local/services/faults";
import { startSlackReceiver } from "../../../local/services/slack-receiver";

const region = "ap-northeast-1";
const fnKeys = { accessKeyId: "FUNCTIONROLE", secretAccessKey: "x" };
const sfnKeys = { accessKeyId: "STATESROLE", secretAccessKey: "x" };

describe("AwsRecorder", () => {
  let aws: AwsRecorder;
  const faults = parseFaults([]);
  before(async () => {
    aws = await startAwsRecorder({ parameters: { "/csv/slack": "http://127.0.0.1:1/hook" }, faults });
  });
  after(() => aws.stop());
  beforeEach(() => {
    aws.calls.length = 0;
  });

  it("decodes an SNS Publish with its message attributes and answers a MessageId", async () => {
    const sns = new SNSClient({ region, endpoint: aws.endpoint, credentials: fnKeys, maxAttempts: 1 });
    const out = await sns.send(
      new PublishCommand({
        TopicArn: "arn:aws:sns:ap-northeast-1:123456789012:alerts",
        Subject: "CSV 処理エラー",
        Message: "line 1\nline 2 & <b>",
        MessageAttributes: { severity: { DataType: "String", StringValue: "CRITICAL" } },
      }),
    );
    assert.match(out.MessageId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(aws.calls.length, 1);
    const call = aws.calls[0];
    assert.equal(call.service, "sns");
    assert.equal(call.action, "Publish");
    assert.equal(call.accessKeyId, "FUNCTIONROLE");
    assert.equal(call.params.Subject, "CSV 処理エラー");
    assert.equal(call.params.Message, "line 1\nline 2 & <b>");
    assert.deepEqual(call.params.MessageAttributes, [
      { Name: "severity", Value: { DataType: "String", StringValue: "CRITICAL" } },
    ]);
  });

  it("decodes an SES SendEmail with recipients and both parts", async () => {
    const ses = new SESClient({ region, endpoint: aws.endpoint, credentials: fnKeys, maxAttempts: 1 });
    const out = await ses.send(
      new SendEmailCommand({
        Source: "from@example.com",
        Destination: { ToAddresses: ["a@example.com", "b@example.com"] },
        Message: { Subject: { Data: "件名" }, Body: { Text: { Data: "本文" }, Html: { Data: "<p>本文</p>" } } },
      }),
    );
    assert.ok(out.MessageId);
    const params = aws.calls[0].params as {
      Destination: { ToAddresses: string[] };
      Message: { Body: { Html: { Data: string } } };
    };
    assert.deepEqual(params.Destination.ToAddresses, ["a@example.com", "b@example.com"]);
    assert.equal(params.Message.Body.Html.Data, "<p>本文</p>");
  });

  it("records CloudWatch PutMetricData as JSON", async () => {
    const cw = new CloudWatchClient({ region, endpoint: aws.endpoint, credentials: fnKeys, maxAttempts: 1 });
    await cw.send(
      new PutMetricDataCommand({
        Namespace: "CSV/Processing",
        MetricData: [
          { MetricName: "ErrorCount", Value: 3, Unit: "Count", Dimensions: [{ Name: "Pipeline", Value: "p" }] },
        ],
      }),
    );
    assert.equal(aws.calls[0].service, "cloudwatch");
    assert.equal(aws.calls[0].action, "PutMetricData");
    const data = (aws.calls[0].params.MetricData as { MetricName: string; Value: number }[])[0];
    assert.equal(data.MetricName, "ErrorCount");
    assert.equal(data.Value, 3);
  });

  it("serves a known SSM parameter and answers ParameterNotFound otherwise", async () => {
    const ssm = new SSMClient({ region, endpoint: aws.endpoint, credentials: fnKeys, maxAttempts: 1 });
    const got = await ssm.send(new GetParameterCommand({ Name: "/csv/slack", WithDecryption: true }));
    assert.equal(got.Parameter?.Value, "http://127.0.0.1:1/hook");
    await assert.rejects(ssm.send(new GetParameterCommand({ Name: "/missing" })), (err: unknown) => {
      assert.ok(err instanceof ParameterNotFound);
      return true;
    });
  });

  it("refuses an empty SSM parameter, as SSM's PutParameter does", async () => {
    await assert.rejects(
      startAwsRecorder({ parameters: { "/csv/ok": "https://h/x", "/csv/slack/webhook-url": "" } }),
      /^Error: SSM parameter \/csv\/slack\/webhook-url: .*Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );
  });

  it("fails SNS for the function's key but not for the exempt state machine key when sns-failure is injected", async () => {
    const plan = parseFaults(["sns-failure"]);
    const faulty = await startAwsRecorder({ faults: plan, snsFailureExemptKeys: ["STATESROLE"] });
    try {
      const input = { TopicArn: "arn:aws:sns:ap-northeast-1:123456789012:t", Message: "m" };
      const fn = new SNSClient({ region, endpoint: faulty.endpoint, credentials: fnKeys, maxAttempts: 1 });
      await assert.rejects(fn.send(new PublishCommand(input)), /Injected fault/);
      const sfn = new SNSClient({ region, endpoint: faulty.endpoint, credentials: sfnKeys, maxAttempts: 1 });
      await sfn.send(new PublishCommand(input));
      assert.deepEqual(
        faulty.calls.map((c) => [c.accessKeyId, c.status]),
        [
          ["FUNCTIONROLE", 500],
          ["STATESROLE", 200],
        ],
      );
    } finally {
      await faulty.stop();
    }
  });
});

describe("decodeQuery", () => {
  it("builds nested lists from member and entry keys", () => {
    assert.deepEqual(decodeQuery("A.member.1=x&A.member.2=y&B.C=z"), { A: ["x", "y"], B: { C: "z" } });
  });
});

describe("SlackReceiver", () => {
  it("records the exact body and answers ok", async () => {
    const slack = await startSlackReceiver();
    try {
      const body = JSON.stringify({ text: "hello <!channel>" });
      const res = await fetch(slack.webhookUrl, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "ok");
      assert.equal(slack.deliveries[0].body, body);
    } finally {
      await slack.stop();
    }
  });

  it("answers 429 with Retry-After once, then ok, when slack-429 is injected", async () => {
    const slack = await startSlackReceiver(parseFaults(["slack-429"]));
    try {
      const post = () => fetch(slack.webhookUrl, { method: "POST", body: "{}" });
      const first = await post();
      assert.equal(first.status, 429);
      assert.equal(first.headers.get("retry-after"), "1");
      assert.equal((await post()).status, 200);
    } finally {
      await slack.stop();
    }
  });

  it("answers 500 every time when slack-5xx is injected, and 404 on another path", async () => {
    const slack = await startSlackReceiver(parseFaults(["slack-5xx"]));
    try {
      for (let i = 0; i < 3; i++)
        assert.equal((await fetch(slack.webhookUrl, { method: "POST", body: "{}" })).status, 500);
      assert.equal((await fetch(`${slack.webhookUrl}x`, { method: "POST", body: "{}" })).status, 404);
    } finally {
      await slack.stop();
    }
  });

  it("answers from the script first, in order, then by its own rules, and records a delayed request on arrival", async () => {
    const slack = await startSlackReceiver(parseFaults(["slack-5xx"]));
    try {
      slack.script.push({ status: 200, body: "scripted" }, { status: 503, delayMs: 300 });
      const post = () => fetch(slack.webhookUrl, { method: "POST", body: "{}" });

      const first = await post();
      const second = post();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const seenBeforeAnswer = slack.deliveries.length;
      const third = await second.then(() => post());

      assert.deepEqual([first.status, await first.text()], [200, "scripted"]);
      assert.equal(seenBeforeAnswer, 2, "the delayed request is recorded when it arrives");
      assert.equal((await second).status, 503);
      assert.equal(third.status, 500, "the injected fault applies once the script is used up");
      assert.deepEqual(
        slack.deliveries.map((d) => d.status),
        [200, 503, 500],
      );
      slack.reset();
      assert.deepEqual([slack.deliveries.length, slack.script.length], [0, 0]);
    } finally {
      await slack.stop();
    }
  });
});
