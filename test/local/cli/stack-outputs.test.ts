import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCHEMA } from "../../../local/cli/args";
import { defaultFeed } from "../../../local/cli/feed-choice";
import { loadConfig } from "../../../local/cli/run-config";
import { localStackEnv, localStackOutputs } from "../../../local/cli/stack-outputs";
import { loadPipeline } from "../../../local/engine/pipeline-source";
import { parseOutputs } from "../../../ops/outputs";

describe("localStackOutputs", () => {
  const config = loadConfig(undefined);
  const feeds = [defaultFeed(config, { path: DEFAULT_SCHEMA, text: readFileSync(DEFAULT_SCHEMA, "utf8") })];
  const outputs = localStackOutputs("http://127.0.0.1:4566", config, feeds, loadPipeline("sequential"));

  it("has only keys the Pulumi program exports, as `pulumi stack output --json` prints them", () => {
    const program = readFileSync(join(__dirname, "..", "..", "..", "index.ts"), "utf8");
    const exported = new Set([...program.matchAll(/^export const (\w+)/gm)].map((m) => m[1]));
    assert.deepEqual(
      Object.keys(outputs).filter((key) => !exported.has(key)),
      [],
    );
    assert.deepEqual(outputs.uploadPrefixes, { default: "s3://csv-pipeline-local/incoming/" });
  });

  it("is what the operator's CLI reads, naming the local resources", () => {
    const parsed = parseOutputs(JSON.stringify(outputs), "outputs.json");
    assert.equal(parsed.bucketName, "csv-pipeline-local");
    assert.equal(parsed.stateMachineArn, "arn:aws:states:ap-northeast-1:123456789012:stateMachine:csv-pipeline");
    assert.equal(parsed.region, "ap-northeast-1");
    assert.equal(parsed.resultsPrefix, "results/");
  });

  it("points the env file at the one endpoint, with the operator's keys", () => {
    assert.deepEqual(Object.keys(localStackEnv("http://127.0.0.1:4566")), [
      "AWS_ENDPOINT_URL",
      "AWS_REGION",
      "AWS_DEFAULT_REGION",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
    ]);
  });
});
