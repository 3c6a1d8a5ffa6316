import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseDocument, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

/** C0/C1 controls but TAB and LF (LF separates the output's own lines). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("npm start with untrusted bytes", function () {
  this.timeout(120_000);
  const tmps: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), "csv-untrusted-"));
    tmps.push(dir);
    return dir;
  };
  after(() => {
    for (const t of tmps) rmSync(t, { recursive: true, force: true });
  });

  it("prints no control character from the file to the terminal, and sends none in any notice", async () => {
    const file = join(scratch(), "h\x1b[31m.csv");
    writeFileSync(file, "foo,\x1b[2J\x1b[1;31mStatus SUCCEEDED\x1b[0m\x07\n1,2\n");

    const human = await runCli([file, "--now", WEEKDAY_MORNING]);
    tmps.push(human.tmp);
    assert.equal(human.code, 1, human.stderr);
    assert.doesNotMatch(human.stdout, RAW_CONTROL);
    assert.match(human.stdout, /\\x1b\[2J\\x1b\[1;31mStatus SUCCEEDED\\x1b\[0m\\x07/);

    const json = await runCli([file, "--now", WEEKDAY_MORNING, "--json"]);
    tmps.push(json.tmp);
    const doc = parseDocument(json);
    assert.ok(doc.notifications.length >= 2, "the rejected file is notified");
    for (const n of doc.notifications) {
      assert.doesNotMatch(n.body, RAW_CONTROL, `${n.channel} body`);
      assert.doesNotMatch(n.subject ?? "", RAW_CONTROL, `${n.channel} subject`);
    }
  });

  it("rejects a gzip file renamed .csv with one CRITICAL record that names it", async () => {
    const file = join(scratch(), "orders.csv");
    writeFileSync(file, gzipSync(Buffer.from("order_id,email\nORD-000001,a@example.com\n")));
    const result = await runCli([file, "--now", WEEKDAY_MORNING, "--json"]);
    tmps.push(result.tmp);
    const doc = parseDocument(result);
    assert.equal(result.code, 1);
    assert.deepEqual([doc.errors.total, doc.errors.bySeverity.CRITICAL, doc.errors.byType.EncodingError], [1, 1, 1]);
    const email = doc.notifications.find((n) => n.channel === "email");
    // The notice's language (the local default, ja) names it, in the reason line and in the record's detail.
    const reason = "ファイルが CSV テキストではありません: gzip で圧縮されています。展開(gunzip)して";
    assert.equal(email?.body.split(reason).length, 3, email?.body);
    assert.doesNotMatch(email?.body ?? "", /\uFFFD/);
  });
});
