import assert from "node:assert/strict";
import { ERROR_TABLE, keyAttributes, RUNS_TABLE, TABLES } from "../../functions/contract";
import { tableArgs } from "../../infra/tables";
import { createTableInput } from "../../local/services/services";

describe("Table definitions (contract → Pulumi and local services)", () => {
  for (const [key, table] of Object.entries(TABLES)) {
    it(`types exactly the key attributes of the ${key} table and its indexes`, () => {
      assert.deepEqual(Object.keys(table.attributeTypes).sort(), keyAttributes(table).sort());
    });

    it(`gives Pulumi and the local services the same ${key} table`, () => {
      const local = createTableInput(table, "t");
      const deployed = tableArgs(table, "t");
      const hashRange = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => [
        schema?.find((k) => k.KeyType === "HASH")?.AttributeName,
        schema?.find((k) => k.KeyType === "RANGE")?.AttributeName,
      ];

      assert.equal(deployed.name, local.TableName);
      assert.equal(deployed.billingMode, local.BillingMode);
      assert.deepEqual([deployed.hashKey, deployed.rangeKey], hashRange(local.KeySchema));
      assert.deepEqual(
        deployed.attributes,
        (local.AttributeDefinitions ?? []).map((a) => ({ name: a.AttributeName, type: a.AttributeType })),
      );
      assert.deepEqual(
        deployed.globalSecondaryIndexes ?? [],
        (local.GlobalSecondaryIndexes ?? []).map((g) => {
          const [hashKey, rangeKey] = hashRange(g.KeySchema);
          return { name: g.IndexName, hashKey, rangeKey, projectionType: g.Projection?.ProjectionType };
        }),
      );
      assert.deepEqual(deployed.ttl, { attributeName: table.ttlAttribute, enabled: true });
    });
  }

  it("declares the seed's error table: errorId/timestamp keys and the ExecutionName-index GSI", () => {
    const local = createTableInput(ERROR_TABLE, "csv-processing-errors");
    assert.deepEqual(local.KeySchema, [
      { AttributeName: "errorId", KeyType: "HASH" },
      { AttributeName: "timestamp", KeyType: "RANGE" },
    ]);
    assert.deepEqual(local.GlobalSecondaryIndexes, [
      {
        IndexName: "ExecutionName-index",
        KeySchema: [
          { AttributeName: "executionName", KeyType: "HASH" },
          { AttributeName: "severityRow", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ]);
    assert.equal(local.BillingMode, "PAY_PER_REQUEST");
    assert.equal(createTableInput(RUNS_TABLE, "runs").GlobalSecondaryIndexes, undefined);
  });
});
