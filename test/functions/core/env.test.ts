import assert from "node:assert/strict";
import { chunkSettings, retentionDays } from "../../../functions/core/csv/settings";
import { positiveEnv, requireEnv, timeEnv } from "../../../functions/core/env";
import { EnvironmentError } from "../../../functions/core/errors";

describe("environment reader", () => {
  it("returns a set variable and fails naming a missing or empty one", () => {
    assert.equal(requireEnv("A", { A: "x" }), "x");
    for (const env of [{}, { A: "" }]) {
      assert.throws(
        () => requireEnv("A", env),
        (e: unknown) => e instanceof EnvironmentError && /^Missing environment variable A:/.test(e.message),
      );
    }
  });

  it("reads positive numbers with their default, naming the variable and a valid value when bad", () => {
    assert.deepEqual(chunkSettings({}), { rows: 5000, bytes: 4 * 1024 * 1024 });
    assert.deepEqual(chunkSettings({ CHUNK_ROWS: "300", CHUNK_BYTES: "" }), { rows: 300, bytes: 4 * 1024 * 1024 });
    assert.equal(retentionDays({ ERROR_RETENTION_DAYS: "0.5" }), 0.5);
    assert.throws(
      () => chunkSettings({ CHUNK_ROWS: "1.5" }),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.message === 'Environment variable CHUNK_ROWS must be a positive whole number (got "1.5"), e.g. 5000.',
    );
    assert.throws(
      () => retentionDays({ ERROR_RETENTION_DAYS: "-1" }),
      /ERROR_RETENTION_DAYS must be a positive number .*e\.g\. 30/,
    );
    assert.throws(() => positiveEnv("N", 1, { env: { N: "ten" } }), EnvironmentError);
  });

  it("reads an ISO-8601 time and names a malformed one", () => {
    assert.equal(timeEnv("T", {}), undefined);
    assert.equal(timeEnv("T", { T: "2025-06-03T10:00:00+09:00" })?.toISOString(), "2025-06-03T01:00:00.000Z");
    assert.throws(() => timeEnv("T", { T: "tomorrow" }), /Environment variable T must be an ISO-8601 time/);
  });
});
