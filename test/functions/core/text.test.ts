import assert from "node:assert/strict";
import { visible } from "../../../functions/core/text";

describe("visible", () => {
  it("shows C0 and C1 controls (TAB aside) as \\xNN and leaves other text alone", () => {
    assert.equal(visible("a\u001b[2Jb\u0007\u0000\n\r\u007f\u0085\tc"), "a\\x1b[2Jb\\x07\\x00\\x0a\\x0d\\x7f\\x85\tc");
    const plain = "注文 ORD-000001 — ok";
    assert.equal(visible(plain), plain);
  });
});
