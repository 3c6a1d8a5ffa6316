import assert from "node:assert/strict";
import { matchingFeed, patternMatches } from "../../../local/engine/rule-match";
import { startEventFor } from "../../../local/engine/run-execution";

const FEEDS = [
  { name: "orders", prefix: "incoming/orders/" },
  { name: "odd", prefix: "in*coming/" },
];

/** The event S3 sends EventBridge for an object of `bucket` put under `key`. */
const created = (key: string, bucket = "b") =>
  startEventFor({ bucket, key, size: 1, etag: '"e"' }, { time: "2026-01-01T00:00:00.000Z" });

describe("matchingFeed (the upload rule of a local stack)", () => {
  it("starts a run for a .csv in any letter case under a feed's prefix of the stack's bucket", () => {
    assert.equal(matchingFeed(FEEDS, "b", created("incoming/orders/a.csv"))?.name, "orders");
    assert.equal(matchingFeed(FEEDS, "b", created("incoming/orders/deep/A.CsV"))?.name, "orders");
  });

  it("starts nothing for another extension, another prefix, a prefix's other case or another bucket", () => {
    for (const key of ["incoming/orders/a.txt", "incoming/orders/a.csv.gz", "results/x.csv", "Incoming/orders/a.csv"]) {
      assert.equal(matchingFeed(FEEDS, "b", created(key)), undefined, key);
    }
    assert.equal(matchingFeed(FEEDS, "b", created("incoming/orders/a.csv", "other")), undefined);
  });

  it("takes a `*` in a prefix literally, as the deployed pattern escapes it", () => {
    assert.equal(matchingFeed(FEEDS, "b", created("in*coming/a.csv"))?.name, "odd");
    assert.equal(matchingFeed(FEEDS, "b", created("inXXcoming/a.csv")), undefined);
  });

  it("refuses to evaluate a matcher the deployed rules do not use", () => {
    assert.throws(
      () => patternMatches({ detail: { size: [{ numeric: [">", 0] }] } }, { detail: { size: 1 } }),
      /does not evaluate/,
    );
  });
});
