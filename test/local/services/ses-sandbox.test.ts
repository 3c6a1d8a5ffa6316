import assert from "node:assert/strict";
import { MessageRejected, SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { type AwsRecorder, startAwsRecorder } from "../../../local/services/aws-recorder";

const region = "ap-northeast-1";
const credentials = { accessKeyId: "FUNCTIONROLE", secretAccessKey: "x" };

describe("local SES endpoint as a sandboxed account", () => {
  let aws: AwsRecorder;
  let ses: SESClient;
  before(async () => {
    aws = await startAwsRecorder({
      ses: { verified: ["pipeline@example.com", "ops@example.com", "team.example.org"], sandbox: true, region },
    });
    ses = new SESClient({ region, endpoint: aws.endpoint, credentials, maxAttempts: 1 });
  });
  after(() => aws.stop());

  const send = (source: string, to: string[]) =>
    ses.send(
      new SendEmailCommand({
        Source: source,
        Destination: { ToAddresses: to },
        Message: { Subject: { Data: "s" }, Body: { Text: { Data: "b" } } },
      }),
    );

  it("sends from a verified address to verified addresses and to addresses at a verified domain", async () => {
    const out = await send("pipeline@example.com", ["ops@example.com", "anyone@TEAM.example.org"]);
    assert.ok(out.MessageId);
  });

  it("rejects an unverified sender with SES's MessageRejected error naming the identity and the region", async () => {
    await assert.rejects(send("other@example.com", ["ops@example.com"]), (err: unknown) => {
      assert.ok(err instanceof MessageRejected, String(err));
      assert.equal(
        err.message,
        "Email address is not verified. The following identities failed the check in region AP-NORTHEAST-1: other@example.com",
      );
      assert.equal(err.$metadata.httpStatusCode, 400);
      return true;
    });
  });

  it("rejects an unverified recipient while in the sandbox, and lets it through out of it", async () => {
    await assert.rejects(send("pipeline@example.com", ["stranger@example.net"]), /stranger@example\.net$/);
    const production = await startAwsRecorder({ ses: { verified: ["pipeline@example.com"], sandbox: false, region } });
    try {
      const client = new SESClient({ region, endpoint: production.endpoint, credentials, maxAttempts: 1 });
      const out = await client.send(
        new SendEmailCommand({
          Source: "pipeline@example.com",
          Destination: { ToAddresses: ["stranger@example.net"] },
          Message: { Subject: { Data: "s" }, Body: { Text: { Data: "b" } } },
        }),
      );
      assert.ok(out.MessageId);
    } finally {
      await production.stop();
    }
  });
});
