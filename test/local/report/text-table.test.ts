import assert from "node:assert/strict";
import { renderTable } from "../../../local/report/text-table";

describe("renderTable", () => {
  it("lays out a plain table: columns two spaces apart, a rule under the head, numbers right-aligned", () => {
    const lines = renderTable(
      ["metric", "value", "unit"],
      [
        ["ErrorCount", 109, "Count"],
        ["Rows", 1000, ""],
      ],
      { alignRight: [false, true, false] },
    );

    assert.deepEqual(lines, [
      "metric      value  unit",
      "──────────  ─────  ─────",
      "ErrorCount    109  Count",
      "Rows         1000",
    ]);
  });

  it("counts a cell's width in characters, not UTF-16 units", () => {
    const lines = renderTable(
      ["bar", "n"],
      [
        ["█▌", 1],
        ["😀", 22],
      ],
    );

    assert.deepEqual(lines, ["bar  n", "───  ──", "█▌   1", "😀    22"]);
  });

  it("lays out a Markdown pipe table with every cell padded", () => {
    const lines = renderTable(
      ["id", "goal"],
      [
        ["P1", "ratio ≤ 2"],
        ["P10.x", "ok"],
      ],
      { style: "markdown" },
    );

    assert.deepEqual(lines, [
      "| id    | goal      |",
      "|-------|-----------|",
      "| P1    | ratio ≤ 2 |",
      "| P10.x | ok        |",
    ]);
  });

  it("marks right-aligned columns in the Markdown rule", () => {
    const lines = renderTable(["n"], [[7], [42]], { style: "markdown", alignRight: [true] });

    assert.deepEqual(lines, ["|  n |", "|---:|", "|  7 |", "| 42 |"]);
  });
});
