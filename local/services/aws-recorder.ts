import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type FilterPolicy, filterPolicyMatches } from "../../blueprint/subscriptions";
import { type FaultPlan, fire } from "./faults";
import { type RequestHandler, readBody, signedService, startLoopbackServer } from "./http";
import { handleStatesRequest, type StatesAuthorizer } from "./states-endpoint";

/**
 * A loopback endpoint that speaks enough of SNS, SES, CloudWatch, SSM and Step Functions for the pipeline, through the real
 * `@aws-sdk` clients, and records every request decoded.
 *
 * Wire protocols of the installed clients (see each package's `dist-cjs/index.js`):
 * - SNS and SES: awsQuery — a form-encoded POST (`Action=Publish&…`), XML answers, XML `ErrorResponse` errors;
 * - CloudWatch: awsJson1_0 with `X-Amz-Target: GraniteServiceVersion20100801.<Op>` and query-compatible errors;
 * - SSM: awsJson1_1 with `X-Amz-Target: AmazonSSM.<Op>`.
 * The service is taken from the SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`),
 * exactly what a real endpoint checks (./http `signedService`), so one server can stand behind all five
 * `AWS_ENDPOINT_URL_<SERVICE>` values — and a local stack's one endpoint puts S3 and DynamoDB beside them.
 */

export type RecordedService = "sns" | "ses" | "cloudwatch" | "ssm" | "states";

/** One request as the endpoint received it. */
export interface RecordedCall {
  service: RecordedService;
  action: string;
  /** Decoded parameters (query lists become arrays, JSON bodies are parsed). */
  params: Record<string, unknown>;
  /** The access key that signed it (tells the function's role from the state machine's). */
  accessKeyId: string;
  /** HTTP status the endpoint answered. */
  status: number;
  at: string;
  /**
   * SNS Publish answered 200, with the topic's subscriptions given: the endpoints whose filter policy matched the
   * message attributes, in subscription order (empty when none matched — SNS accepts the message all the same).
   */
  deliveredTo?: string[];
}

/** A subscription of the alert topic: where SNS delivers a message that passes its filter policy. */
export interface TopicSubscription {
  endpoint: string;
  /** Unset: every message is delivered. */
  filterPolicy?: FilterPolicy;
}

export interface AwsRecorderOptions {
  /**
   * SSM parameters served by GetParameter (e.g. the Slack webhook URL). None may be empty: SSM's PutParameter
   * refuses an empty value, so no deployed parameter can hold one.
   */
  parameters?: Record<string, string>;
  /** Shared, consumed as faults fire. */
  faults?: FaultPlan;
  /**
   * The alert topic's subscriptions (the on-call e-mails a deploy creates): each accepted Publish records the
   * endpoints SNS would deliver it to. Without this option no delivery is recorded.
   */
  snsSubscriptions?: readonly TopicSubscription[];
  /** Access keys exempt from `sns-failure` (the state machine's own role). */
  snsFailureExemptKeys?: readonly string[];
  /**
   * SES identities as an account has them: SendEmail from an address that is neither verified itself nor at a
   * verified domain is rejected as SES rejects it; in the sandbox (a new account's state) the recipients are checked
   * too. Without this option every address passes.
   */
  ses?: SesIdentities;
  /** Authorizes Step Functions calls as IAM would (by the caller's access key); without it every call passes. */
  statesAuthorize?: StatesAuthorizer;
  /** Told of each call once it is answered (a local stack prints the notices as they arrive). */
  onCall?(call: RecordedCall): void;
}

/** Verified SES identities (addresses or domains) of the local account, and whether it is in the SES sandbox. */
export interface SesIdentities {
  verified: readonly string[];
  sandbox: boolean;
  region: string;
}

/** The addresses of a SendEmail call that SES would refuse, sender first; empty when it may be sent. */
export function unverifiedAddresses(params: Record<string, unknown>, ses: SesIdentities): string[] {
  const verified = new Set(ses.verified.map((v) => (v.includes("@") ? v : v.toLowerCase())));
  const isVerified = (address: string) =>
    verified.has(address) || verified.has((address.split("@")[1] ?? "").toLowerCase());
  const destination = (params.Destination ?? {}) as Record<string, unknown>;
  const recipients = ["ToAddresses", "CcAddresses", "BccAddresses"].flatMap((k) =>
    Array.isArray(destination[k]) ? (destination[k] as unknown[]).map(String) : [],
  );
  const checked = [String(params.Source ?? ""), ...(ses.sandbox ? recipients : [])];
  return [...new Set(checked.filter((a) => !isVerified(a)))];
}

/** The recorder's request handling, without a server of its own (a local stack's one endpoint routes to it). */
export interface AwsRecorderHandler {
  calls: RecordedCall[];
  handle: RequestHandler;
}

export interface AwsRecorder {
  endpoint: string;
  calls: RecordedCall[];
  /** The recorder's request handling, for another server to route requests to (a local stack's one endpoint). */
  handle: RequestHandler;
  /** `AWS_ENDPOINT_URL_<SERVICE>` variables pointing the SDK clients here. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const XML_NAMESPACE: Record<"sns" | "ses", string> = {
  sns: "http://sns.amazonaws.com/doc/2010-03-31/",
  ses: "http://ses.amazonaws.com/doc/2010-12-01/",
};

/** Escapes text for an XML element. */
function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The String message attributes of a decoded Publish (`MessageAttributes.entry.N.Name` and
 * `MessageAttributes.entry.N.Value.StringValue`), by name.
 */
export function publishAttributes(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = Array.isArray(params.MessageAttributes) ? (params.MessageAttributes as unknown[]) : [];
  for (const entry of entries) {
    const e = (entry ?? {}) as { Name?: unknown; Value?: { StringValue?: unknown } };
    if (typeof e.Name === "string" && typeof e.Value?.StringValue === "string") out[e.Name] = e.Value.StringValue;
  }
  return out;
}

/** The endpoints of `subscriptions` whose filter policy passes a message with these attributes, each once. */
export function matchingEndpoints(
  subscriptions: readonly TopicSubscription[],
  attributes: Readonly<Record<string, string>>,
): string[] {
  const matched = subscriptions.filter((s) => !s.filterPolicy || filterPolicyMatches(s.filterPolicy, attributes));
  return [...new Set(matched.map((s) => s.endpoint))];
}

/**
 * Turns flattened awsQuery keys into a nested value: `A.member.1.B=x` → `{ A: [{ B: "x" }] }`,
 * `MessageAttributes.entry.1.Name=severity` → `{ MessageAttributes: [{ Name: "severity" }] }`.
 */
export function decodeQuery(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const segments = key
      .split(".")
      .filter((s, i, all) => !((s === "member" || s === "entry") && /^\d+$/.test(all[i + 1] ?? "")));
    // biome-ignore lint/suspicious/noExplicitAny: walking a tree built from untyped keys
    let node: any = root;
    segments.forEach((segment, i) => {
      const last = i === segments.length - 1;
      const next = segments[i + 1];
      const slot: string | number = /^\d+$/.test(segment) ? Number(segment) - 1 : segment;
      if (last) {
        node[slot] = value;
        return;
      }
      if (node[slot] === undefined) node[slot] = /^\d+$/.test(next ?? "") ? [] : {};
      node = node[slot];
    });
  }
  return root;
}

function queryAnswer(res: ServerResponse, service: "sns" | "ses", action: string, result: string): void {
  const body =
    `<${action}Response xmlns="${XML_NAMESPACE[service]}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
  res.writeHead(200, { "content-type": "text/xml" });
  res.end(body);
}

function queryError(res: ServerResponse, service: "sns" | "ses", status: number, code: string, message: string): void {
  const type = status >= 500 ? "Receiver" : "Sender";
  const body =
    `<ErrorResponse xmlns="${XML_NAMESPACE[service]}"><Error><Type>${type}</Type><Code>${xml(code)}</Code>` +
    `<Message>${xml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  res.writeHead(status, { "content-type": "text/xml" });
  res.end(body);
}

function jsonAnswer(res: ServerResponse, version: "1.0" | "1.1", body: unknown): void {
  res.writeHead(200, { "content-type": `application/x-amz-json-${version}` });
  res.end(JSON.stringify(body));
}

function jsonError(res: ServerResponse, version: "1.0" | "1.1", status: number, code: string, message: string): void {
  res.writeHead(status, {
    "content-type": `application/x-amz-json-${version}`,
    "x-amzn-errortype": code,
    "x-amzn-query-error": `${code};${status >= 500 ? "Receiver" : "Sender"}`,
  });
  res.end(JSON.stringify({ __type: code, message }));
}

/**
 * Starts the recorder on 127.0.0.1 with a free port.
 * @example
 * const aws = await startAwsRecorder({ parameters: { "/csv/slack": "http://127.0.0.1:9/hook" } });
 * Object.assign(process.env, aws.env); // then clients.reset()
 */
export async function startAwsRecorder(options: AwsRecorderOptions = {}): Promise<AwsRecorder> {
  const recorder = awsRecorderHandler(options);
  const server = await startLoopbackServer(recorder.handle);
  return {
    endpoint: server.url,
    calls: recorder.calls,
    handle: recorder.handle,
    env: {
      AWS_ENDPOINT_URL_SNS: server.url,
      AWS_ENDPOINT_URL_SES: server.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: server.url,
      AWS_ENDPOINT_URL_SSM: server.url,
      AWS_ENDPOINT_URL_SFN: server.url,
    },
    stop: () => server.close(),
  };
}

/**
 * The recorder's handling of SNS, SES, CloudWatch, SSM and Step Functions requests (see {@link startAwsRecorder});
 * a request signed for another service is refused with 403.
 */
export function awsRecorderHandler(options: AwsRecorderOptions = {}): AwsRecorderHandler {
  const calls: RecordedCall[] = [];
  const parameters = { ...(options.parameters ?? {}) };
  for (const [name, value] of Object.entries(parameters)) {
    if (value === "") {
      // AWS's own validation message for PutParameter with an empty value.
      throw new Error(
        `SSM parameter ${name}: 1 validation error detected: Value '' at 'value' failed to satisfy constraint: ` +
          "Member must have length greater than or equal to 1 (SSM holds no empty parameter; give it a value or do not create it)",
      );
    }
  }
  const faults = options.faults ?? {};
  const exempt = new Set(options.snsFailureExemptKeys ?? []);

  const handle: RequestHandler = async (req, res) => {
    const text = await readBody(req);
    const signed = signedService(req);
    const { accessKeyId, signingName } = signed;
    const service = signed.service === "s3" || signed.service === "dynamodb" ? undefined : signed.service;
    const record = (
      action: string,
      params: Record<string, unknown>,
      status: number,
      extra: Pick<RecordedCall, "deliveredTo"> = {},
    ): void => {
      const call: RecordedCall = {
        service: service ?? "sns",
        action,
        params,
        accessKeyId,
        status,
        at: new Date().toISOString(),
        ...extra,
      };
      calls.push(call);
      options.onCall?.(call);
    };

    if (service === "sns" || service === "ses") {
      const params = decodeQuery(text);
      const action = String(params.Action ?? "");
      delete params.Action;
      delete params.Version;
      if (service === "sns" && action === "Publish") {
        if (!exempt.has(accessKeyId) && fire(faults, "sns-failure")) {
          record(action, params, 500);
          return queryError(res, "sns", 500, "InternalError", "Injected fault: SNS is unavailable.");
        }
        const subscriptions = options.snsSubscriptions;
        record(
          action,
          params,
          200,
          subscriptions ? { deliveredTo: matchingEndpoints(subscriptions, publishAttributes(params)) } : {},
        );
        return queryAnswer(res, "sns", action, `<MessageId>${randomUUID()}</MessageId>`);
      }
      if (service === "ses" && (action === "SendEmail" || action === "SendRawEmail")) {
        if (fire(faults, "email-failure")) {
          record(action, params, 500);
          return queryError(res, "ses", 500, "ServiceUnavailable", "Injected fault: SES is unavailable.");
        }
        const refused = options.ses === undefined ? [] : unverifiedAddresses(params, options.ses);
        if (options.ses !== undefined && refused.length > 0) {
          record(action, params, 400);
          return queryError(
            res,
            "ses",
            400,
            "MessageRejected",
            `Email address is not verified. The following identities failed the check in region ${options.ses.region.toUpperCase()}: ${refused.join(", ")}`,
          );
        }
        record(action, params, 200);
        return queryAnswer(res, "ses", action, `<MessageId>${randomUUID()}</MessageId>`);
      }
      record(action, params, 400);
      return queryError(res, service, 400, "InvalidAction", `The local endpoint does not implement ${action}.`);
    }

    if (service === "states") {
      const target = String(req.headers["x-amz-target"] ?? "");
      const action = target.slice(target.lastIndexOf(".") + 1);
      const params = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const status = handleStatesRequest(res, action, params, accessKeyId, options.statesAuthorize);
      record(action, params, status);
      return;
    }

    if (service === "cloudwatch" || service === "ssm") {
      const version = service === "cloudwatch" ? "1.0" : "1.1";
      const target = String(req.headers["x-amz-target"] ?? "");
      const action = target.slice(target.lastIndexOf(".") + 1);
      const params = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      if (service === "cloudwatch" && action === "PutMetricData") {
        record(action, params, 200);
        return jsonAnswer(res, version, {});
      }
      if (service === "ssm" && action === "GetParameter") {
        const name = String(params.Name ?? "");
        const value = parameters[name];
        if (value === undefined) {
          record(action, params, 400);
          return jsonError(res, version, 400, "ParameterNotFound", `Parameter ${name} not found.`);
        }
        record(action, params, 200);
        return jsonAnswer(res, version, {
          Parameter: {
            Name: name,
            Type: "SecureString",
            Value: value,
            Version: 1,
            DataType: "text",
            LastModifiedDate: Math.floor(Date.now() / 1000),
            ARN: `arn:aws:ssm:ap-northeast-1:123456789012:parameter${name.startsWith("/") ? "" : "/"}${name}`,
          },
        });
      }
      record(action, params, 400);
      return jsonError(
        res,
        version,
        400,
        "UnknownOperationException",
        `The local endpoint does not implement ${action}.`,
      );
    }

    res.writeHead(403, { "content-type": "text/plain" });
    res.end(
      `Unsigned or unknown service "${signingName}": sign requests with SigV4 for sns, ses, monitoring, ssm or states.`,
    );
  };
  return { calls, handle };
}
