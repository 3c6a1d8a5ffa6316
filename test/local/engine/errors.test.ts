import assert from "node:assert/strict";
import { PipelineError } from "../../../functions/core/errors";
import { LocalSetupError } from "../../../local/engine/errors";
import { IntegrationError } from "../../../local/engine/tasks";
import { InjectedFaultError } from "../../../local/services/faults";
import { UsageError } from "../../../local/usage-error";

describe("local error classes", () => {
  it("extend PipelineError with a stable name and keep the original as cause", () => {
    const original = Object.assign(new Error("Internal Failure"), { name: "InternalErrorException" });
    const errors: [Error, string][] = [
      [new UsageError("--out x: not writable", { cause: original }), "UsageError"],
      [new LocalSetupError("functions/x.ts is not in this checkout", { cause: original }), "LocalSetupError"],
      [new IntegrationError("SNS", original), "SNS.InternalErrorException"],
    ];

    for (const [err, name] of errors) {
      assert.ok(err instanceof PipelineError, name);
      assert.equal(err.name, name);
      assert.equal(err.cause, original, name);
    }
  });

  it("name an injected fault as AWS names the failure it stands for", () => {
    const err = new InjectedFaultError("chunk-crash", "Runtime.ExitError", "chunk 1 exited");

    assert.ok(err instanceof PipelineError);
    assert.equal(err.name, "Runtime.ExitError");
    assert.equal(err.fault, "chunk-crash");
    assert.equal(err.message, "Injected fault: chunk 1 exited");
  });
});
