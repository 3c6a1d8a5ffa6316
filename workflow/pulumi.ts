import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { WorkflowValidationError } from "./errors";
import type { StateGraph } from "./graph";

/** A definition rendered on Pulumi ARNs, plus the resources its Task states call (for the role's policy). */
export interface RenderedOnArns {
  /** The ASL JSON with every ARN substituted. */
  definition: pulumi.Output<string>;
  /** Lambda functions the Task states invoke (the Inputs given, de-duplicated). */
  lambdas: pulumi.Input<string>[];
  /** SNS topics the Task states publish to. */
  topics: pulumi.Input<string>[];
}

/**
 * Builds a graph with placeholder tokens in place of ARNs that are Pulumi Inputs, renders (and so validates) it once,
 * then substitutes the resolved ARNs into the JSON inside `pulumi.all(...).apply(...)`. No JSON is written by hand and
 * validation errors surface at preview time, before any ARN is known.
 * @example renderOnArns({ splitCsv: fn.arn, … }, (arns) => buildPipeline({ pattern, resources: arns })).definition
 */
export function renderOnArns<K extends string>(
  arns: Record<K, pulumi.Input<string>>,
  build: (placeholders: Record<K, string>) => StateGraph,
): RenderedOnArns {
  const nonce = randomBytes(6).toString("hex");
  const keys = Object.keys(arns) as K[];
  const tokens = Object.fromEntries(keys.map((k) => [k, `arn:aws:pulumi:input:${nonce}:${k}`])) as Record<K, string>;
  const graph = build(tokens);
  const json = JSON.stringify(graph.render());
  const byToken = new Map(keys.map((k) => [tokens[k], arns[k]] as const));
  const input = (token: string): pulumi.Input<string> => {
    const found = byToken.get(token);
    if (found === undefined)
      throw new WorkflowValidationError([`The graph calls "${token}", which is not one of the given ARNs`]);
    return found;
  };
  const { lambdas, topics } = graph.resources();
  const values = keys.map((k) => arns[k]);
  const definition = pulumi.all(values).apply((resolved) => {
    let out = json;
    keys.forEach((k, i) => {
      // ARNs are substituted inside JSON strings: escape them as JSON would.
      out = out.split(tokens[k]).join(JSON.stringify(resolved[i]).slice(1, -1));
    });
    return out;
  });
  return { definition, lambdas: lambdas.map(input), topics: topics.map(input) };
}
