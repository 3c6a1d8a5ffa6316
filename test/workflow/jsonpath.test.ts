import assert from "node:assert/strict";
import fc from "fast-check";
import { checkIntrinsic, checkPath } from "../../workflow/jsonpath";

const name = fc.stringMatching(/^[A-Za-z_\u3040-\u30ff][A-Za-z0-9_\u3040-\u30ff-]{0,11}$/);
const step = fc.oneof(
  name.map((n) => `.${n}`),
  fc.nat(999).map((i) => `[${i}]`),
  name.map((n) => `['${n}']`),
);

describe("checkPath", () => {
  it("accepts every path built from name, index and quoted steps, as a reference path too", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), (steps) => {
        const path = `$${steps.join("")}`;
        assert.equal(checkPath(path, { reference: true }), undefined, path);
      }),
    );
  });

  it("rejects any such path that does not start with $, naming the fix", () => {
    fc.assert(
      fc.property(name, fc.array(step, { maxLength: 4 }), (first, steps) => {
        const path = `${first}${steps.join("")}`;
        assert.match(checkPath(path) ?? "", /must start with '\$' \(input\) or '\$\$\.' \(context object\)/);
      }),
    );
  });

  it("accepts wildcards in a path but not in a reference path", () => {
    assert.equal(checkPath("$.items[*].id"), undefined);
    assert.match(checkPath("$.items[*].id", { reference: true }) ?? "", /which a reference path cannot/);
    assert.match(checkPath("$.items.*", { reference: true }) ?? "", /uses a wildcard/);
  });
});

describe("checkIntrinsic", () => {
  it("accepts nested calls, escaped quotes and context paths", () => {
    assert.equal(
      checkIntrinsic("States.Format('it\\'s {} of {}', $$.Execution.Name, States.ArrayLength($.a))"),
      undefined,
    );
    assert.equal(checkIntrinsic("States.UUID()"), undefined);
  });

  it("names an unterminated string literal and a bad argument path", () => {
    assert.match(checkIntrinsic("States.Format('oops, $.a)") ?? "", /unterminated string literal/);
    assert.match(checkIntrinsic("States.Format('{}', a.b)") ?? "", /argument 'a.b' must start with '\$'/);
  });
});
