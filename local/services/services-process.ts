import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { buildSync } from "esbuild";
import { LOCAL_HEAP_FLAG } from "../node-flags";
import type { S3AccessRecord } from "./s3-strict";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalServices,
  type LocalServicesOptions,
  type ObjectCreated,
} from "./services";

/** What the parent sends the services process. */
export type ServicesParentMessage =
  | {
      type: "start";
      options: Omit<LocalServicesOptions, "onS3Access" | "onObjectCreated"> & {
        storageDir: string;
        /** Whether to report each object created (`object-created` messages). */
        reportObjects?: boolean;
      };
    }
  | { type: "stop" };

/** What the services process answers. */
export type ServicesChildMessage =
  | {
      type: "ready";
      services: Pick<LocalServices, "dynamoEndpoint" | "s3Endpoint" | "errorTable" | "runsTable" | "bucket" | "env">;
    }
  | { type: "failed"; message: string }
  | { type: "s3-access"; record: S3AccessRecord }
  | { type: "object-created"; created: ObjectCreated }
  | { type: "stopped"; maxRssBytes: number };

/** The embedded services running in a process of their own. */
export interface ServicesProcess extends LocalServices {
  /** Process id of the services process. */
  pid: number;
  /** The services process's peak resident set size in bytes, known once `stop()` has returned. */
  peakRssBytes(): number | undefined;
}

/** How long the services process may take to start, and to stop before it is killed. */
export const SERVICES_START_TIMEOUT_MS = 60_000;
export const SERVICES_STOP_TIMEOUT_MS = 10_000;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Bundles `services-child.ts` with the project modules it imports into one CommonJS file in `dir` (packages stay
 * external and resolve through `NODE_PATH` to this project's `node_modules`). The services process then starts on
 * plain JavaScript: without the TypeScript compiler that `register.js` loads (about 50 MB of memory and a second or
 * two of CPU) and without Node's REPL module, which ts-node loads and which puts every event emitter of dynalite and
 * s3rver behind the `domain` module's wrappers.
 */
function bundleChild(dir: string): { file: string; nodePath: string } {
  const file = join(dir, "services-child.js");
  buildSync({
    entryPoints: [join(__dirname, "services-child.ts")],
    outfile: file,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "cjs",
    target: `node${process.versions.node.split(".")[0]}`,
    logLevel: "error",
  });
  const modules = dirname(dirname(require.resolve("dynalite/package.json")));
  return { file, nodePath: [modules, process.env.NODE_PATH].filter(Boolean).join(delimiter) };
}

/**
 * Starts DynamoDB and S3 (the same embedded services as `startLocalServices`) in a child process, with their data
 * on disk in a temporary directory (DynamoDB too, unless `dynamoOnDisk: false`): the run's CPU work and the services'
 * work use two cores, neither the error records nor the uploaded file sit in the run's memory, and the services
 * process's own memory stays bounded whatever the number of records. `stop()` stops the process (killing it if it
 * does not exit within `SERVICES_STOP_TIMEOUT_MS`) and removes the directory; if this process dies first, the child
 * notices the closed channel and cleans up after itself.
 */
export async function startServicesProcess(opts: LocalServicesOptions = {}): Promise<ServicesProcess> {
  const dir = mkdtempSync(join(tmpdir(), "csv-pipeline-services-"));
  let child: ChildProcess;
  try {
    const bundle = bundleChild(dir);
    child = fork(bundle.file, [], {
      // Not this process's flags: profilers or measuring preloads given to the runner stay out of the child.
      execArgv: [LOCAL_HEAP_FLAG],
      env: { ...process.env, NODE_PATH: bundle.nodePath },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString("utf8")).slice(-4000);
  });
  let maxRssBytes: number | undefined;
  const s3Access: S3AccessRecord[] = [];
  child.on("message", (m: ServicesChildMessage) => {
    if (m.type === "stopped") maxRssBytes = m.maxRssBytes;
    else if (m.type === "s3-access") {
      s3Access.push(m.record);
      opts.onS3Access?.(m.record);
    } else if (m.type === "object-created") opts.onObjectCreated?.(m.created);
  });

  const stopChild = async (): Promise<void> => {
    if (child.connected) child.send({ type: "stop" } satisfies ServicesParentMessage);
    else if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), SERVICES_STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };

  let ready: Extract<ServicesChildMessage, { type: "ready" }>["services"];
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the local services did not start within ${SERVICES_START_TIMEOUT_MS / 1000} s`)),
        SERVICES_START_TIMEOUT_MS,
      );
      const done = () => {
        clearTimeout(timer);
        child.off("exit", onExit);
        child.off("message", onMessage);
      };
      const onMessage = (m: ServicesChildMessage) => {
        if (m.type === "ready") {
          done();
          resolve(m.services);
        } else if (m.type === "failed") {
          done();
          reject(new Error(`the local services could not start: ${m.message}`));
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        done();
        reject(
          new Error(
            `the local services process exited while starting (${signal ?? `status ${code}`})${stderr ? `:\n${stderr.trim()}` : ""}`,
          ),
        );
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.once("error", (err) => {
        done();
        reject(err);
      });
      const { onS3Access: _, onObjectCreated, ...options } = opts;
      child.send({
        type: "start",
        options: { dynamoOnDisk: true, ...options, storageDir: dir, reportObjects: onObjectCreated !== undefined },
      } satisfies ServicesParentMessage);
    });
  } catch (err) {
    await stopChild();
    throw err;
  }

  const dynamo = new DynamoDBClient({
    endpoint: ready.dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const s3 = new S3Client({
    endpoint: ready.s3Endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  let stopping: Promise<void> | undefined;
  return {
    ...ready,
    dynamo,
    s3,
    s3Access,
    pid: child.pid ?? -1,
    peakRssBytes: () => maxRssBytes,
    stop() {
      stopping ??= (async () => {
        dynamo.destroy();
        s3.destroy();
        await stopChild();
      })();
      return stopping;
    },
  };
}
