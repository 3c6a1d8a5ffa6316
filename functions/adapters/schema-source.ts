import { ENV } from "../contract";
import { parseSchema, type RowSchema } from "../core/csv/schema";
import { requireEnv } from "../core/env";
import { parseS3Location, readObjectText } from "./s3";

let cached: { location: string; schema: Promise<RowSchema> } | null = null;

/**
 * The row schema named by `SCHEMA_LOCATION` (`s3://bucket/key` of a YAML or JSON file), read once per warm
 * container (again only when the location changes). A failed read is not cached.
 */
export function loadRowSchema(): Promise<RowSchema> {
  const location = requireEnv(ENV.schemaLocation);
  if (cached !== null && cached.location === location) return cached.schema;
  const { bucket, key } = parseS3Location(location, ENV.schemaLocation);
  const schema = readObjectText(bucket, key).then((text) => parseSchema(text, location));
  const entry = { location, schema };
  cached = entry;
  schema.catch(() => {
    if (cached === entry) cached = null;
  });
  return schema;
}

/** Forgets the cached schema (tests and the local runner, after uploading another one). */
export function resetRowSchemaCache(): void {
  cached = null;
}
