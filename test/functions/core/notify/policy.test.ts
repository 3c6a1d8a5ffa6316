import assert from "node:assert/strict";
import { DEFAULT_NOTIFY_POLICY, PolicyError, parseNotifyPolicy } from "../../../../functions/core/notify/policy";
import {
  channelsFor,
  keyPrefixOf,
  localTime,
  quietReason,
  rateWindowStart,
} from "../../../../functions/core/notify/policy-rules";

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
