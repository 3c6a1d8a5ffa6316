import assert from "node:assert/strict";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DEFAULT_OUTCOME_SETTINGS } from "../../../functions/contract";
import {
  createWriteStreamNoFollow,
  ensureRealDirectory,
  SymlinkRefusedError,
  writeFileNoFollow,
} from "../../../local/report/out-files";
import { copyOutcomeFiles, OutcomeReader, outcomeKeys } from "../../../local/report/outcomes";
import { prepareOutputDir } from "../../../local/report/report-files";
import { type LocalServices, startLocalServices } from "../../../local/services/services";
import { UsageError } from "../../../local/usage-error";

describe("writing into --out without following symbolic links", () => {
  let tmp: string;
  let outside: string;
  let secret: string;

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), "csv-out-links-"));
    outside = join(tmp, "outside");
    mkdirSync(outside);
    secret = join(outside, "secret.txt");
    writeFileSync(secret, "keep me");
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const refused = (path: string) => (err: unknown) =>
    err instanceof SymlinkRefusedError && err.path === path && err.message.includes("is a symbolic link");

  it("refuses to write a file whose name is a link, leaving the link's target as it was", () => {
    const out = join(tmp, "out");
    mkdirSync(out);
    symlinkSync(secret, join(out, "run.json"));

    assert.throws(() => writeFileNoFollow(join(out, "run.json"), "{}"), refused(join(out, "run.json")));
    assert.throws(() => createWriteStreamNoFollow(join(out, "run.json")), refused(join(out, "run.json")));
    assert.equal(readFileSync(secret, "utf8"), "keep me");
  });

  it("refuses a linked folder at or below the output directory, and creates what is missing", () => {
    const out = join(tmp, "out");
    mkdirSync(out);
    symlinkSync(outside, join(out, "notices"));

    assert.throws(() => ensureRealDirectory(join(out, "notices"), out), refused(join(out, "notices")));
    ensureRealDirectory(join(out, "rejected", "parts"), out);
    assert.ok(lstatSync(join(out, "rejected", "parts")).isDirectory());
  });

  it("accepts links above the output directory (the user's choice of place)", () => {
    symlinkSync(outside, join(tmp, "via-link"));
    const out = join(tmp, "via-link", "out");

    ensureRealDirectory(out);
    writeFileNoFollow(join(out, "run.json"), "{}");
    assert.equal(readFileSync(join(outside, "out", "run.json"), "utf8"), "{}");
  });

  it("refuses, before the run, an output directory that is a link or holds one under a name the run writes", () => {
    const linkedDir = join(tmp, "linked-out");
    symlinkSync(outside, linkedDir);
    const out = join(tmp, "out");
    mkdirSync(out);
    symlinkSync(secret, join(out, "report.html"));

    assert.throws(
      () => prepareOutputDir(linkedDir),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message.startsWith(`--out ${linkedDir}: ${linkedDir} is a symbolic link; the run never writes through one`),
    );
    assert.throws(
      () => prepareOutputDir(out),
      (err: unknown) =>
        err instanceof UsageError && err.message.includes(`${join(out, "report.html")} is a symbolic link`),
    );
    assert.equal(readFileSync(secret, "utf8"), "keep me");
  });

  describe("copying row outcomes", function () {
    this.timeout(20_000);
    let svc: LocalServices;
    const exec = "local-20250603T010000-0a0b0c";
    before(async () => {
      svc = await startLocalServices();
    });
    after(() => svc.stop());

    it("replaces a link named like a part with the part, and never lists or clears a linked folder", async () => {
      const keys = outcomeKeys(DEFAULT_OUTCOME_SETTINGS, exec);
      const reader = new OutcomeReader(svc.s3Endpoint, svc.bucket);
      await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: keys.rejectedErrors, Body: "row\r\n" }));
      await svc.s3.send(
        new PutObjectCommand({ Bucket: svc.bucket, Key: `processed/${exec}/part-00001.csv`, Body: "part" }),
      );
      const out = join(tmp, "out");
      mkdirSync(join(out, "processed"), { recursive: true });
      symlinkSync(secret, join(out, "processed", "part-00001.csv"));
      try {
        await copyOutcomeFiles(reader, keys, undefined, out);
        assert.equal(readFileSync(secret, "utf8"), "keep me");
        assert.ok(lstatSync(join(out, "processed", "part-00001.csv")).isFile());
        assert.equal(readFileSync(join(out, "processed", "part-00001.csv"), "utf8"), "part");

        const linked = join(tmp, "linked");
        mkdirSync(linked);
        symlinkSync(outside, join(linked, "rejected"));
        writeFileSync(join(outside, "errors.csv"), "theirs");
        await assert.rejects(copyOutcomeFiles(reader, keys, undefined, linked), refused(join(linked, "rejected")));
        assert.equal(readFileSync(join(outside, "errors.csv"), "utf8"), "theirs");
      } finally {
        reader.close();
      }
    });
  });
});
