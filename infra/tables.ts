import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ERROR_TABLE, keyAttributes, TABLES, type TableDefinition, type TableKey } from "../functions/contract";

/** Arguments of {@link PipelineTables}. */
export interface PipelineTablesArgs {
  /** Physical name prefix, e.g. the pipeline name: the tables are `<prefix>-errors` and `<prefix>-runs`. */
  namePrefix: string;
}

/**
 * Pulumi table arguments of one of the pipeline's tables, from its definition in the contract module (the same
 * definition the local services create): keys, key attribute types, indexes, billing and TTL.
 */
export function tableArgs(table: TableDefinition, name: string): aws.dynamodb.TableArgs {
  return {
    name,
    billingMode: table.billingMode,
    attributes: keyAttributes(table).map((attribute) => ({ name: attribute, type: table.attributeTypes[attribute] })),
    hashKey: table.partitionKey,
    rangeKey: table.sortKey,
    globalSecondaryIndexes:
      table.globalSecondaryIndexes.length > 0
        ? table.globalSecondaryIndexes.map((index) => ({
            name: index.name,
            hashKey: index.partitionKey,
            rangeKey: index.sortKey,
            projectionType: index.projection,
          }))
        : undefined,
    ttl: { attributeName: table.ttlAttribute, enabled: true },
  };
}

/**
 * The error table of the original design (key schema and `ExecutionName-index` GSI exactly as the local services
 * create them) and its sibling run-state table (chunk summaries, file outcome, notification ledger, rate limits,
 * digests, failure streaks). Both on demand, TTL on `expiresAt`, point-in-time recovery, server-side encryption.
 * The component's type token still reads `ErrorTable`, as in every deployed stack: a new token would be a new
 * resource to Pulumi, and the tables beneath it would be replaced.
 */
export class PipelineTables extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly runsTable: aws.dynamodb.Table;
  /** Both tables by the contract's key (`errors`, `runs`). */
  readonly tables: Record<TableKey, aws.dynamodb.Table>;
  /** ARN of the `ExecutionName-index` GSI (what the check queries). */
  readonly executionIndexArn: pulumi.Output<string>;

  constructor(name: string, args: PipelineTablesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:ErrorTable", name, {}, opts);
    const create = (key: TableKey) =>
      new aws.dynamodb.Table(
        `${name}-${key}`,
        {
          ...tableArgs(TABLES[key], `${args.namePrefix}-${key}`),
          pointInTimeRecovery: { enabled: true },
          serverSideEncryption: { enabled: true },
          deletionProtectionEnabled: false,
        },
        { parent: this },
      );
    this.tables = { errors: create("errors"), runs: create("runs") };
    this.table = this.tables.errors;
    this.runsTable = this.tables.runs;
    this.executionIndexArn = pulumi.interpolate`${this.table.arn}/index/${ERROR_TABLE.executionIndex.name}`;
    this.registerOutputs({ tableName: this.table.name, runsTableName: this.runsTable.name });
  }
}
