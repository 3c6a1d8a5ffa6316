import assert from "node:assert/strict";
import {
  asksForHelp,
  type CommandLineOptions,
  type CommandLineProblem,
  findProblem,
  parseCommandLine,
  repeatedOption,
} from "../../../local/cli/command-line";
import { UsageError } from "../../../local/usage-error";

const OPTIONS = {
  out: { type: "string" },
  tag: { type: "string", multiple: true },
  quick: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies CommandLineOptions;

/** Words every problem with all it carries, so a test sees exactly what the helper found. */
const describe_ = (p: CommandLineProblem) =>
  p.kind === "unexpected-positional" ? `${p.kind} ${p.arg} @${p.index}` : `${p.kind} ${p.option} ${p.arg} @${p.index}`;

describe("parseCommandLine", () => {
  it("parses strictly: string, repeated and boolean flags, inline values and positionals after --", () => {
    const { values, positionals } = parseCommandLine(
      {
        args: ["--out=a.json", "--tag", "x", "--tag=y", "--quick", "p", "--", "--quick"],
        options: OPTIONS,
        allowPositionals: true,
      },
      describe_,
    );
    assert.deepEqual({ ...values }, { out: "a.json", tag: ["x", "y"], quick: true });
    assert.deepEqual(positionals, ["p", "--quick"]);
  });

  const refused: [string[], boolean, string][] = [
    [["--quick", "--colour=red"], false, "unknown-option --colour --colour=red @1"],
    [["-qx"], false, "unknown-option -q -qx @0"],
    [["--out"], false, "missing-value --out --out @0"],
    [["--out", "--quick"], false, "missing-value --out --out @0"],
    [["--tag", "-x"], false, "missing-value --tag --tag @0"],
    [["--quick=yes"], false, "unexpected-value --quick --quick=yes @0"],
    [["--quick", "report.html"], false, "unexpected-positional report.html @1"],
  ];
  for (const [args, allowPositionals, expected] of refused) {
    it(`refuses ${args.join(" ")} with a UsageError worded by the command: ${expected}`, () => {
      assert.throws(
        () => parseCommandLine({ args, options: OPTIONS, allowPositionals }, describe_),
        (err: unknown) =>
          err instanceof UsageError &&
          err.message === expected &&
          (err.cause as { code?: string }).code?.startsWith("ERR_PARSE_ARGS_") === true,
      );
    });
  }

  it("tells which argument a value starting with one dash was, so the command can show the inline form", () => {
    assert.deepEqual(findProblem(["--out", "-x"], OPTIONS, false), {
      kind: "missing-value",
      option: "--out",
      arg: "--out",
      index: 0,
      next: "-x",
    });
    assert.equal(findProblem(["--out=-x"], OPTIONS, false), undefined);
  });

  it("lets errors that are not the command line's through unchanged", () => {
    const config = { args: ["--out", "x"], options: { out: { type: "text" } } as unknown as CommandLineOptions };
    assert.throws(
      () => parseCommandLine(config, describe_),
      (err: unknown) => !(err instanceof UsageError) && (err as { code?: string }).code === "ERR_INVALID_ARG_TYPE",
    );
  });
});

describe("asksForHelp", () => {
  it("answers help asked before any refused argument, not after one", () => {
    assert.equal(asksForHelp(["--quick", "-h"], OPTIONS, false), true);
    assert.equal(asksForHelp(["--help", "--colour"], OPTIONS, false), true);
    assert.equal(asksForHelp(["--colour", "--help"], OPTIONS, false), false);
    assert.equal(asksForHelp(["--help=yes"], OPTIONS, false), false);
    assert.equal(asksForHelp(["--", "--help"], OPTIONS, true), false);
    assert.equal(asksForHelp(["--quick"], OPTIONS, false), false);
  });
});

describe("repeatedOption", () => {
  it("names a one-value flag given again, not a repeatable or boolean one", () => {
    assert.equal(repeatedOption(["--out", "a", "--quick", "--out=b"], OPTIONS), "--out");
    assert.equal(repeatedOption(["--tag", "a", "--tag", "b", "--quick", "--quick"], OPTIONS), undefined);
  });
});
