import assert from "node:assert/strict";
import { chunkSettings, retentionDays } from "../../../functions/core/csv/settings";
import {
  choiceEnv,
  flagEnv,
  optionalEnv,
  positiveEnv,
  prefixEnv,
  readOnce,
  requireEnv,
  timeEnv,
} from "../../../functions/core/env";
import { EnvironmentError } from "../../../functions/core/errors";
import { outcomeSettings } from "../../../functions/core/outcomes/settings";
import { restoreEnv } from "../../support/env";

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

describe("environment readers of settings", () => {
  it("reads flags, prefixes and choices with their defaults, naming the variable and a valid value when bad", () => {
    assert.equal(flagEnv("F", true, {}), true);
    assert.equal(flagEnv("F", true, { F: "false" }), false);
    assert.throws(
      () => flagEnv("F", true, { F: "yes" }),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.message === 'Environment variable F must be "true" or "false" (got "yes"), e.g. true.',
    );
    assert.equal(prefixEnv("P", "rejected/", { P: "" }), "rejected/");
    assert.equal(prefixEnv("P", "rejected/", { P: "bad/" }), "bad/");
    assert.throws(
      () => prefixEnv("P", "rejected/", { P: "bad" }),
      /^EnvironmentError: Environment variable P must end with "\/" \(got "bad"\), e\.g\. "rejected\/"\.$/,
    );
    assert.equal(choiceEnv("C", ["A", "B"] as const, "A", { C: "b" }), "B");
    assert.throws(
      () => choiceEnv("C", ["A", "B"] as const, "A", { C: "c" }),
      /C must be one of A, B \(got "c"\), e\.g\. A/,
    );
    assert.equal(optionalEnv("O", { O: "" }), undefined);
  });

  it("reads a setting once, and again only when one of its variables changed", () => {
    const saved = { ...process.env };
    let reads = 0;
    const value = readOnce(["READ_ONCE_TEST"], (env) => {
      reads++;
      return positiveEnv("READ_ONCE_TEST", 1, { env });
    });
    try {
      process.env.READ_ONCE_TEST = "2";
      assert.equal(value(), 2);
      assert.equal(value(), 2);
      assert.equal(reads, 1);
      process.env.READ_ONCE_TEST = "3";
      assert.equal(value(), 3);
      assert.equal(reads, 2);
      process.env.READ_ONCE_TEST = "x";
      assert.throws(value, /READ_ONCE_TEST must be a positive number/);
      assert.throws(value, /READ_ONCE_TEST must be a positive number/, "a bad value is not kept");
    } finally {
      restoreEnv(saved);
    }
  });

  it("gives a handler's outcome and chunk settings from the function's environment as it changes between runs", () => {
    const saved = { ...process.env };
    try {
      process.env.REJECTED_PREFIX = "bad/";
      process.env.CHUNK_ROWS = "300";
      assert.equal(outcomeSettings().rejectedPrefix, "bad/");
      assert.equal(chunkSettings().rows, 300);
      process.env.REJECTED_PREFIX = "worse/";
      process.env.CHUNK_ROWS = "";
      assert.equal(outcomeSettings().rejectedPrefix, "worse/");
      assert.equal(chunkSettings().rows, 5000);
      process.env.OUTPUT_BOM = "no";
      assert.throws(
        () => outcomeSettings(),
        /^EnvironmentError: Environment variable OUTPUT_BOM must be "true" or "false"/,
      );
    } finally {
      restoreEnv(saved);
    }
  });
});
