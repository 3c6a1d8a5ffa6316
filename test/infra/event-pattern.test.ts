import assert from "node:assert/strict";
import { DEFAULT_OUTCOME_SETTINGS, OUTCOME_KEYS } from "../../functions/contract";
import { csvKeyPatterns } from "../../infra/pipeline";
import { type Json, matchesEventPattern } from "../support/event-pattern-matcher";
import { runProgram } from "../support/infra-program";
import type { MockResource } from "../support/pulumi-mocks";

/** An S3 "Object Created" event as EventBridge delivers it. */
function objectCreated(bucket: string, key: string, detailType = "Object Created"): Record<string, Json> {
  return {
    version: "0",
    id: "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": detailType,
    source: "aws.s3",
    account: "123456789012",
    time: "2026-03-04T03:00:00Z",
    region: "ap-northeast-1",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key, size: 5, etag: "b1946ac92492d2347c6235b4d2611184", sequencer: "00617F08299329D189" },
      "request-id": "N4N7GDK58NMKJ12R",
      requester: "123456789012",
      "source-ip-address": "1.2.3.4",
      reason: "PutObject",
    },
  };
}

describe("Upload rule event pattern", () => {
  let pattern: Record<string, Json>;
  let bucket: string;

  before(async function () {
    this.timeout(120_000);
    const { resources } = await runProgram();
    const rule = resources.find(
      (r: MockResource) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.inputs.eventPattern !== undefined,
    )!;
    pattern = JSON.parse(String(rule.inputs.eventPattern));
    bucket = String(resources.find((r) => r.type === "aws:s3/bucket:Bucket")!.state.bucket);
  });

  for (const key of ["incoming/x.csv", "incoming/X.CSV", "incoming/report.Csv", "incoming/2026/03/x.csv"]) {
    it(`starts a run for ${key}`, () => {
      assert.equal(matchesEventPattern(pattern, objectCreated(bucket, key)), true);
    });
  }

  for (const key of [
    "incoming/x.csv.tmp",
    "incoming/x.csvx",
    "incoming/xcsv",
    "other/x.csv",
    "INCOMING/x.csv",
    "x.csv",
  ]) {
    it(`ignores ${key}`, () => {
      assert.equal(matchesEventPattern(pattern, objectCreated(bucket, key)), false);
    });
  }

  it("never starts a run for a run's own outputs (the rejected rows.csv is a valid input, but not there)", () => {
    const s = DEFAULT_OUTCOME_SETTINGS;
    const exec = "0b6f8a1e-5c1d-4f2e-9a7b-2d3c4e5f6a7b";
    const keys = [
      OUTCOME_KEYS.rejectedRows(s, exec),
      OUTCOME_KEYS.rejectedErrors(s, exec),
      OUTCOME_KEYS.rowsPart(s, exec, 3),
      OUTCOME_KEYS.errorsPart(s, exec, 3),
      OUTCOME_KEYS.processedPart(s, exec, 3),
      OUTCOME_KEYS.manifest(s, exec),
    ];
    assert.deepEqual(
      keys.filter((key) => matchesEventPattern(pattern, objectCreated(bucket, key))),
      [],
    );
  });

  it("ignores other buckets and other S3 events", () => {
    assert.equal(matchesEventPattern(pattern, objectCreated("another-bucket", "incoming/x.csv")), false);
    assert.equal(matchesEventPattern(pattern, objectCreated(bucket, "incoming/x.csv", "Object Deleted")), false);
  });

  it("matches a prefix holding * and \\ literally", () => {
    const only = (prefix: string, key: string) =>
      matchesEventPattern({ detail: { object: { key: csvKeyPatterns(prefix) } } }, objectCreated(bucket, key));
    assert.equal(only("a*b/", "a*b/x.CSV"), true);
    assert.equal(only("a*b/", "aXXb/x.csv"), false);
    assert.equal(only("a\\b/", "a\\b/x.csv"), true);
    assert.equal(only("", "x.cSv"), true);
  });
});
