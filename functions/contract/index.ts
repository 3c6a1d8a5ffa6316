/**
 * The one module that owns every name shared by the Pulumi program, the Lambda handlers, the local runner and the
 * tests: table and key names, index names, environment variable names, metric namespace / names / dimensions, error
 * types and severities, and the shapes of the items and payloads that cross a boundary. Nobody retypes these strings.
 *
 * Every file of this folder stays free of imports from outside it (it is bundled into every Lambda archive); one file
 * per section, each re-exported here, so `import … from "…/contract"` names them all.
 */

export * from "./env";
export * from "./error-names";
export * from "./error-records";
export * from "./feeds";
export * from "./log-fields";
export * from "./metrics";
export * from "./outcomes";
export * from "./payloads";
export * from "./run-state";
export * from "./state-names";
