import assert from "node:assert/strict";
import {
  DeliveryAttemptError,
  EnvironmentError,
  InputError,
  NotificationDeliveryError,
  PipelineError,
  RetryAfterExceededError,
  SlackWebhookConfigError,
  UnprocessedItemsError,
} from "../../../functions/core/errors";
import { PolicyError, parseNotifyPolicy } from "../../../functions/core/notify/policy";
import { WorkflowValidationError } from "../../../workflow/graph";

describe("PipelineError and its subclasses", () => {
  const cause = new Error("underlying");
  const cases: [PipelineError, string][] = [
    [new InputError("m", { cause }), "InputError"],
    [new EnvironmentError("m", { cause }), "EnvironmentError"],
    [new UnprocessedItemsError("m", 3, { cause }), "UnprocessedItemsError"],
    [new NotificationDeliveryError("exec", [{ channel: "sns", reason: "r" }], { cause }), "NotificationDeliveryError"],
    [new DeliveryAttemptError("m", true, undefined, { cause }), "DeliveryAttemptError"],
    [new RetryAfterExceededError("m", 1000, { cause }), "RetryAfterExceededError"],
    [new SlackWebhookConfigError("m", { cause }), "SlackWebhookConfigError"],
    [new PolicyError("m", ["p"], { cause }), "PolicyError"],
    [new WorkflowValidationError(["p"], { cause }), "WorkflowValidationError"],
  ];

  for (const [err, name] of cases) {
    it(`gives ${name} its stable name and keeps the cause`, () => {
      assert.ok(err instanceof PipelineError);
      assert.equal(err.name, name);
      assert.equal(err.cause, cause);
    });
  }

  it("keeps the parser's error as the cause of a policy that is not JSON", () => {
    assert.throws(
      () => parseNotifyPolicy("{not json", "NOTIFY_POLICY"),
      (e: unknown) => e instanceof PolicyError && e.cause instanceof SyntaxError,
    );
  });
});
