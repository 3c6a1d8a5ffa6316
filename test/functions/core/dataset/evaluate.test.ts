import assert from "node:assert/strict";
import type { DatasetRulesItem } from "../../../../functions/contract";
import { renderValidationMessage } from "../../../../functions/core/csv/validation-messages";
import {
  type DatasetInput,
  evaluateDataset,
  type HistoryRun,
  historyRunsOf,
  median,
  percent,
} from "../../../../functions/core/dataset/evaluate";

/** Earlier runs with the given row counts (newest first), `invalid` each. */
const runs = (rows: number[], invalid = 0): HistoryRun[] =>
  rows.map((r, i) => ({
    executionName: `run-${i}`,
    startTime: `2026-01-${String(20 - i).padStart(2, "0")}`,
    rows: r,
    invalid,
  }));

const input = (rules: DatasetRulesItem, over: Partial<DatasetInput> = {}): DatasetInput => ({
  rules,
  rows: 100,
  invalid: 0,
  filled: {},
  ...over,
});

const history = (over: Partial<NonNullable<DatasetRulesItem["history"]>>): DatasetRulesItem => ({
  history: { window: 10, minRuns: 3, ...over },
});

describe("evaluateDataset", () => {
  describe("rowCount", () => {
    const rules: DatasetRulesItem = { rowCount: { min: 100, max: 200, severity: "CRITICAL" } };

    it("finds a file with fewer rows than min, naming the count and the bound", () => {
      const { findings, notes } = evaluateDataset(input(rules, { rows: 99 }));

      assert.deepEqual(notes, []);
      assert.equal(findings.length, 1);
      const [f] = findings;
      assert.equal(f.rule, "dataset:rowCount");
      assert.equal(f.severity, "CRITICAL");
      assert.equal(f.measured, 99);
      assert.equal(f.bound, "100–200");
      assert.deepEqual(f.message, { key: "datasetRowCount", params: { count: 99, min: 100, max: 200 } });
      assert.equal(f.errorMessage, "The file has 99 rows; the feed expects at least 100");
    });

    it("finds a file with more rows than max", () => {
      const [f] = evaluateDataset(input(rules, { rows: 201 })).findings;
      assert.equal(f.errorMessage, "The file has 201 rows; the feed expects at most 200");
    });

    it("accepts the bounds themselves", () => {
      assert.deepEqual(evaluateDataset(input(rules, { rows: 100 })).findings, []);
      assert.deepEqual(evaluateDataset(input(rules, { rows: 200 })).findings, []);
    });

    it("finds an empty file against min, and writes a one-sided bound", () => {
      const [f] = evaluateDataset(input({ rowCount: { min: 1, severity: "HIGH" } }, { rows: 0 })).findings;
      assert.equal(f.bound, "≥ 1");
      assert.equal(f.measured, 0);
      const [g] = evaluateDataset(input({ rowCount: { max: 5, severity: "HIGH" } }, { rows: 6 })).findings;
      assert.equal(g.bound, "≤ 5");
    });
  });

  describe("completeness", () => {
    const rules: DatasetRulesItem = { completeness: { note: { min: 0.8, severity: "HIGH" } } };

    it("finds a column with a value in fewer rows than the share, as percentages", () => {
      const [f] = evaluateDataset(input(rules, { rows: 200, filled: { note: 145 } })).findings;

      assert.equal(f.rule, "dataset:completeness:note");
      assert.equal(f.column, "note");
      assert.equal(f.measured, 0.725);
      assert.equal(f.bound, "≥ 80%");
      assert.deepEqual(f.message.params, { column: "note", share: "72.5%", min: "80%" });
      assert.equal(f.errorMessage, "note has a value in 72.5% of the rows; at least 80% is expected");
      assert.equal(
        renderValidationMessage(f.message, "ja"),
        "note に値がある行は 72.5% です。80% 以上を想定しています",
      );
    });

    it("accepts exactly the share, and counts a column no chunk reported as empty", () => {
      assert.deepEqual(evaluateDataset(input(rules, { rows: 10, filled: { note: 8 } })).findings, []);
      const [f] = evaluateDataset(input(rules, { rows: 10, filled: {} })).findings;
      assert.equal(f.measured, 0);
    });

    it("is not evaluated on a file without rows, and says so", () => {
      const out = evaluateDataset(input(rules, { rows: 0 }));
      assert.deepEqual(out.findings, []);
      assert.deepEqual(out.notes, ["dataset:completeness: not evaluated: the file has no rows"]);
    });
  });

  describe("history", () => {
    const rowCount = history({ rowCount: { minRatio: 0.5, maxRatio: 2, severity: "HIGH" } });

    it("is skipped with fewer earlier runs than minRuns, with the note", () => {
      const out = evaluateDataset(input(rowCount, { rows: 1, history: { runs: runs([100, 100]) } }));

      assert.deepEqual(out.findings, []);
      assert.deepEqual(out.notes, ["history: skipped: 2 of 3 earlier runs"]);
    });

    it("applies from minRuns earlier runs on: a file below minRatio × the median", () => {
      const out = evaluateDataset(input(rowCount, { rows: 49, history: { runs: runs([100, 90, 120]) } }));

      assert.deepEqual(out.notes, []);
      assert.equal(out.findings.length, 1);
      const [f] = out.findings;
      assert.equal(f.rule, "history:rowCount");
      assert.equal(f.median, 100);
      assert.equal(f.bound, "0.5×–2×");
      assert.deepEqual(f.message.params, { count: 49, median: 100, ratio: "0.49", runs: 3, bound: "0.5×–2×" });
      assert.equal(
        f.errorMessage,
        "The file has 49 rows, 0.49× the median 100 of the feed's last 3 runs (expected 0.5×–2×)",
      );
    });

    it("accepts the ratios themselves and finds one above maxRatio", () => {
      const earlier = { runs: runs([100, 100, 100]) };
      assert.deepEqual(evaluateDataset(input(rowCount, { rows: 50, history: earlier })).findings, []);
      assert.deepEqual(evaluateDataset(input(rowCount, { rows: 200, history: earlier })).findings, []);
      const [f] = evaluateDataset(input(rowCount, { rows: 201, history: earlier })).findings;
      assert.equal(f.measured, 201);
    });

    it("compares with the median of an even count of runs (the mean of the middle two)", () => {
      // Median of 10, 20, 30, 1000 is 25: 12 rows is 0.48× (a violation); against the mean (265) it would be too.
      // 13 rows is 0.52×: no violation against 25, a violation against the lower middle value 30 (0.43×).
      const earlier = { runs: runs([1000, 10, 30, 20]) };
      assert.deepEqual(evaluateDataset(input(rowCount, { rows: 13, history: earlier })).findings, []);
      const [f] = evaluateDataset(input(rowCount, { rows: 12, history: earlier })).findings;
      assert.equal(f.median, 25);
    });

    it("reads at most `window` runs, the newest", () => {
      const rules = history({ window: 3, rowCount: { maxRatio: 2, severity: "HIGH" } });
      // The newest three have 10 rows; the older ones 1000: 30 rows is 3× the median of the window.
      const [f] = evaluateDataset(
        input(rules, { rows: 30, history: { runs: runs([10, 10, 10, 1000, 1000]) } }),
      ).findings;
      assert.equal(f.median, 10);
    });

    it("skips the row-count rule, with the reason, when the median is 0", () => {
      const out = evaluateDataset(input(rowCount, { rows: 5, history: { runs: runs([0, 0, 3]) } }));
      assert.deepEqual(out.findings, []);
      assert.deepEqual(out.notes, ["history:rowCount: skipped: the median row count of the last 3 runs is 0"]);
    });

    describe("errorRate", () => {
      const rules = history({ errorRate: { maxRatio: 3, severity: "MEDIUM" } });

      it("finds an invalid share above maxRatio × the median share", () => {
        // Earlier shares 1%, 2%, 4% (median 2%); this run 7% = 3.5×.
        const earlier: HistoryRun[] = [
          { executionName: "a", startTime: "3", rows: 100, invalid: 1 },
          { executionName: "b", startTime: "2", rows: 50, invalid: 1 },
          { executionName: "c", startTime: "1", rows: 100, invalid: 4 },
        ];
        const [f] = evaluateDataset(input(rules, { rows: 100, invalid: 7, history: { runs: earlier } })).findings;

        assert.equal(f.rule, "history:errorRate");
        assert.equal(f.severity, "MEDIUM");
        assert.equal(f.measured, 0.07);
        assert.equal(f.median, 0.02);
        assert.equal(f.bound, "≤ 3×");
        assert.deepEqual(f.message.params, { rate: "7%", median: "2%", ratio: "3.50", runs: 3, maxRatio: 3 });
        // Exactly 3× is within the bound.
        assert.deepEqual(
          evaluateDataset(input(rules, { rows: 100, invalid: 6, history: { runs: earlier } })).findings,
          [],
        );
      });

      it("leaves runs with 0 rows out of the median", () => {
        const earlier: HistoryRun[] = [
          { executionName: "a", startTime: "4", rows: 0, invalid: 0 },
          { executionName: "b", startTime: "3", rows: 100, invalid: 10 },
          { executionName: "c", startTime: "2", rows: 100, invalid: 20 },
          { executionName: "d", startTime: "1", rows: 100, invalid: 30 },
        ];
        // Median of 10%, 20%, 30% is 20%: 55% is 2.75×. Were the empty run a 0% share, the median would be 15% (3.67×).
        assert.deepEqual(
          evaluateDataset(input(rules, { rows: 100, invalid: 55, history: { runs: earlier } })).findings,
          [],
        );
        const [f] = evaluateDataset(input(rules, { rows: 100, invalid: 61, history: { runs: earlier } })).findings;
        assert.equal(f.median, 0.2);
        assert.equal(f.message.params.runs, 3);
      });

      it("calls any invalid row infinitely more than a feed without invalid rows, and none not at all", () => {
        const earlier = { runs: runs([100, 100, 100], 0) };
        const [f] = evaluateDataset(input(rules, { rows: 100, invalid: 1, history: earlier })).findings;
        assert.equal(f.message.params.ratio, "∞");
        assert.equal(renderValidationMessage(f.message, "en").includes("∞× the median 0%"), true);
        assert.deepEqual(evaluateDataset(input(rules, { rows: 100, invalid: 0, history: earlier })).findings, []);
      });
    });
  });

  it("lists row count, then completeness, then history, one finding per broken rule", () => {
    const rules: DatasetRulesItem = {
      rowCount: { min: 100, severity: "CRITICAL" },
      completeness: { note: { min: 0.5, severity: "HIGH" }, email: { min: 0.5, severity: "LOW" } },
      history: { window: 10, minRuns: 1, rowCount: { minRatio: 0.5, severity: "HIGH" } },
    };
    const out = evaluateDataset(
      input(rules, { rows: 10, filled: { note: 1, email: 1 }, history: { runs: runs([100]) } }),
    );
    assert.deepEqual(
      out.findings.map((f) => [f.rule, f.severity]),
      [
        ["dataset:rowCount", "CRITICAL"],
        ["dataset:completeness:note", "HIGH"],
        ["dataset:completeness:email", "LOW"],
        ["history:rowCount", "HIGH"],
      ],
    );
  });
});

describe("median", () => {
  it("takes the middle value of an odd count and the mean of the middle two of an even count", () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
    assert.ok(Number.isNaN(median([])));
  });
});

describe("percent", () => {
  it("shows at most two decimals", () => {
    assert.equal(percent(0.725), "72.5%");
    assert.equal(percent(0.8), "80%");
    assert.equal(percent(1 / 3), "33.33%");
  });
});

describe("historyRunsOf", () => {
  it("leaves out failed runs, runs not finished and the current run, and keeps the newest `window`", () => {
    const items = [
      { executionName: "current", startTime: "6", rows: 1, invalid: 0, status: "SUCCEEDED" },
      // The item split-csv writes when a run starts: no counts, no status until the check finishes the run.
      { executionName: "running", startTime: "5.5", rows: 0, invalid: 0, status: "" },
      { executionName: "e5", startTime: "5", rows: 5, invalid: 0, status: "FAILED" },
      { executionName: "e4", startTime: "4", rows: 4, invalid: 0, status: "SUCCEEDED" },
      { executionName: "e3", startTime: "3", rows: 3, invalid: 1, status: "SUCCEEDED" },
      { executionName: "e2", startTime: "2", rows: 2, invalid: 0, status: "SUCCEEDED" },
    ];
    assert.deepEqual(
      historyRunsOf(items, "current", 2).map((r) => r.executionName),
      ["e4", "e3"],
    );
    assert.deepEqual(
      historyRunsOf(items, "current", 10).map((r) => r.rows),
      [4, 3, 2],
    );
  });
});
