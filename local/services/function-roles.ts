/**
 * Each function's role in a local run: the access key its requests are signed with, the local S3's roles by those
 * keys, and which function an SDK call belongs to while handlers of several functions run at once in this one
 * process.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { FunctionKey } from "../../blueprint/function-specs";
import { type ClientCredentials, setClientCredentials } from "../../functions/adapters/clients";
import type { LocalStatement } from "./iam-local";
import type { S3Roles } from "./s3-strict";

/** Each function's statements, by function. */
export type FunctionStatements = Record<FunctionKey, LocalStatement[]>;

/**
 * The access key each function's requests are signed with (its name without dashes, upper-cased, then `ROLE`):
 * the local S3 authorizes a request signed with one of them as that function's role.
 */
export const FUNCTION_ACCESS_KEYS: Readonly<Record<FunctionKey, string>> = {
  splitCsv: "SPLITCSVROLE",
  processChunk: "PROCESSCHUNKROLE",
  aggregateResults: "AGGREGATERESULTSROLE",
  findDuplicates: "FINDDUPLICATESROLE",
  checkErrors: "CHECKERRORSANDNOTIFYROLE",
};

/** The credentials a function's SDK clients sign with (the local services take any secret). */
export function functionCredentials(key: FunctionKey): ClientCredentials {
  return { accessKeyId: FUNCTION_ACCESS_KEYS[key], secretAccessKey: "local" };
}

/** The roles of the local S3, by the access key of each function. */
export function functionS3Roles(statements: FunctionStatements): S3Roles {
  const roles: S3Roles = {};
  for (const key of Object.keys(FUNCTION_ACCESS_KEYS) as FunctionKey[]) {
    roles[FUNCTION_ACCESS_KEYS[key]] = { name: key, statements: statements[key] };
  }
  return roles;
}

/** The function whose invocation the current async context belongs to. */
const invocation = new AsyncLocalStorage<FunctionKey>();

/**
 * Wraps a handler so that everything it does, including work it leaves running after it returns, belongs to an
 * invocation of function `key`.
 */
export function asFunction<A extends unknown[], R>(key: FunctionKey, handler: (...args: A) => R): (...args: A) => R {
  return (...args) => invocation.run(key, () => handler(...args));
}

/**
 * Makes the handlers' SDK clients (functions/adapters/clients) sign each call with the key of the function whose
 * invocation makes it, and with the SDK's default credentials outside every invocation. Returns the function that
 * restores the previous source.
 */
export function signAsInvokedFunction(): () => void {
  const previous = setClientCredentials(() => {
    const key = invocation.getStore();
    return key === undefined ? undefined : functionCredentials(key);
  });
  return () => {
    setClientCredentials(previous);
  };
}
