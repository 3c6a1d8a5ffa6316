import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { clients } from "../../functions/adapters/clients";
import { resetRowSchemaCache } from "../../functions/adapters/schema-source";
import { type LogSink, setLogSink } from "../../functions/core/log";
import { type AwsRecorder, startAwsRecorder } from "../../local/services/aws-recorder";
import { LOCAL_STATE_MACHINE_ARN } from "../../local/services/executions";
import { type LocalServices, startLocalServices } from "../../local/services/services";
import { SAMPLES } from "./csv-fixtures";
import { restoreEnv } from "./env";

/** What split-csv talks to in a handler test, and how to put it all away again. */
export interface SplitWorld {
  svc: LocalServices;
  /** The loopback endpoint, here for its Step Functions DescribeExecution (the upload claim asks it). */
  aws: AwsRecorder;
  stop(): Promise<void>;
}

/**
 * Local DynamoDB and S3, the loopback AWS endpoint and the environment split-csv reads (the state machine's ARN,
 * `SCHEMA_LOCATION` with the sample schema uploaded, `CHUNK_ROWS` when given), with the handlers' log lines going to
 * `sink`. `stop()` restores the environment and the log sink and stops the services.
 */
export async function openSplitWorld(opts: { sink?: LogSink; chunkRows?: number } = {}): Promise<SplitWorld> {
  const saved = { ...process.env };
  const previousSink = setLogSink(opts.sink ?? (() => undefined));
  const svc = await startLocalServices();
  const aws = await startAwsRecorder();
  Object.assign(process.env, svc.env, aws.env, { STATE_MACHINE_ARN: LOCAL_STATE_MACHINE_ARN });
  if (opts.chunkRows !== undefined) process.env.CHUNK_ROWS = String(opts.chunkRows);
  clients.reset();
  resetRowSchemaCache();
  await svc.s3.send(
    new PutObjectCommand({
      Bucket: svc.bucket,
      Key: "_config/schema.yaml",
      Body: readFileSync(join(SAMPLES, "orders.schema.yaml")),
    }),
  );
  process.env.SCHEMA_LOCATION = `s3://${svc.bucket}/_config/schema.yaml`;
  return {
    svc,
    aws,
    stop: async () => {
      setLogSink(previousSink);
      restoreEnv(saved);
      clients.reset();
      resetRowSchemaCache();
      await aws.stop();
      await svc.stop();
    },
  };
}
