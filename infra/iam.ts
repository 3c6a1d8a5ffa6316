import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RoleStatement } from "./role-statements";

/** One IAM policy statement whose resources may be Outputs. */
export type PolicyStatement = RoleStatement<pulumi.Input<string>>;

/** Renders statements as a policy document (Outputs resolved by `pulumi.jsonStringify`). */
export function policyDocument(statements: PolicyStatement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({ Effect: "Allow", ...s })),
  });
}

/** A role assumable by one AWS service, with one inline policy holding exactly `statements`. */
export function serviceRole(
  name: string,
  service: string,
  statements: PolicyStatement[],
  parent: pulumi.Resource,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    name,
    {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
      }),
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    { role: role.id, policy: policyDocument(statements) },
    { parent },
  );
  return { role, policy };
}

/** Context used to build ARNs of resources not created yet (the state machine, SES identities). */
export interface ArnContext {
  partition: pulumi.Input<string>;
  region: pulumi.Input<string>;
  account: pulumi.Input<string>;
}
