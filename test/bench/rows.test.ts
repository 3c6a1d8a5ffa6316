import assert from "node:assert/strict";
import { assertRow, renderTable, row } from "../../bench/lib/rows";

describe("bench rows", () => {
  it("computes ours / anchor and judges each kind of goal", () => {
    assert.deepEqual(row("a", "m", 3, 2, { kind: "ratio-max", max: 2 }), {
      id: "a",
      measure: "m",
      ours: 3,
      anchor: 2,
      ratio: 1.5,
      goal: "ratio ≤ 2",
      pass: true,
    });
    assert.equal(row("b", "m", 1, 4, { kind: "ratio-min", min: 0.5 }).pass, false);
    assert.equal(row("c", "m", 700, 900, { kind: "ours-max", max: 650, text: "≤ 650" }).pass, false);
    assert.equal(row("d", "m", 42, 42, { kind: "equal" }).pass, true);
  });

  it("rejects a row whose figure is not a number, naming the row and field", () => {
    const bad = { id: "P9.x", measure: "m", ours: "12", anchor: 1, ratio: 1, goal: "g", pass: true };
    assert.throws(() => assertRow(bad, 3), /row 3 \(P9\.x\): "ours" must be a finite number/);
  });

  it("renders one table line per row", () => {
    const rows = [row("a", "m", 1, 2, { kind: "equal" }), row("b", "m", 2, 2, { kind: "equal" })];
    const lines = renderTable(rows).split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[2], /^\| a +\| m +\| 1 +\| 2 +\| 0\.5 +\| ours = anchor \| NO +\|$/);
  });
});
