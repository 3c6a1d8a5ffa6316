import assert from "node:assert/strict";
import {
  FAILED_STEPS,
  MAX_SHOWN_CAUSE,
  shortCause,
  summarizeFailure,
} from "../../../../functions/core/records/failure";
import { STATE_NAMES } from "../../../../workflow/pipeline";

const lambdaCause = JSON.stringify({
  errorMessage: "Injected fault: the process handling chunk 1 exited with status 1",
  errorType: "Runtime.ExitError",
  trace: [
    "Runtime.ExitError: Injected fault: the process handling chunk 1 exited with status 1",
    "    at lambdaError (/work/app/local/run.ts:147:15)",
    "    at TaskStateAction.execute (/work/app/node_modules/aws-local-stepfunctions/build/main.node.cjs:2450:15)",
  ],
});

describe("summarizeFailure", () => {
  it("names the step, the error and the Lambda error's message, without its trace", () => {
    const f = summarizeFailure({ Error: "Runtime.ExitError", Cause: lambdaCause }, "OK");
    assert.deepEqual(f, {
      step: "ProcessChunks",
      error: "Runtime.ExitError",
      cause: "Injected fault: the process handling chunk 1 exited with status 1",
    });
  });

  it("names SplitCsv when split never reported, and uses the workflow's state names", () => {
    assert.equal(summarizeFailure({ Error: "InputError", Cause: "bad" }, "NOT_RUN").step, "SplitCsv");
    assert.equal(FAILED_STEPS.split, STATE_NAMES.splitCsv);
    assert.equal(FAILED_STEPS.chunks, STATE_NAMES.processChunks);
  });

  it("names the step the definition named after the Catch, whatever the split's status", () => {
    const find = summarizeFailure(
      { Error: "States.ExceedToleratedFailureThreshold", Cause: "x", step: "FindDuplicates" },
      "OK",
    );
    assert.equal(find.step, STATE_NAMES.findDuplicates);
    assert.equal(summarizeFailure({ Error: "E", Cause: "", step: "ApplyDuplicates" }, "OK").step, "ApplyDuplicates");
    assert.equal(FAILED_STEPS.findDuplicates, STATE_NAMES.findDuplicates);
    assert.equal(FAILED_STEPS.applyDuplicates, STATE_NAMES.applyDuplicates);
    // A name that is no step a Catch hands to the check is not shown: the step is inferred as before.
    assert.equal(summarizeFailure({ Error: "E", Cause: "", step: "<!channel>" }, "OK").step, "ProcessChunks");
    assert.equal(summarizeFailure({ Error: "E", Cause: "", step: 7 } as never, "NOT_RUN").step, "SplitCsv");
  });

  it("handles every caught shape: no Cause, a non-JSON Cause, a huge Cause, a cause with paths and frames", () => {
    assert.equal(summarizeFailure({ Error: "States.Timeout" } as never, "OK").cause, "");
    assert.equal(shortCause("plain text cause"), "plain text cause");
    const huge = shortCause("x".repeat(300_000));
    assert.equal(huge.length, MAX_SHOWN_CAUSE);
    assert.ok(huge.endsWith("…"));
    assert.equal(
      shortCause("Cannot read /var/task/index.js:12:3 at handler (/var/task/index.js:12:3)\nsecond line"),
      "Cannot read …",
    );
    assert.equal(shortCause('{"errorMessage":"C:\\\\app\\\\x.ts failed"}'), "… failed");
    assert.equal(summarizeFailure({ Error: "", Cause: "" }, "OK").error, "Error");
    assert.equal(shortCause("Row 3 failed at column amount"), "Row 3 failed at column amount");
  });

  it("keeps S3 keys and s3:// URLs whole: they name the file, not the code", () => {
    assert.equal(
      shortCause("s3://csv-in/incoming/orders/2025/06/a.csv: the object was replaced after the split"),
      "s3://csv-in/incoming/orders/2025/06/a.csv: the object was replaced after the split",
    );
    assert.equal(
      shortCause('{"errorMessage":"the key incoming/stock/a.csv is under no feed\'s prefix (incoming/orders/)"}'),
      "the key incoming/stock/a.csv is under no feed's prefix (incoming/orders/)",
    );
    // A path that starts a word is still hidden, also in brackets or after `=`.
    assert.equal(shortCause("failed [/var/task/index.js:3] file=/opt/x/y.js"), "failed […] file=…");
  });
});
