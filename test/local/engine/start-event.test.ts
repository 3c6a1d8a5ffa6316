import assert from "node:assert/strict";
import { csvKeyPatterns, START_INPUT_TRANSFORMER } from "../../../blueprint/start-rule";
import { nextSequencer, objectCreatedEvent, transformInput } from "../../../local/engine/start-event";
import { matchesEventPattern } from "../../support/event-pattern-matcher";

const PUT = { bucket: "csv-in", key: "incoming/注文 a+b.csv", size: 12, etag: '"0123abcd"' };
const AT = { region: "ap-northeast-1", account: "123456789012", time: "2025-06-03T01:00:00.123Z" };

describe("a local execution's start: the upload's event through the rule's input transformer", () => {
  it("builds the Object Created event EventBridge delivers, which the deployed rule's pattern matches", () => {
    const event = objectCreatedEvent(PUT, { ...AT, sequencer: "0062E99A88DC407460" });

    assert.deepEqual((event as { detail: { object: unknown } }).detail.object, {
      key: "incoming/注文 a+b.csv",
      size: 12,
      etag: "0123abcd",
      sequencer: "0062E99A88DC407460",
    });
    assert.equal(event.time, "2025-06-03T01:00:00Z");
    const pattern = {
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: ["csv-in"] }, object: { key: csvKeyPatterns("incoming/") } },
    };
    assert.ok(matchesEventPattern(pattern, event));
  });

  it("gives the state machine exactly what the rule's transformer makes of it", () => {
    const event = objectCreatedEvent({ ...PUT, versionId: "v1" }, { ...AT, keyForm: "url-encoded", sequencer: "01" });

    assert.deepEqual(transformInput(START_INPUT_TRANSFORMER, event), {
      bucket: "csv-in",
      key: "incoming/%E6%B3%A8%E6%96%87+a%2Bb.csv",
      object: {
        key: "incoming/%E6%B3%A8%E6%96%87+a%2Bb.csv",
        size: 12,
        etag: "0123abcd",
        "version-id": "v1",
        sequencer: "01",
      },
    });
  });

  it("places a value inside a template string as its text and a missing path as null, as EventBridge does", () => {
    const event = { detail: { name: 'say "hi"', n: 3 } };
    const out = transformInput(
      {
        inputPaths: { name: "$.detail.name", n: "$.detail.n", none: "$.detail.none" },
        inputTemplate: '{"m": "<name> x<n>", "n": <n>, "z": <none>}',
      },
      event,
    );

    assert.deepEqual(out, { m: 'say "hi" x3', n: 3, z: null });
  });

  it("gives each new event of a key a larger sequencer", () => {
    const a = nextSequencer(1000);
    const b = nextSequencer(1000);

    assert.ok(b > a && a.length === b.length, `${a} < ${b}`);
  });
});
