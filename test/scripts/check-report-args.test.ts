import assert from "node:assert/strict";
import { UsageError } from "../../local/usage-error";
import { parseCheckReportArgs } from "../../scripts/check-report";

describe("parseCheckReportArgs", () => {
  it("takes no report (run one first), or one report with --png and --chromium in both forms", () => {
    assert.deepEqual(parseCheckReportArgs([]), { report: undefined, png: undefined, chromium: undefined });
    assert.deepEqual(parseCheckReportArgs(["--png=shot.png", "out/report.html", "--chromium", "/usr/bin/chromium"]), {
      report: "out/report.html",
      png: "shot.png",
      chromium: "/usr/bin/chromium",
    });
  });

  const usage = "use: check-report [report.html] [--png out.png] [--chromium path]";
  const bad: [string[], string][] = [
    [["--frob"], `unknown option --frob; ${usage}`],
    [["--headless=new", "r.html"], `unknown option --headless; ${usage}`],
    [["a.html", "b.html"], `one report at a time (got a.html, b.html); ${usage}`],
    [["r.html", "--png"], `--png needs a value; ${usage}`],
    [["--png", "--chromium", "c"], `--png needs a value; ${usage}`],
    [["--chromium="], `--chromium needs a value; ${usage}`],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(" ")} with one line: ${message}`, () => {
      assert.throws(
        () => parseCheckReportArgs(argv),
        (err: unknown) => err instanceof UsageError && err.message === message,
      );
    });
  }
});
