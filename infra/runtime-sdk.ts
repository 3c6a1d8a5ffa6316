/**
 * Which AWS SDK packages the Lambda runtime provides to the bundles (`infra/package.ts`) and which the bundles carry
 * themselves.
 */

/** Packages the Lambda nodejs22.x runtime provides (AWS SDK v3 and its internals). */
export const RUNTIME_PROVIDED_SCOPES = ["@aws-sdk/", "@smithy/", "@aws-crypto/", "@aws/"] as const;

/**
 * SDK packages bundled into each handler that uses them, at the version installed here (the one every test ran),
 * instead of loaded from the runtime. The Lambda Developer Guide documents the runtime as including "the AWS SDK for
 * JavaScript v3" at a runtime-specific version, the service clients (`@aws-sdk/client-*`) that version is made of;
 * it documents nothing of the SDK's higher-level libraries. The document client (`lib-dynamodb`, with the
 * marshalling of `util-dynamodb` it calls) and the multipart uploader (`lib-storage`) shape every DynamoDB item and
 * large S3 write of the pipeline, so they go with the code tested against them. They still call the runtime's
 * clients (`@aws-sdk/client-dynamodb`, `@aws-sdk/client-s3`, `@smithy/*`), which stay external.
 */
export const BUNDLED_SDK_PACKAGES: readonly string[] = [
  "@aws-sdk/lib-dynamodb",
  "@aws-sdk/lib-storage",
  "@aws-sdk/util-dynamodb",
];
