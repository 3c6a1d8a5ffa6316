import { defined, type JsonObject, type StateJson } from "../types";
import { RetryableState } from "./retryable";
import type { IoProps } from "./state";

/** Resource ARN of the Lambda Invoke integration (request/response). */
export const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
/** Resource ARN of the SNS Publish integration. */
export const SNS_PUBLISH = "arn:aws:states:::sns:publish";

/** Fields of a Task state. */
export interface TaskProps extends Omit<IoProps, "parameters"> {
  /** Resource ARN: a service integration (`arn:aws:states:::…`) or an activity/function ARN. */
  resource: string;
  parameters?: JsonObject;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

/** Fields of a Lambda Invoke task. Give `payload` (a template) or `payloadPath` (a path), not both. */
export interface LambdaInvokeProps extends Omit<TaskProps, "resource" | "parameters"> {
  functionArn: string;
  payload?: JsonObject;
  payloadPath?: string;
}

/** An SNS message attribute: a fixed value or a path. */
export type MessageAttribute = { value: string } | { path: string };

/** Fields of an SNS Publish task. Give `message` (literal) or `messagePath` (path or intrinsic), not both. */
export interface SnsPublishProps extends Omit<TaskProps, "resource" | "parameters"> {
  topicArn: string;
  subject?: string;
  message?: string;
  messagePath?: string;
  messageAttributes?: Record<string, MessageAttribute>;
}

const MAX_SECONDS = 99_999_999;

/**
 * A Task state: calls a resource with the state's Parameters.
 * @example Task.lambdaInvoke("SplitCsv", { functionArn, payload: { "bucket.$": "$.bucket" } }).addRetry({ errors: ["Lambda.ServiceException"] })
 */
export class Task extends RetryableState {
  readonly type = "Task" as const;
  private readonly props: TaskProps;
  private readonly extraProblems: string[] = [];

  constructor(name: string, props: TaskProps) {
    super(name, props);
    this.props = { ...props };
  }

  /** A Task calling a Lambda function through `arn:aws:states:::lambda:invoke`. */
  static lambdaInvoke(name: string, props: LambdaInvokeProps): Task {
    const { functionArn, payload, payloadPath, ...rest } = props;
    const parameters: JsonObject = { FunctionName: functionArn };
    if (payload !== undefined) parameters.Payload = payload;
    if (payloadPath !== undefined) parameters["Payload.$"] = payloadPath;
    const task = new Task(name, { ...rest, resource: LAMBDA_INVOKE, parameters });
    if (payload !== undefined && payloadPath !== undefined)
      task.extraProblems.push("sets both payload and payloadPath; keep one");
    return task;
  }

  /** A Task publishing to an SNS topic through `arn:aws:states:::sns:publish`. */
  static snsPublish(name: string, props: SnsPublishProps): Task {
    const { topicArn, subject, message, messagePath, messageAttributes, ...rest } = props;
    const parameters: JsonObject = { TopicArn: topicArn };
    if (subject !== undefined) parameters.Subject = subject;
    if (message !== undefined) parameters.Message = message;
    if (messagePath !== undefined) parameters["Message.$"] = messagePath;
    if (messageAttributes !== undefined && Object.keys(messageAttributes).length > 0) {
      const attrs: JsonObject = {};
      for (const [key, attr] of Object.entries(messageAttributes))
        attrs[key] =
          "value" in attr
            ? { DataType: "String", StringValue: attr.value }
            : { DataType: "String", "StringValue.$": attr.path };
      parameters.MessageAttributes = attrs;
    }
    const task = new Task(name, { ...rest, resource: SNS_PUBLISH, parameters });
    if (message === undefined && messagePath === undefined)
      task.extraProblems.push("publishes no Message; set message or messagePath");
    if (message !== undefined && messagePath !== undefined)
      task.extraProblems.push("sets both message and messagePath; keep one");
    if (subject !== undefined) {
      // SNS rejects subjects of 100+ characters, with line breaks, or non-ASCII.
      if (subject.length >= 100)
        task.extraProblems.push(`SNS Subject is ${subject.length} characters; keep it under 100`);
      if (/[\r\n]/.test(subject)) task.extraProblems.push("SNS Subject contains a line break; use one line");
      if (/[^\x20-\x7e]/.test(subject))
        task.extraProblems.push("SNS Subject has non-ASCII or control characters; use printable ASCII");
    }
    return task;
  }

  /** The resource ARN. */
  get resource(): string {
    return this.props.resource;
  }

  /** The Lambda function this task invokes, when it invokes one. */
  lambdaFunction(): string | undefined {
    if (this.props.resource.startsWith(LAMBDA_INVOKE)) {
      const fn = this.props.parameters?.FunctionName;
      return typeof fn === "string" ? fn : undefined;
    }
    return this.props.resource.startsWith("arn:aws:lambda:") ? this.props.resource : undefined;
  }

  /** The SNS topic this task publishes to, when it publishes to one. */
  snsTopic(): string | undefined {
    if (!this.props.resource.startsWith(SNS_PUBLISH)) return undefined;
    const topic = this.props.parameters?.TopicArn;
    return typeof topic === "string" ? topic : undefined;
  }

  override validate(): string[] {
    const problems = super.validate();
    for (const p of this.extraProblems) problems.push(this.problem(p));
    const { resource, timeoutSeconds, heartbeatSeconds, parameters } = this.props;
    if (!resource) problems.push(this.problem("has no Resource; give the ARN of the service integration or function"));
    if (resource.startsWith(LAMBDA_INVOKE) && !parameters?.FunctionName && !parameters?.["FunctionName.$"])
      problems.push(this.problem("invokes Lambda without Parameters.FunctionName; give the function ARN"));
    if (
      timeoutSeconds !== undefined &&
      (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_SECONDS)
    )
      problems.push(
        this.problem(`TimeoutSeconds is ${timeoutSeconds}; use a whole number of seconds from 1 to ${MAX_SECONDS}`),
      );
    if (heartbeatSeconds !== undefined) {
      if (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds < 1)
        problems.push(this.problem(`HeartbeatSeconds is ${heartbeatSeconds}; use a whole number of seconds ≥ 1`));
      else if (timeoutSeconds !== undefined && heartbeatSeconds >= timeoutSeconds)
        problems.push(
          this.problem(
            `HeartbeatSeconds (${heartbeatSeconds}) must be smaller than TimeoutSeconds (${timeoutSeconds})`,
          ),
        );
    }
    return problems;
  }

  toStateJson(): StateJson {
    return {
      ...this.renderHead(),
      Resource: this.props.resource,
      ...this.renderIo(),
      ...defined({ TimeoutSeconds: this.props.timeoutSeconds, HeartbeatSeconds: this.props.heartbeatSeconds }),
      ...this.renderErrorHandling(),
      ...this.renderTail(),
    };
  }
}
