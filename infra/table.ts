import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ERROR_TABLE, RUNS_TABLE } from "../functions/contract";
import { errorTableDefinition, runsTableDefinition } from "../local/services";

/** Arguments of {@link ErrorTable}. */
export interface ErrorTableArgs {
  /** Physical name prefix, e.g. the pipeline name: the tables are `<prefix>-errors` and `<prefix>-runs`. */
  namePrefix: string;
}

/** Converts a DynamoDB CreateTable input (the local services' definition) into Pulumi table arguments. */
export function tableArgsFrom(def: CreateTableCommandInput): aws.dynamodb.TableArgs {
  const key = (schema: typeof def.KeySchema, type: "HASH" | "RANGE") =>
    schema?.find((k) => k.KeyType === type)?.AttributeName;
  return {
    name: def.TableName,
    billingMode: def.BillingMode,
    attributes: (def.AttributeDefinitions ?? []).map((a) => ({ name: a.AttributeName!, type: a.AttributeType! })),
    hashKey: key(def.KeySchema, "HASH"),
    rangeKey: key(def.KeySchema, "RANGE"),
    globalSecondaryIndexes: def.GlobalSecondaryIndexes?.map((g) => ({
      name: g.IndexName!,
      hashKey: key(g.KeySchema, "HASH"),
      rangeKey: key(g.KeySchema, "RANGE"),
      projectionType: g.Projection?.ProjectionType ?? "ALL",
    })),
  };
}

/**
 * The error table of the original design (key schema and `ExecutionName-index` GSI exactly as the local services
 * create them) and its sibling run-state table (chunk summaries, file outcome, notification ledger, rate limits,
 * digests, failure streaks). Both on demand, TTL on `expiresAt`, point-in-time recovery, server-side encryption.
 */
export class ErrorTable extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly runsTable: aws.dynamodb.Table;
  /** ARN of the `ExecutionName-index` GSI (what the check queries). */
  readonly executionIndexArn: pulumi.Output<string>;

  constructor(name: string, args: ErrorTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:ErrorTable", name, {}, opts);
    const common = {
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: false,
    };
    const errorName = `${args.namePrefix}-${ERROR_TABLE.defaultName.replace(/^csv-processing-/, "")}`;
    this.table = new aws.dynamodb.Table(
      `${name}-errors`,
      {
        ...tableArgsFrom(errorTableDefinition(errorName)),
        ...common,
        ttl: { attributeName: ERROR_TABLE.ttlAttribute, enabled: true },
      },
      { parent: this },
    );
    const runsName = `${args.namePrefix}-${RUNS_TABLE.defaultName.replace(/^csv-processing-/, "")}`;
    this.runsTable = new aws.dynamodb.Table(
      `${name}-runs`,
      {
        ...tableArgsFrom(runsTableDefinition(runsName)),
        ...common,
        ttl: { attributeName: RUNS_TABLE.ttlAttribute, enabled: true },
      },
      { parent: this },
    );
    this.executionIndexArn = pulumi.interpolate`${this.table.arn}/index/${ERROR_TABLE.executionIndex.name}`;
    this.registerOutputs({ tableName: this.table.name, runsTableName: this.runsTable.name });
  }
}
