import assert from "node:assert/strict";
import { createLogger, LOG_LEVEL_ENV, type LogSink, setLogSink, withFields } from "../../../functions/core/log";
import { restoreEnv } from "../../support/env";

describe("logger", () => {
  it("writes one JSON line per call: timestamp, level, logger, message, then the fields", () => {
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      const log = withFields(createLogger("split-csv"), { feed: "orders" });
      log.warn("upload claimed again", { executionName: "e1", skipped: undefined, error: new Error("boom") });
    } finally {
      setLogSink(previous);
    }
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(entry), ["timestamp", "level", "logger", "message", "feed", "executionName", "error"]);
    assert.match(entry.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(
      { ...entry, timestamp: undefined },
      {
        timestamp: undefined,
        level: "WARN",
        logger: "split-csv",
        message: "upload claimed again",
        feed: "orders",
        executionName: "e1",
        error: { name: "Error", message: "boom" },
      },
    );
  });

  it(`writes from the ${LOG_LEVEL_ENV} level up, read when the module loads, in any case`, () => {
    const path = require.resolve("../../../functions/core/log");
    const saved = { ...process.env };
    const cached = require.cache[path];
    try {
      process.env[LOG_LEVEL_ENV] = "warn";
      delete require.cache[path];
      const fresh = require(path) as { createLogger: typeof createLogger; setLogSink: (s: LogSink) => LogSink };
      const levels: string[] = [];
      fresh.setLogSink((line) => levels.push(JSON.parse(line).level));
      const log = fresh.createLogger("process-chunk");
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
      assert.deepEqual(levels, ["WARN", "ERROR"]);

      process.env[LOG_LEVEL_ENV] = "verbose";
      delete require.cache[path];
      assert.throws(
        () => require(path),
        (e: unknown) =>
          e instanceof Error &&
          e.name === "EnvironmentError" &&
          e.message ===
            'Environment variable LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR (got "verbose"), e.g. INFO.',
      );
    } finally {
      restoreEnv(saved);
      if (cached) require.cache[path] = cached;
    }
  });
});
