import assert from "node:assert/strict";
import { EnvironmentError, InputError } from "../../../functions/core/errors";
import {
  ANY_KEY_FEED,
  feedLabel,
  feedOfKey,
  findFeed,
  readFeeds,
  schemaLocationOf,
} from "../../../functions/core/feeds";

const TWO_FEEDS = JSON.stringify([
  { name: "orders", prefix: "incoming/orders/" },
  { name: "stock", prefix: "incoming/stock/", schema: "s3://b/_config/feeds/stock/schema.json", locale: "en" },
]);

describe("feeds (FEEDS environment)", () => {
  it("gives the one feed default for every key when FEEDS is unset or empty", () => {
    assert.deepEqual(readFeeds({}), [ANY_KEY_FEED]);
    assert.deepEqual(readFeeds({ FEEDS: "" }), [{ name: "default", prefix: "" }]);
    assert.equal(findFeed("anything/at/all.csv", {})?.name, "default");
    assert.equal(feedOfKey("b", "x.csv", {}).name, "default");
  });

  it("reads every feed with the settings its entry carries", () => {
    const feeds = readFeeds({ FEEDS: TWO_FEEDS });

    assert.deepEqual(feeds, [
      { name: "orders", prefix: "incoming/orders/" },
      { name: "stock", prefix: "incoming/stock/", schema: "s3://b/_config/feeds/stock/schema.json", locale: "en" },
    ]);
  });

  it("finds the feed whose prefix a key is under, and none for a key under no prefix", () => {
    const env = { FEEDS: TWO_FEEDS };

    assert.equal(findFeed("incoming/orders/2025/06/a.csv", env)?.name, "orders");
    assert.equal(findFeed("incoming/stock/s.csv", env)?.name, "stock");
    assert.equal(findFeed("incoming/other/x.csv", env), undefined);
    assert.equal(findFeed("incoming/orders", env), undefined, "the folder name without its slash is not under it");
  });

  it("fails a key under no feed with an InputError naming the key and every feed's prefix", () => {
    assert.throws(
      () => feedOfKey("in-bucket", "incoming/other/x.csv", { FEEDS: TWO_FEEDS }),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.name, "InputError");
        assert.equal(
          err.message,
          "s3://in-bucket/incoming/other/x.csv is under no feed's prefix (orders: incoming/orders/, stock: incoming/stock/); upload it under the prefix of the feed it belongs to.",
        );
        return true;
      },
    );
  });

  it("names FEEDS and what is wrong with it", () => {
    const bad = (raw: string, what: RegExp) =>
      assert.throws(
        () => readFeeds({ FEEDS: raw }),
        (err: unknown) =>
          err instanceof EnvironmentError && /^Environment variable FEEDS /.test(err.message) && what.test(err.message),
      );
    bad("[{", /is not JSON/);
    bad("[]", /is not a non-empty list/);
    bad('{"name":"a","prefix":"a/"}', /is not a non-empty list/);
    bad('[{"name":"a"}]', /has an entry without a name and prefix at \[0\]/);
    bad('[{"name":"Orders","prefix":"a/"}]', /names a feed "Orders" at \[0\] that is not a feed name/);
    bad('[{"name":"a","prefix":"a/"},{"name":"a","prefix":"b/"}]', /names the feed "a" twice/);
  });

  it("gives a feed's own schema location, else SCHEMA_LOCATION (named when it is missing)", () => {
    const [orders, stock] = readFeeds({ FEEDS: TWO_FEEDS });
    const env = { SCHEMA_LOCATION: "s3://b/_config/schema.json" };

    assert.equal(schemaLocationOf(stock, env), "s3://b/_config/feeds/stock/schema.json");
    assert.equal(schemaLocationOf(orders, env), "s3://b/_config/schema.json");
    assert.throws(() => schemaLocationOf(orders, {}), /Missing environment variable SCHEMA_LOCATION/);
  });

  it("labels a run's feed by its name, and a key under none as (unknown)", () => {
    assert.equal(feedLabel({ name: "stock", prefix: "s/" }), "stock");
    assert.equal(feedLabel(undefined), "(unknown)");
  });
});
