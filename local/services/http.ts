import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** Reads a whole request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * The credential scope of a SigV4-signed request — access key and signing name (`s3`, `sns`, `email`, …) — from its
 * `Authorization` header or, presigned, its `X-Amz-Credential` query parameter; empty strings when unsigned.
 */
export function sigV4Credential(
  headers: Record<string, string | string[] | undefined>,
  query: Record<string, unknown> = {},
): { accessKeyId: string; signingName: string } {
  const fromHeader = /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    String(headers.authorization ?? ""),
  );
  const scope =
    fromHeader ?? /^([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request$/.exec(String(query["X-Amz-Credential"] ?? ""));
  return { accessKeyId: scope?.[1] ?? "", signingName: scope?.[2] ?? "" };
}

/** The AWS services the loopback endpoints answer, by the name requests are signed for. */
export type LocalAwsService = "s3" | "dynamodb" | "sns" | "ses" | "cloudwatch" | "ssm" | "states";

/** SigV4 signing names (the credential scope's service) and the service each one calls. */
const SERVICE_BY_SIGNING_NAME: Readonly<Record<string, LocalAwsService>> = {
  s3: "s3",
  dynamodb: "dynamodb",
  sns: "sns",
  ses: "ses",
  email: "ses",
  monitoring: "cloudwatch",
  ssm: "ssm",
  states: "states",
};

/** A request's service as its SigV4 signature names it, and the key that signed it (service unset: unknown). */
export function signedService(req: IncomingMessage): {
  service?: LocalAwsService;
  accessKeyId: string;
  signingName: string;
} {
  const query = Object.fromEntries(new URL(req.url ?? "/", "http://local").searchParams);
  const { accessKeyId, signingName } = sigV4Credential(req.headers, query);
  const service = Object.hasOwn(SERVICE_BY_SIGNING_NAME, signingName)
    ? SERVICE_BY_SIGNING_NAME[signingName]
    : undefined;
  return { service, accessKeyId, signingName };
}

/** A request handler of a loopback server. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * One handler for several services, as one AWS endpoint URL stands for all of them: each request goes to the handler
 * of the service its SigV4 signature names; a request signed for no service given here goes to `other` (the
 * recorder answers it, or refuses it).
 */
export function routeBySignedService(
  routes: Partial<Record<LocalAwsService, RequestHandler>>,
  other: RequestHandler,
): RequestHandler {
  return (req, res) => {
    const { service } = signedService(req);
    const route = service === undefined ? undefined : routes[service];
    return (route ?? other)(req, res);
  };
}

/** A loopback HTTP server on 127.0.0.1 with a free port; `close()` also drops keep-alive sockets. */
export interface LoopbackServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts `handle` on 127.0.0.1, on `port` (default: one chosen by the system). A handler that throws answers 500 with the message, so a
 * bug in a recorder shows up in the run instead of hanging the client.
 */
export async function startLoopbackServer(handle: RequestHandler, port = 0): Promise<LoopbackServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`loopback server error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  let closed = false;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Passes a request whose body was already read on to `upstream` and streams its answer back unchanged (the local
 * proxies in front of DynamoDB). Resolves once the answer has been sent.
 */
export function forwardRequest(upstream: URL, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
        answer.on("end", resolve);
        answer.on("error", reject);
      },
    );
    forward.on("error", reject);
    forward.end(body);
  });
}

/**
 * Streams a request, body and all, on to `upstream` with its headers unchanged (its `Host` too, so a path-style S3
 * request keeps the address it was signed for) and streams the answer back. Resolves once the answer has been sent.
 * `body` replaces the request's own stream, with `headers` (e.g. a decoded body).
 */
export function pipeRequest(
  upstream: URL,
  req: IncomingMessage,
  res: ServerResponse,
  replaced?: { body: NodeJS.ReadableStream; headers: IncomingHttpHeaders },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const headers = replaced?.headers ?? req.headers;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
        answer.on("end", resolve);
        answer.on("error", reject);
      },
    );
    forward.on("error", reject);
    const body = replaced?.body ?? req;
    body.on("error", (err) => {
      forward.destroy(err);
      reject(err);
    });
    body.pipe(forward);
  });
}
