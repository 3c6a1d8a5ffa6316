import assert from "node:assert/strict";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { clients, setClientCredentials } from "../../../functions/adapters/clients";
import { composeObject, composeObjects } from "../../../functions/adapters/s3-compose";
import type { ComposedFile } from "../../../functions/core/outcomes/manifest";
import type { LocalStatement } from "../../../local/services/iam-local";
import { type LocalServices, startLocalServices } from "../../../local/services/services";
import { restoreEnv } from "../../support/env";

const BUCKET = "csv-pipeline-compose";
const ROLE_KEY = "COMPOSEROLE";
const MiB = 1024 * 1024;

/** What the composing role may do: read parts, write and abort uploads under `out/`. */
const STATEMENTS: LocalStatement[] = [
  { Sid: "ReadParts", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${BUCKET}/parts/*`] },
  {
    Sid: "WriteOut",
    Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
    Resource: [`arn:aws:s3:::${BUCKET}/out/*`],
  },
];

describe("composeObject / composeObjects on the local S3, signed as a role", () => {
  let svc: LocalServices;
  const saved = { ...process.env };
  let previous: ReturnType<typeof setClientCredentials>;
  /** The composing client's requests as they are sent: command and key. */
  const sent: string[] = [];

  before(async () => {
    svc = await startLocalServices({
      bucket: BUCKET,
      s3Roles: { [ROLE_KEY]: { name: "composer", statements: STATEMENTS } },
    });
    Object.assign(process.env, svc.env);
    clients.reset();
    previous = setClientCredentials(() => ({ accessKeyId: ROLE_KEY, secretAccessKey: "local" }));
    clients.s3().middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key ?? "";
        sent.push(`${String(context.commandName).replace(/Command$/, "")} ${key}`);
        return next(args);
      },
      { step: "initialize", name: "recordSends" },
    );
  });
  after(async () => {
    setClientCredentials(previous);
    restoreEnv(saved);
    clients.reset();
    await svc.stop();
  });
  beforeEach(() => {
    sent.length = 0;
  });

  async function put(key: string, body: string | Buffer): Promise<void> {
    await svc.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }

  /** The object's bytes, read with the runner's own client; null when there is none. */
  async function read(key: string): Promise<Buffer | null> {
    try {
      const res = await svc.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if ((err as Error).name === "NoSuchKey") return null;
      throw err;
    }
  }

  function file(key: string, parts: string[], head = ""): ComposedFile {
    return { key, head, parts: parts.map((k, i) => ({ key: k, chunkId: i + 1 })) };
  }

  it("sends the next part's GET while the current part streams, and writes the parts in order", async () => {
    // 6 MiB in the first part: the writer starts its multipart upload while that part streams.
    const big = Buffer.alloc(6 * MiB, "a");
    await put("parts/big-1", big);
    await put("parts/big-2", "second\n");
    await put("parts/big-3", "third\n");

    const bytes = await composeObject(
      BUCKET,
      file("out/big.csv", ["parts/big-1", "parts/big-2", "parts/big-3"], "h\n"),
    );

    const expected = Buffer.concat([Buffer.from("h\n"), big, Buffer.from("second\nthird\n")]);
    assert.equal(bytes, expected.length);
    assert.ok((await read("out/big.csv"))?.equals(expected), "out/big.csv is the head and the parts, in order");
    const second = sent.indexOf("GetObject parts/big-2");
    const upload = sent.indexOf("CreateMultipartUpload out/big.csv");
    assert.ok(upload >= 0, `a multipart upload was started: ${sent.join(", ")}`);
    assert.ok(second >= 0 && second < upload, `part 2 was asked for before part 1 had streamed: ${sent.join(", ")}`);
  });

  it("fails naming a part opened ahead that cannot be read, and leaves nothing under the key", async () => {
    await put("parts/gone-1", Buffer.alloc(6 * MiB, "b"));

    await assert.rejects(
      composeObject(BUCKET, file("out/gone.csv", ["parts/gone-1", "parts/gone-2"])),
      (err: Error) => {
        assert.equal(err.name, "OutcomePartError");
        assert.match(err.message, /s3:\/\/csv-pipeline-compose\/parts\/gone-2 \(chunk 2\) cannot be read/);
        return true;
      },
    );
    assert.equal(await read("out/gone.csv"), null);
    assert.ok(sent.includes("AbortMultipartUpload out/gone.csv"), `the upload was aborted: ${sent.join(", ")}`);
  });

  it("composes several files at once, each byte for byte, and returns their sizes in order", async () => {
    await put("parts/rows-1", "r1\n");
    await put("parts/rows-2", "r2\n");
    await put("parts/errors-1", "e1\n");
    await put("parts/errors-2", "e2\n");

    const sizes = await composeObjects(BUCKET, [
      file("out/rows.csv", ["parts/rows-1", "parts/rows-2"], "R\n"),
      file("out/errors.csv", ["parts/errors-1", "parts/errors-2"], "E\n"),
    ]);

    assert.deepEqual(sizes, [8, 8]);
    assert.equal((await read("out/rows.csv"))?.toString(), "R\nr1\nr2\n");
    assert.equal((await read("out/errors.csv"))?.toString(), "E\ne1\ne2\n");
    // Both files' first parts are asked for before either file's second part.
    assert.deepEqual(
      sent
        .filter((s) => s.startsWith("GetObject"))
        .slice(0, 2)
        .sort(),
      ["GetObject parts/errors-1", "GetObject parts/rows-1"],
      sent.join(", "),
    );
  });

  it("lets every file finish, then throws the first failure in the order of the files", async () => {
    await put("parts/ok-1", "fine\n");

    await assert.rejects(
      composeObjects(BUCKET, [file("out/ok.csv", ["parts/ok-1"]), file("out/bad.csv", ["parts/missing-b"])]),
      /parts\/missing-b \(chunk 1\) cannot be read/,
    );
    assert.equal((await read("out/ok.csv"))?.toString(), "fine\n");
    assert.equal(await read("out/bad.csv"), null);

    await assert.rejects(
      composeObjects(BUCKET, [file("out/a.csv", ["parts/missing-a"]), file("out/b.csv", ["parts/missing-b"])]),
      /parts\/missing-a \(chunk 1\) cannot be read/,
    );
  });
});
