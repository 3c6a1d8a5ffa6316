import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { installMocks, PROJECT, settle } from "../test/support/pulumi-mocks";

/**
 * Renders the Pulumi program of the dev stack (Pulumi.dev.yaml) under mocks and writes, into `out/`:
 * `dashboard.json` (the CloudWatch dashboard body), `policies/<role>.json` (each role's inline policy) and
 * `state-machine.asl.json` (the definition on the stack's ARNs). No AWS account or Pulumi CLI is needed.
 */
async function main(): Promise<void> {
  const doc = YAML.parse(readFileSync("Pulumi.dev.yaml", "utf8")) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config)) {
    if (typeof value === "object" && value !== null && "secure" in value) {
      config[key] = "https://hooks.slack.com/services/T00000000/B00000000/synthplaceholder";
    } else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  // The webhook is a per-user secret (`pulumi config set --secret`): synth renders with a placeholder.
  config[`${PROJECT}:slackWebhookUrl`] ??= "https://hooks.slack.com/services/T00000000/B00000000/synthplaceholder";
  const resources = installMocks(config, [`${PROJECT}:slackWebhookUrl`]);
  require("../index");
  await settle(resources, 1000);

  const out = "out";
  mkdirSync(join(out, "policies"), { recursive: true });
  const dashboard = resources.find((r) => r.type === "aws:cloudwatch/dashboard:Dashboard");
  if (!dashboard) throw new Error("The program created no dashboard.");
  writeFileSync(
    join(out, "dashboard.json"),
    `${JSON.stringify(JSON.parse(String(dashboard.inputs.dashboardBody)), null, 2)}\n`,
  );
  const written = ["out/dashboard.json"];
  for (const policy of resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
    const file = join(out, "policies", `${policy.name.replace(/-policy$/, "")}.json`);
    writeFileSync(file, `${JSON.stringify(JSON.parse(String(policy.inputs.policy)), null, 2)}\n`);
    written.push(file);
  }
  const sm = resources.find((r) => r.type === "aws:sfn/stateMachine:StateMachine");
  if (sm) {
    writeFileSync(
      join(out, "state-machine.asl.json"),
      `${JSON.stringify(JSON.parse(String(sm.inputs.definition)), null, 2)}\n`,
    );
    written.push("out/state-machine.asl.json");
  }
  process.stdout.write(`${written.map((f) => `wrote ${f}`).join("\n")}\n`);
}

main().catch((err) => {
  process.stderr.write(`synth-infra: ${(err as Error).message}\n`);
  process.exit(1);
});
