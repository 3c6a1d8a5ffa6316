import assert from "node:assert/strict";
import { DEFAULT_NOTIFY_POLICY, PolicyError, parseNotifyPolicy } from "../../functions/core/notify/policy";
import {
  channelsFor,
  keyPrefixOf,
  localTime,
  quietReason,
  rateWindowStart,
} from "../../functions/core/notify/policy-rules";
import { noticeLevel, summarizeRun } from "../../functions/core/records/summary";
import { sampleSummary } from "./support";

describe("parseNotifyPolicy", () => {
  it("fills every default from an empty policy", () => {
    assert.deepEqual(parseNotifyPolicy(""), DEFAULT_NOTIFY_POLICY);
    assert.deepEqual(parseNotifyPolicy("{}"), DEFAULT_NOTIFY_POLICY);
  });

  it("keeps given values and defaults the rest of a nested object", () => {
    const p = parseNotifyPolicy({ locale: "en", rateLimit: { max: 3 }, quietHours: { start: "21:30" } });
    assert.equal(p.locale, "en");
    assert.deepEqual(p.rateLimit, { max: 3, windowMinutes: 10 });
    assert.equal(p.quietHours.start, "21:30");
    assert.equal(p.quietHours.end, "07:00");
  });

  it("names every bad key and shows an example", () => {
    assert.throws(
      () =>
        parseNotifyPolicy(
          { timeZone: "Mars/Base", quietHours: { start: "25:00" }, routing: { HIGH: ["fax"] }, extra: 1 },
          "NOTIFY_POLICY",
        ),
      (e: unknown) => {
        assert.ok(e instanceof PolicyError);
        assert.match(e.message, /^NOTIFY_POLICY is invalid/);
        assert.match(e.message, /timeZone: is not an IANA time zone/);
        assert.match(e.message, /quietHours\.start: must be "HH:MM"/);
        assert.match(e.message, /routing\.HIGH\.0/);
        assert.match(e.message, /extra/);
        assert.match(e.message, /Example: \{"locale"/);
        return true;
      },
    );
    assert.throws(() => parseNotifyPolicy("{not json"), /is not valid JSON/);
    assert.throws(() => parseNotifyPolicy({ rateLimit: { max: 0 } }), /rateLimit\.max/);
  });
});

describe("quietReason (Asia/Tokyo, 22:00–07:00, weekends, holidays)", () => {
  const policy = parseNotifyPolicy({ quietHours: { extraDates: ["2025-06-03"] } });
  const at = (iso: string) => quietReason(new Date(iso), policy);

  it("is not quiet on a weekday at noon", () => assert.equal(at("2025-06-02T03:00:00Z"), undefined)); // Mon 12:00 JST
  it("is quiet at night, judged in the policy's zone", () => {
    assert.equal(at("2025-06-02T14:30:00Z"), "night"); // Mon 23:30 JST
    assert.equal(at("2025-06-01T21:59:00Z"), "night"); // Mon 06:59 JST
    assert.equal(at("2025-06-01T22:00:00Z"), undefined); // Mon 07:00 JST: window over
    assert.equal(at("2025-06-02T12:59:00Z"), undefined); // Mon 21:59 JST
    assert.equal(at("2025-06-02T13:00:00Z"), "night"); // Mon 22:00 JST
  });
  it("is quiet all day on weekends", () => assert.equal(at("2025-06-07T03:00:00Z"), "weekend")); // Sat 12:00 JST
  it("is quiet on a Japanese public holiday", () => assert.equal(at("2025-05-05T03:00:00Z"), "holiday")); // Children's Day, Mon
  it("is quiet on an extra configured date", () => assert.equal(at("2025-06-03T03:00:00Z"), "extra-date"));
  it("honours a window that does not wrap midnight and can be switched off", () => {
    const day = parseNotifyPolicy({ quietHours: { start: "12:00", end: "13:00", weekends: false } });
    assert.equal(quietReason(new Date("2025-06-02T03:30:00Z"), day), "night");
    assert.equal(quietReason(new Date("2025-06-07T02:00:00Z"), day), undefined); // Sat 11:00, weekends off
    const off = parseNotifyPolicy({ quietHours: { enabled: false } });
    assert.equal(quietReason(new Date("2025-06-07T14:30:00Z"), off), undefined);
  });
  it("reads local time in another zone", () => {
    assert.deepEqual(localTime(new Date("2025-06-02T03:00:00Z"), "America/New_York"), {
      date: "2025-06-01",
      minutes: 23 * 60,
      weekday: 0,
    });
  });
});

describe("policy rules", () => {
  it("aligns rate windows to the window size", () => {
    const p = parseNotifyPolicy({ rateLimit: { windowMinutes: 10 } });
    assert.equal(rateWindowStart(new Date("2025-06-02T03:09:59Z"), p), Date.parse("2025-06-02T03:00:00Z"));
    assert.equal(rateWindowStart(new Date("2025-06-02T03:10:00Z"), p), Date.parse("2025-06-02T03:10:00Z"));
  });
  it("routes by severity and sends success notices to Slack only", () => {
    const p = DEFAULT_NOTIFY_POLICY;
    assert.deepEqual(channelsFor("CRITICAL", p), ["sns", "slack", "email"]);
    assert.deepEqual(channelsFor("HIGH", p), ["slack", "email"]);
    assert.deepEqual(channelsFor("MEDIUM", p), ["slack"]);
    assert.deepEqual(channelsFor("LOW", p), ["slack"]);
    assert.deepEqual(channelsFor("SUCCESS", p), ["slack"]);
    assert.deepEqual(channelsFor("SUCCESS", { ...p, successNotice: false }), []);
  });
  it("takes the key's folder as the streak prefix", () => {
    assert.equal(keyPrefixOf("incoming/shop-a/x.csv"), "incoming/shop-a/");
    assert.equal(keyPrefixOf("x.csv"), "/");
  });
});

describe("summarizeRun / noticeLevel", () => {
  const input = {
    executionName: "e",
    startTime: "2025-06-02T03:00:00Z",
    bucket: "b",
    key: "k.csv",
    chunkCount: 3,
    splitStatus: "OK" as const,
  };
  const chunk = (chunkId: number, high: number) => ({
    pk: "EXEC#e",
    sk: `CHUNK#${chunkId}`,
    executionName: "e",
    chunkId,
    rows: 10,
    valid: 10 - high,
    invalid: high,
    byType: { ValidationError: high },
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: high, CRITICAL: 0 },
    errors: high,
    updatedAt: "",
    expiresAt: 0,
  });
  const file = {
    pk: "EXEC#e",
    sk: "FILE" as const,
    executionName: "e",
    bucket: "b",
    key: "k.csv",
    status: "OK" as const,
    encoding: "utf-8",
    chunkCount: 3,
    byType: {},
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    errors: 0,
    updatedAt: "",
    expiresAt: 0,
  };

  it("sums FILE and every chunk exactly, counting a duplicated chunk once", () => {
    const s = summarizeRun(input, file, [chunk(1, 2), chunk(2, 0), chunk(3, 5), chunk(3, 5)]);
    assert.equal(s.errorCount, 7);
    assert.equal(s.criticalCount, 7);
    assert.deepEqual(s.rows, { total: 30, valid: 23, invalid: 7 });
    assert.equal(s.runFailed, false);
    assert.equal(noticeLevel(s, false), "HIGH");
  });

  it("reports failed chunks, a Catch failure and a rejected file as CRITICAL with zero row errors", () => {
    const missing = summarizeRun(input, file, [chunk(1, 0)]);
    assert.equal(missing.failedChunks, 2);
    assert.deepEqual(missing.failureReasons, ["chunks-failed"]);
    assert.equal(noticeLevel(missing, false), "CRITICAL");
    const caught = summarizeRun(
      { ...input, chunkCount: 0, splitStatus: "NOT_RUN", failure: { Error: "States.TaskFailed", Cause: "boom" } },
      undefined,
      [],
    );
    assert.deepEqual(caught.failureReasons, ["state-failed"]);
    assert.equal(caught.errorCount, 0);
    assert.equal(noticeLevel(caught, false), "CRITICAL");
    const rejected = summarizeRun(
      { ...input, chunkCount: 0, splitStatus: "REJECTED" },
      {
        ...file,
        status: "REJECTED",
        errors: 1,
        bySeverity: { ...file.bySeverity, CRITICAL: 1 },
        byType: { SchemaError: 1 },
      },
      [],
    );
    assert.deepEqual(rejected.failureReasons, ["file-rejected"]);
    assert.deepEqual(rejected.byType, { SchemaError: 1 });
  });

  it("is SUCCESS for a clean run and escalates a non-critical run", () => {
    assert.equal(
      noticeLevel(
        sampleSummary({ errorCount: 0, criticalCount: 0, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } }),
        false,
      ),
      "SUCCESS",
    );
    assert.equal(
      noticeLevel(sampleSummary({ bySeverity: { LOW: 1, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } }), true),
      "CRITICAL",
    );
  });
});
