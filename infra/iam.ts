import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RoleStatement } from "../blueprint/role-statements";

/** One IAM policy statement whose resources may be Outputs. */
export type PolicyStatement = RoleStatement<pulumi.Input<string>>;

/**
 * Characters IAM allows in all inline policies of one role together (IAM and AWS STS quotas: "Role policy size
 * cannot exceed 10,240 characters"; white space is not counted).
 */
export const INLINE_ROLE_POLICY_MAX_CHARS = 10_240;

/**
 * Refuses a role's inline policy document past {@link INLINE_ROLE_POLICY_MAX_CHARS}, naming the role and what makes
 * it grow, so a preview fails instead of the deploy's PutRolePolicy (`LimitExceeded`).
 */
export function checkInlinePolicySize(roleName: string, document: string): string {
  const size = document.replace(/\s+/g, "").length;
  if (size > INLINE_ROLE_POLICY_MAX_CHARS) {
    throw new Error(
      `The inline policy of role ${roleName} has ${size} characters; IAM allows ${INLINE_ROLE_POLICY_MAX_CHARS}. ` +
        "Fewer e-mail addresses (emailTo, feeds[].notify.emailTo: each adds SES identities) or fewer feeds make it smaller.",
    );
  }
  return document;
}

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
    { role: role.id, policy: policyDocument(statements).apply((doc) => checkInlinePolicySize(name, doc)) },
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
