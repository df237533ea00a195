import { loadSimulator, NamedPolicy, SimulationOutcome, Simulator } from "../../src/matrix";
import { policyDocument, PolicyDocument } from "../../src/policies/document";

/**
 * A red-team request against policy documents straight from the builders, evaluated by the same simulator as the
 * access matrix: the tests for the holes ask what an attacker would ask, without synthesizing a stack.
 */
export interface Attempt {
  /** Role ARN of the caller (its session makes the request). */
  readonly roleArn: string;
  readonly action: string;
  readonly resource: string;
  /** Account that owns the resource. */
  readonly resourceAccount: string;
  readonly identity?: readonly PolicyDocument[];
  /** SCPs that apply to the caller's account (FullAWSAccess is added). */
  readonly scps?: readonly PolicyDocument[];
  /** Trust policy, for sts:AssumeRole / sts:TagSession. */
  readonly trust?: PolicyDocument;
  readonly endpoint?: PolicyDocument;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  readonly organizationId?: string;
}

export const ADMINISTRATOR = policyDocument([{ Effect: "Allow", Action: "*", Resource: "*" }]);
const FULL_AWS_ACCESS: NamedPolicy = { name: "FullAWSAccess", policy: ADMINISTRATOR };

let simulator: Promise<Simulator> | undefined;

export async function attempt(request: Attempt): Promise<SimulationOutcome> {
  simulator ??= loadSimulator();
  const [, partition, , , account, resource] = request.roleArn.split(":");
  const principal = `arn:${partition}:sts::${account}:assumed-role/${resource.slice(resource.lastIndexOf("/") + 1)}/red-team`;
  const outcome = await (await simulator).simulate({
    request: {
      principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: {
        "aws:PrincipalArn": request.roleArn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalOrgID": request.organizationId ?? "o-a1b2c3d4e5",
        ...request.context,
      },
    },
    identityPolicies: (request.identity ?? [ADMINISTRATOR]).map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [{ orgIdentifier: account, policies: [FULL_AWS_ACCESS, ...(request.scps ?? []).map((policy, i) => ({ name: `scp-${i}`, policy }))] }],
    resourceControlPolicies: [],
    ...(request.trust ? { resourcePolicy: request.trust } : {}),
    ...(request.endpoint ? { vpcEndpointPolicies: [{ name: "endpoint", policy: request.endpoint }] } : {}),
  });
  if (outcome.error) throw new Error(`the simulator refused the attempt: ${outcome.error}`);
  return outcome;
}
