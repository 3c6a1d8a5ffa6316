import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { MAX_EMAIL_RECIPIENTS } from "../../blueprint/config";
import { ConfigError, parseStackConfig, type RawConfig } from "../../infra/config";
import { checkInlinePolicySize, INLINE_ROLE_POLICY_MAX_CHARS } from "../../infra/iam";
import { parseLocalConfig } from "../../local/cli/run-config";
import { localFunctionStatements } from "../../local/services/iam-local";

const SCHEMA = { columns: [{ name: "order_id", type: "string", required: true }] };
const addresses = (n: number, domain = (i: number) => `example${i % 2}.com`) =>
  Array.from({ length: n }, (_, i) => `ops-${i}@${domain(i)}`);
const base: RawConfig = {
  rowSchema: JSON.stringify(SCHEMA),
  slackWebhookUrl: "https://hooks.slack.com/services/T/B/X",
  emailFrom: "alerts@example.com",
};

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail("expected a ConfigError");
}
const stack = (raw: RawConfig) => parseStackConfig("csv-pipeline", raw, pulumi.secret("x"));

describe("emailTo at SES's and IAM's limits", () => {
  it("takes 50 recipients, SendEmail's most", () => {
    assert.equal(MAX_EMAIL_RECIPIENTS, 50);
    const cfg = stack({ ...base, emailTo: JSON.stringify(addresses(50)) });
    assert.equal(cfg.emailTo.length, 50);
  });

  it("refuses a 51st recipient of the stack's emailTo, naming the key and the limit", () => {
    const problems = problemsOf(() => stack({ ...base, emailTo: JSON.stringify(addresses(51)) }));
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /^csv-pipeline:emailTo lists 51 addresses: SES SendEmail takes at most 50 recipients/);
  });

  it("refuses a feed's own emailTo past 50, naming feeds[i].notify.emailTo", () => {
    const feeds = [
      { name: "orders", prefix: "incoming/orders/", schema: SCHEMA },
      { name: "stock", prefix: "incoming/stock/", schema: SCHEMA, notify: { emailTo: addresses(60) } },
    ];
    const raw: RawConfig = { ...base, emailTo: '["ops@example.com"]', feeds: JSON.stringify(feeds) };
    delete raw.rowSchema;
    const problems = problemsOf(() => stack(raw));
    assert.ok(
      problems.some((p) => /feeds\[1\]\.notify\.emailTo lists 60 addresses: .*at most 50/.test(p)),
      problems.join("\n"),
    );
  });

  it("refuses the same in a local config file", () => {
    const problems = problemsOf(() =>
      parseLocalConfig(
        { emailFrom: "alerts@example.com", emailTo: addresses(51) },
        { kind: "file", path: "local.yaml" },
      ),
    );
    assert.ok(
      problems.some((p) => p.startsWith("emailTo lists 51 addresses: SES SendEmail takes at most 50")),
      problems.join("\n"),
    );
  });

  it("refuses a role policy past IAM's 10,240 characters (white space not counted), naming the role", () => {
    const fits = `{"a":"${"x".repeat(INLINE_ROLE_POLICY_MAX_CHARS - 8)}"}`;
    assert.equal(fits.length, INLINE_ROLE_POLICY_MAX_CHARS);
    assert.equal(checkInlinePolicySize("r", fits), fits);
    assert.equal(checkInlinePolicySize("r", `${fits}   \n`), `${fits}   \n`);
    assert.throws(
      () => checkInlinePolicySize("pipeline-fn-check-errors-and-notify-role", `${fits} `.replace("}", "x}")),
      /inline policy of role pipeline-fn-check-errors-and-notify-role has 10241 characters; IAM allows 10240.*emailTo/,
    );
  });

  it("finds the check's policy over IAM's limit for 50 recipients each on a domain of its own", () => {
    const render = (emailTo: string[]) => {
      const statements = localFunctionStatements(
        {
          bucket: "orders-prod-input-bucket",
          errorTable: "orders-prod-errors",
          runsTable: "orders-prod-runs",
          region: "ap-northeast-1",
          account: "123456789012",
        },
        { inputPrefix: "incoming/", emailFrom: "alerts@example.com", emailTo },
      ).checkErrors;
      return JSON.stringify({ Version: "2012-10-17", Statement: statements.map((s) => ({ Effect: "Allow", ...s })) });
    };
    // Each address adds two SES identities (the address and its domain) to the SendEmail statement.
    const shared = render(addresses(50));
    const ownDomains = render(addresses(50, (i) => `team-${i}.subsidiary.example.com`));

    assert.equal(checkInlinePolicySize("check", shared), shared);
    assert.throws(() => checkInlinePolicySize("check", ownDomains), /IAM allows 10240/);
  });
});
