import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { ERROR_TABLE, keyAttributes, RUNS_TABLE, type TableDefinition } from "../../functions/contract";
import type { S3AccessRecord, S3Roles } from "./s3-strict";

/** Credentials for the embedded services (they accept any). */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
export const LOCAL_REGION = "ap-northeast-1";
/** The bucket the embedded S3 creates unless told another name. */
export const LOCAL_BUCKET = "csv-pipeline-local";

export interface LocalServices {
  dynamoEndpoint: string;
  s3Endpoint: string;
  errorTable: string;
  runsTable: string;
  bucket: string;
  dynamo: DynamoDBClient;
  s3: S3Client;
  /** Environment variables that point the handlers' SDK clients at these services. */
  env: Record<string, string>;
  /** Every S3 authorization decision about a request signed by a role's key (see `s3Roles`), in order. */
  s3Access: S3AccessRecord[];
  stop(): Promise<void>;
}

/**
 * The DynamoDB CreateTable input of one of the pipeline's tables, built from its definition in the contract module
 * (the same definition the Pulumi program deploys).
 *
 * @example createTableInput(ERROR_TABLE, "csv-processing-errors")
 */
export function createTableInput(table: TableDefinition, tableName: string): CreateTableCommandInput {
  const keySchema = (partitionKey: string, sortKey?: string): KeySchemaElement[] => [
    { AttributeName: partitionKey, KeyType: "HASH" },
    ...(sortKey === undefined ? [] : [{ AttributeName: sortKey, KeyType: "RANGE" as const }]),
  ];
  return {
    TableName: tableName,
    BillingMode: table.billingMode,
    AttributeDefinitions: keyAttributes(table).map((name) => ({
      AttributeName: name,
      AttributeType: table.attributeTypes[name],
    })),
    KeySchema: keySchema(table.partitionKey, table.sortKey),
    ...(table.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: index.projection },
          })),
        }
      : {}),
  };
}

/**
 * LevelDB's write buffer (memtable) for DynamoDB on disk. LevelDB's default (4 MB) flushes a new table file every
 * few thousand error records and compacts them again and again: with 32 MB, storing 100,000 records took about a
 * quarter less CPU, for about 25 MB more memory.
 */
export const DYNAMO_WRITE_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * dynalite opens its on-disk store as `new Level(path, { valueEncoding: "json" })` and takes no LevelDB options, so
 * the write buffer is set on the `Level` class it loads (the `level` package resolved from dynalite itself), before
 * dynalite is loaded. Nothing but dynalite opens a LevelDB database in a process that runs the local services.
 */
function setDynaliteWriteBuffer(bytes: number): void {
  const levelPath = require.resolve("level", { paths: [dirname(require.resolve("dynalite"))] });
  // biome-ignore lint/suspicious/noExplicitAny: untyped package
  const level: any = require(levelPath);
  if (level.Level.writeBufferBytes !== undefined) return;
  const Base = level.Level;
  level.Level = class extends Base {
    static writeBufferBytes = bytes;
    constructor(location: string, options: object) {
      super(location, { ...options, writeBufferSize: bytes });
    }
  };
}

/** Creates a table or the bucket; in a kept state directory, one an earlier run created is used as it is. */
async function ensureCreated(kept: boolean, create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    const name = (err as Error).name;
    if (kept && ["ResourceInUseException", "BucketAlreadyOwnedByYou", "BucketAlreadyExists"].includes(name)) return;
    throw err;
  }
}

function listen(server: { listen: (port: number, host: string, cb: (err?: Error) => void) => void }): Promise<void> {
  return new Promise((resolve, reject) =>
    server.listen(0, "127.0.0.1", (err?: Error) => (err ? reject(err) : resolve())),
  );
}

/**
 * Idle keep-alive connections stay open until `stop()`. With Node's default (the server drops a connection idle for
 * 5 s), a busy run races the client reusing a pooled socket against the server closing it, and the request fails
 * with `read ECONNRESET`.
 */
function keepConnections(server: Server): Server {
  server.keepAliveTimeout = 0;
  return server;
}

/** Where the embedded services keep their data. */
export interface LocalServicesOptions {
  errorTable?: string;
  runsTable?: string;
  bucket?: string;
  /**
   * A directory for the services' data, created if missing and removed by `stop()`: DynamoDB on disk (LevelDB) in
   * `dynamo/`, S3 objects in `s3/`. Without it DynamoDB is in memory and S3 uses a fresh temporary directory.
   * On disk, a large run's error records do not grow the process's memory.
   */
  storageDir?: string;
  /**
   * A directory that keeps the services' data between runs (`--state`): DynamoDB on disk in `dynamo/` and S3 in `s3/`,
   * used instead of `storageDir`; tables and bucket are created only when missing, and `stop()` leaves it in place.
   */
  stateDir?: string;
  /**
   * Keep DynamoDB's data on disk in `storageDir` (LevelDB, with a {@link DYNAMO_WRITE_BUFFER_BYTES} write buffer)
   * instead of in memory. In memory, dynalite holds every item and index entry for the life of the process (about
   * 5 KB of memory per error record); on disk its memory stays bounded whatever the number of items, for a little
   * more CPU.
   */
  dynamoOnDisk?: boolean;
  /**
   * Roles by access key: S3 requests signed with one of these keys are authorized against the role's statements,
   * as S3 would (denied actions and unlistable missing keys answer 403 AccessDenied). Other keys keep full access.
   */
  s3Roles?: S3Roles;
  /** Receives each decision also recorded in `s3Access`. */
  onS3Access?: (record: S3AccessRecord) => void;
  /** Told of each object created (PutObject, CopyObject, CompleteMultipartUpload), by any client, once it is stored. */
  onObjectCreated?: (created: ObjectCreated) => void;
}

/** An object the local S3 stored, as its event names it. */
export interface ObjectCreated {
  bucket: string;
  key: string;
  /** `ObjectCreated:Put`, `ObjectCreated:Copy` or `ObjectCreated:Post` (a form upload or a completed multipart upload). */
  eventName: string;
}

/**
 * Starts DynamoDB (dynalite) and S3 (s3rver) on 127.0.0.1 with free ports, creates both tables and the bucket.
 * `stop()` closes both, drops their connections and removes their data directory.
 */
export async function startLocalServices(opts: LocalServicesOptions = {}): Promise<LocalServices> {
  const errorTable = opts.errorTable ?? ERROR_TABLE.defaultName;
  const runsTable = opts.runsTable ?? RUNS_TABLE.defaultName;
  const bucket = opts.bucket ?? LOCAL_BUCKET;

  let dir: string;
  let dynamoPath: string | undefined;
  const storageDir = opts.stateDir ?? opts.storageDir;
  if (storageDir !== undefined) {
    dir = storageDir;
    if (opts.dynamoOnDisk || opts.stateDir !== undefined) {
      dynamoPath = join(dir, "dynamo");
      mkdirSync(dynamoPath, { recursive: true });
    }
    mkdirSync(join(dir, "s3"), { recursive: true });
  } else {
    dir = mkdtempSync(join(tmpdir(), "csv-pipeline-s3-"));
  }
  const s3Dir = storageDir !== undefined ? join(dir, "s3") : dir;

  // Loaded here, not at the top: the runner imports this module's constants but runs the services in a process of
  // its own, and neither server (nor the LevelDB and Koa stacks below them) belongs in the runner's memory.
  // Before dynalite loads: it takes the `Level` class once, when its database module is first required.
  setDynaliteWriteBuffer(DYNAMO_WRITE_BUFFER_BYTES);
  // biome-ignore lint/suspicious/noExplicitAny: untyped packages
  const dynalite: any = require("dynalite");
  // biome-ignore lint/suspicious/noExplicitAny: untyped packages
  const S3rver: any = require("s3rver");
  const { installS3Strictness, withMultipartAbort, withStrictIfMatch } =
    require("./s3-strict") as typeof import("./s3-strict");
  const { withAnyS3Key } = require("./s3-key-store") as typeof import("./s3-key-store");

  const dyn = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: dynamoPath });
  await listen(dyn);
  keepConnections(dyn);
  const dynamoEndpoint = `http://127.0.0.1:${(dyn.address() as AddressInfo).port}`;

  const s3rver = withStrictIfMatch(
    withAnyS3Key(new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3Dir }), s3Dir),
  );
  const s3Access: S3AccessRecord[] = [];
  if (opts.s3Roles !== undefined) {
    installS3Strictness(s3rver, {
      roles: opts.s3Roles,
      onAccess: (record) => {
        s3Access.push(record);
        opts.onS3Access?.(record);
      },
    });
  }
  withMultipartAbort(s3rver);
  if (opts.onObjectCreated !== undefined) {
    const told = opts.onObjectCreated;
    // s3rver emits an S3 event notification (Records[0]) once a put, copy or multipart completion is stored.
    s3rver.on(
      "event",
      (event: {
        Records?: { eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }[];
      }) => {
        for (const r of event.Records ?? []) {
          const bucket = r.s3?.bucket?.name;
          const key = r.s3?.object?.key;
          if (r.eventName?.startsWith("ObjectCreated:") && bucket !== undefined && key !== undefined)
            told({ bucket, key, eventName: r.eventName });
        }
      },
    );
  }
  const s3Address = await s3rver.run();
  keepConnections(s3rver.httpServer);
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const s3 = new S3Client({
    endpoint: s3Endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  const kept = opts.stateDir !== undefined;
  await ensureCreated(kept, () => dynamo.send(new CreateTableCommand(createTableInput(ERROR_TABLE, errorTable))));
  await ensureCreated(kept, () => dynamo.send(new CreateTableCommand(createTableInput(RUNS_TABLE, runsTable))));
  await ensureCreated(kept, () => s3.send(new CreateBucketCommand({ Bucket: bucket })));

  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    S3_FORCE_PATH_STYLE: "true",
    ERROR_TABLE_NAME: errorTable,
    RUNS_TABLE_NAME: runsTable,
  };

  let stopped = false;
  return {
    dynamoEndpoint,
    s3Endpoint,
    errorTable,
    runsTable,
    bucket,
    dynamo,
    s3,
    env,
    s3Access,
    async stop() {
      if (stopped) return;
      stopped = true;
      dynamo.destroy();
      s3.destroy();
      const closing = Promise.all([new Promise<void>((r) => dyn.close(() => r())), s3rver.close()]);
      (dyn as Server).closeAllConnections();
      (s3rver.httpServer as Server).closeAllConnections();
      await closing;
      if (!kept) rmSync(dir, { recursive: true, force: true });
    },
  };
}
