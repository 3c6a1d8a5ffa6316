import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunDocument } from "../../local/report/document";
import { parseDocument, ROOT, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

const SCHEMA = join(ROOT, "samples", "orders.schema.yaml");

/** `count` data rows of the sample's first three columns (`extra` more fields each); rows in `bad` have a bad id. */
function rows(count: number, bad: ReadonlySet<number>, extra: string): string {
  const out: string[] = [];
  for (let i = 1; i <= count; i++) {
    const id = bad.has(i) ? `BAD-${i}` : `ORD-${String(i).padStart(6, "0")}`;
    out.push(`${id},user${i}@example.com,${i}.50${extra}`);
  }
  return `${out.join("\n")}\n`;
}

/** Both AWS limits are reported, with a largest value above zero and within AWS's maximum. */
function assertWithinLimits(doc: RunDocument): void {
  assert.deepEqual(
    doc.awsLimits.map((l) => [l.limit, l.max]),
    [
      ["state payload", 262_144],
      ["DynamoDB item", 409_600],
    ],
  );
  for (const l of doc.awsLimits) {
    assert.ok(l.largest > 0 && l.largest <= l.max, `${l.limit}: ${l.largest} of ${l.max}`);
    assert.ok(l.where !== "", l.limit);
  }
}

describe("npm start with a header at AWS's limits", function () {
  this.timeout(600_000);
  const tmps: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), "csv-limits-"));
    tmps.push(dir);
    return dir;
  };
  after(() => {
    for (const t of tmps) rmSync(t, { recursive: true, force: true });
  });

  it("runs a file whose header has one column name of 300,000 characters: rows counted, the warning short", async () => {
    const dir = scratch();
    const file = join(dir, "long-name.csv");
    const name = `${"n".repeat(299_990)}END_OF_NAM`;
    assert.equal(name.length, 300_000);
    writeFileSync(file, `order_id,email,amount,${name}\n${rows(40, new Set([3, 17]), ",x")}`);
    const out = join(dir, "out");

    const result = await runCli([file, "--schema", SCHEMA, "--now", WEEKDAY_MORNING, "--json", "--out", out]);
    tmps.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr.slice(-2000));
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, { total: 40, valid: 38, invalid: 2 });
    // Two bad ids (HIGH) are errors; the one column the schema does not define is a warning.
    assert.deepEqual(doc.errors.bySeverity, { LOW: 0, MEDIUM: 0, HIGH: 2, CRITICAL: 0 });
    assert.deepEqual(doc.warnings, { total: 1, byType: { SchemaError: 1 } });
    assertWithinLimits(doc);
    // Nothing carried the name whole: no item, no payload, no notice, no log line.
    const item = doc.awsLimits.find((l) => l.limit === "DynamoDB item");
    assert.ok((item?.largest ?? 0) < 8 * 1024, `largest item ${item?.largest}`);
    const payload = doc.awsLimits.find((l) => l.limit === "state payload");
    assert.ok((payload?.largest ?? 0) < 64 * 1024, `largest payload ${payload?.largest}`);
    for (const n of doc.notifications) assert.ok(!n.body.includes("n".repeat(100)), `${n.channel} quotes the name`);
    assert.ok(!result.stderr.includes("n".repeat(100)), "a log line quotes the name");
    const errorsCsv = readFileSync(join(out, "rejected", "errors.csv"), "utf8");
    const warning = errorsCsv.split("\r\n").find((l) => l.includes("SchemaError"));
    assert.ok(warning, errorsCsv.slice(0, 500));
    // (errors.csv doubles the quotes inside a quoted field.)
    assert.match(warning, /4列目\(300,000文字: ""n{24}…""\)|column 4 \(300,000 characters: ""n{24}…""\)/);
    assert.ok(warning.length < 300, warning);
    // rows.csv is a valid input again: the header whole (the chunks read it from the file), then the two rows.
    const rowsCsv = readFileSync(join(out, "rejected", "rows.csv"), "utf8").replace(/^\uFEFF/, "");
    const [header, ...rejected] = rowsCsv.split("\r\n").filter((l) => l !== "");
    assert.equal(header, `order_id,email,amount,${name}`);
    assert.deepEqual(
      rejected.map((l) => l.split(",")[0]),
      ["BAD-3", "BAD-17"],
    );
  });

  it("runs a file with 12,000 columns: rows counted and validated, every extra column warned of", async () => {
    const dir = scratch();
    const file = join(dir, "wide.csv");
    const extra = Array.from({ length: 11_997 }, (_, i) => `extra_column_${String(i + 4).padStart(5, "0")}`);
    const header = ["order_id", "email", "amount", ...extra];
    assert.equal(header.length, 12_000);
    const values = `,${extra.map((_, i) => String(i % 10)).join(",")}`;
    writeFileSync(file, `${header.join(",")}\n${rows(12, new Set([5]), values)}`);

    const result = await runCli([file, "--schema", SCHEMA, "--now", WEEKDAY_MORNING, "--json"]);
    tmps.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr.slice(-2000));
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, { total: 12, valid: 11, invalid: 1 });
    assert.deepEqual(doc.errors.bySeverity, { LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 0 });
    assert.deepEqual(doc.warnings, { total: 11_997, byType: { SchemaError: 11_997 } });
    assertWithinLimits(doc);
    // The header (≈ 240 KB of names as JSON) stayed out of the state.
    const payload = doc.awsLimits.find((l) => l.limit === "state payload");
    assert.ok((payload?.largest ?? 0) < 64 * 1024, `largest payload ${payload?.largest}`);
    for (const n of doc.notifications) assert.ok(n.body.length < 64 * 1024, `${n.channel}: ${n.body.length} chars`);
  });
});
