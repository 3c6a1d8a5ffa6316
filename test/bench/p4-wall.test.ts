import assert from "node:assert/strict";
import { P4_WALL_BEYOND_FLOOR_MAX, p4WallRows } from "../../bench/p4-end-to-end";

describe("P4 wall-time rows", () => {
  it("reports the whole run's wall time without a goal", () => {
    const [wall] = p4WallRows("1,000,000", 43_405, 29_544, 3_852);
    assert.equal(wall.id, "P4.wall");
    assert.equal(wall.goal, "report only");
    assert.equal(wall.pass, true);
    assert.equal(wall.ours, 43_405);
  });

  it("judges the time beyond the local DynamoDB's floor against 4 × bare csv-parse", () => {
    assert.equal(P4_WALL_BEYOND_FLOOR_MAX, 4);
    const rows = p4WallRows("1,000,000", 43_405, 29_544, 3_852);
    assert.equal(rows.length, 2);
    const beyond = rows[1];
    assert.equal(beyond.id, "P4.wall.beyond-floor");
    assert.equal(beyond.ours, 13_861);
    assert.equal(beyond.anchor, 3_852);
    assert.equal(beyond.goal, "ratio ≤ 4");
    assert.equal(beyond.pass, true, `13,861 ms beyond the floor is ${beyond.ratio}× bare csv-parse`);
  });

  it("fails when the run takes more than 4 × bare csv-parse beyond the floor", () => {
    const beyond = p4WallRows("50,000", 10_000 + 4 * 1_000 + 1, 10_000, 1_000)[1];
    assert.equal(beyond.pass, false);
    assert.equal(p4WallRows("50,000", 10_000 + 4 * 1_000, 10_000, 1_000)[1].pass, true);
  });

  it("counts a run faster than the floor alone as no time beyond it", () => {
    const beyond = p4WallRows("50,000", 900, 1_200, 300)[1];
    assert.equal(beyond.ours, 0);
    assert.equal(beyond.pass, true);
  });
});
