import { ENV } from "../contract";
import { parseSchema, type RowSchema } from "../core/csv/schema";
import { requireEnv } from "../core/env";
import { parseS3Location, readObjectText } from "./s3";

/** Schemas read by this container, by location: a stack's feeds each have their own. */
const cache = new Map<string, Promise<RowSchema>>();

/**
 * The row schema at `location` (`s3://bucket/key` of a YAML or JSON file; default `SCHEMA_LOCATION`), read once per
 * warm container and location. A failed read is not cached.
 *
 * @example await loadRowSchema(schemaLocationOf(feedOfKey(bucket, key)))
 */
export function loadRowSchema(location: string = requireEnv(ENV.schemaLocation)): Promise<RowSchema> {
  const known = cache.get(location);
  if (known) return known;
  const { bucket, key } = parseS3Location(location, ENV.schemaLocation);
  const schema = readObjectText(bucket, key).then((text) => parseSchema(text, location));
  cache.set(location, schema);
  schema.catch(() => {
    if (cache.get(location) === schema) cache.delete(location);
  });
  return schema;
}

/** Forgets the cached schemas (tests and the local runner, after uploading others). */
export function resetRowSchemaCache(): void {
  cache.clear();
}
