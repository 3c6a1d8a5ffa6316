import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { installMocks, PROJECT, settle } from "../test/support/pulumi-mocks";

const PLACEHOLDER_WEBHOOK = "https://hooks.slack.com/services/T00000000/B00000000/synthplaceholder";

/** A config value with every encrypted `{ secure: … }` inside it replaced by the placeholder webhook URL. */
function withPlaceholders(value: unknown): { value: unknown; secret: boolean } {
  if (typeof value !== "object" || value === null) return { value, secret: false };
  if (!Array.isArray(value) && "secure" in value) return { value: PLACEHOLDER_WEBHOOK, secret: true };
  let secret = false;
  const walk = (v: unknown) => {
    const r = withPlaceholders(v);
    secret ||= r.secret;
    return r.value;
  };
  const out = Array.isArray(value)
    ? value.map(walk)
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
  return { value: out, secret };
}

/**
 * Renders the Pulumi program of the dev stack (Pulumi.dev.yaml) under mocks and writes, into `out/`:
 * `dashboard.json` (the CloudWatch dashboard body), `policies/<role>.json` (each role's inline policy) and
 * `state-machine.asl.json` (the definition on the stack's ARNs). No AWS account or Pulumi CLI is needed.
 */
async function main(): Promise<void> {
  const doc = YAML.parse(readFileSync("Pulumi.dev.yaml", "utf8")) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys = new Set([`${PROJECT}:slackWebhookUrl`]);
  for (const [key, value] of Object.entries(doc.config)) {
    // Secrets are per-user (`pulumi config set --secret`, with `--path` inside `feeds`): synth renders placeholders.
    const { value: plain, secret } = withPlaceholders(value);
    if (secret) secretKeys.add(key);
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  config[`${PROJECT}:slackWebhookUrl`] ??= PLACEHOLDER_WEBHOOK;
  const resources = installMocks(config, [...secretKeys]);
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
