import { accountRootArn } from "../arn";
import { PolicyDocument, policyDocument, uniqueSorted } from "./document";

/**
 * The project policy (a resource policy on the ML account's Rekognition project, PutProjectPolicy) that lets one copy
 * environment's account copy exactly the versions granted to it. Format per the Custom Labels guide, "Creating a
 * project policy document": Effect, Principal, Action and Resource are required; the only supported action is
 * rekognition:CopyProjectVersion; NotAction, NotResource and NotPrincipal are refused. The principal is the
 * consumer's account root, not a role ARN (a role ARN principal is pinned to the role's unique id and breaks when the
 * role is re-created); inside that account the consumer guardrail lets only the deploy roles copy.
 */

export const COPY_ACTION = "rekognition:CopyProjectVersion";

export interface ProjectCopyPolicyInput {
  readonly partition: string;
  readonly environment: string;
  readonly consumerAccountId: string;
  /** Exact version ARNs of the ML project (never a pattern: `version/*` would admit every future version). */
  readonly grantedVersionArns: readonly string[];
}

/** The environment's project policy, or undefined when nothing is granted (the policy is then deleted). */
export function projectCopyPolicy(input: ProjectCopyPolicyInput): PolicyDocument | undefined {
  const granted = uniqueSorted(input.grantedVersionArns);
  if (granted.length === 0) return undefined;
  return policyDocument([
    {
      Sid: `CopyGrantedVersionsTo${sidPart(input.environment)}`,
      Effect: "Allow",
      Principal: { AWS: accountRootArn(input.partition, input.consumerAccountId) },
      Action: COPY_ACTION,
      Resource: granted,
    },
  ]);
}

/** PutProjectPolicy's PolicyName ([\w+=,.@-]{1,128}): one policy per copy environment, so revoking one touches no other. */
export function projectPolicyName(rolePrefix: string, environment: string): string {
  return `${rolePrefix}-copy-${environment}`;
}

/** Statement ids are alphanumeric: `pre-prod` becomes `PreProd`. */
function sidPart(environment: string): string {
  return environment.split("-").map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join("");
}
