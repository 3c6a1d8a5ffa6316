import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { METRICS } from "../../functions/contract";
import { parseDocument, ROOT, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

const EXTRA = Array.from({ length: 11 }, (_, i) => `extra_${i + 1}`);

/** Valid rows of samples/orders.schema.yaml under a header with 11 columns the schema does not define. */
const CSV = [
  ["order_id,email,amount,quantity,status,ordered_at,updated_at,note", ...EXTRA].join(","),
  ...[1, 2, 3].map((i) =>
    [
      `ORD-00000${i},customer${i}@example.com,100.50,${i},NEW,2024-10-19,2024-10-19T02:15:00+09:00,ok`,
      ...EXTRA.map(() => "x"),
    ].join(","),
  ),
  "",
].join("\n");

describe("npm start: a valid file whose header has unknown columns", function () {
  this.timeout(180_000);
  const dir = join(ROOT, ".tmp", `e2e-warnings-${process.pid}`);
  const tmps: string[] = [dir];
  after(() => {
    for (const t of tmps) rmSync(t, { recursive: true, force: true });
  });

  it("counts 11 warnings and no error, publishes WarningCount apart from ErrorCount and pages no one", async () => {
    mkdirSync(dir, { recursive: true });
    const csv = join(dir, "extra-columns.csv");
    writeFileSync(csv, CSV);
    const out = join(dir, "out");

    const result = await runCli([csv, "--json", "--now", WEEKDAY_MORNING, "--out", out]);
    tmps.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, { total: 3, valid: 3, invalid: 0 });
    assert.deepEqual(doc.errors, {
      total: 0,
      critical: 0,
      byType: {},
      bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    });
    assert.deepEqual(doc.warnings, { total: 11, byType: { SchemaError: 11 } });
    const onPipeline = (name: string) =>
      doc.metrics.find((m) => m.name === name && Object.keys(m.dimensions).length === 1)?.value;
    assert.equal(onPipeline(METRICS.errorCount), 0, "the ErrorCount alarm (> 10) sees nothing");
    assert.equal(onPipeline(METRICS.criticalErrorCount), 0);
    assert.equal(onPipeline(METRICS.warningCount), 11);
    // Warnings go where LOW goes (Slack by default), never to on-call.
    assert.deepEqual(
      doc.notifications.map((n) => `${n.channel}:${n.status}`),
      ["slack:sent"],
    );
    assert.match(doc.notifications[0].body, /ℹ️ CSV処理完了\(警告あり\)/);
    assert.match(doc.notifications[0].body, /警告 11件/);

    const logs = readFileSync(join(out, "logs.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const finished = logs.filter((l) => l.message === "check finished");
    assert.deepEqual(
      finished.map((l) => [l.severity, l.errorCount, l.warningCount]),
      [["WARNING", 0, 11]],
    );
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.match(
      html,
      /<th>warnings<\/th><\/tr>\n<tr><td class="num">3<\/td><td class="num">3<\/td>(<td class="num">0<\/td>){3}<td class="num">11<\/td><\/tr>/,
    );
    // errors.csv lists the header warnings (LOW) too: the page says what its table holds.
    assert.match(html, /<h2 id="errors">Every error and header warning \(11\)<\/h2>/);
    assert.match(html, /<p class="warnings"><strong>Warnings \(no row rejected\): 11<\/strong> — SchemaError 11\./);
  });
});
