import { policyDocument } from "../policies/document";
import type { CategoryId, Expectation, MatrixCase } from "./cases";
import { AccountClass, accountOf, OTHER_ORGANIZATION_ID, scpLevels, SESSION_NAME, sessionArn } from "./callers";
import { ContextNetwork, ContextPrincipal, requestContext } from "./context";
import type { NamedPolicy } from "./simulator";
import type { EndpointView, Topology } from "./topology";

/** Who sends a request: a role's session, an account's root user, or nobody (an unsigned request). */
export type Caller =
  | {
      readonly type: "role-session";
      readonly roleArn: string;
      readonly accountClass: AccountClass;
      /** Undefined: the account belongs to no organization. */
      readonly organizationId?: string;
      readonly identityPolicies: readonly NamedPolicy[];
      readonly sessionPolicy?: unknown;
      readonly principalTags?: Readonly<Record<string, string>>;
    }
  | { readonly type: "account-root"; readonly account: string; readonly accountClass: AccountClass; readonly organizationId?: string; readonly identityPolicies: readonly NamedPolicy[] }
  | { readonly type: "anonymous" };

/** The organization an account class belongs to: ours, another one for outsiders. */
export function organizationOf(topology: Topology, accountClass: AccountClass): string {
  return accountClass === "outsider" ? OTHER_ORGANIZATION_ID : topology.ml.organizationId;
}

/** A role's session as a caller, in the organization its account class implies. */
export function roleCaller(
  topology: Topology,
  roleArn: string,
  accountClass: AccountClass,
  identityPolicies: readonly NamedPolicy[],
  extra: { sessionPolicy?: unknown; principalTags?: Readonly<Record<string, string>>; organizationId?: string | null } = {},
): Caller {
  const organizationId = extra.organizationId === null ? undefined : (extra.organizationId ?? organizationOf(topology, accountClass));
  return {
    type: "role-session",
    roleArn,
    accountClass,
    ...(organizationId !== undefined ? { organizationId } : {}),
    identityPolicies,
    ...(extra.sessionPolicy !== undefined ? { sessionPolicy: extra.sessionPolicy } : {}),
    ...(extra.principalTags !== undefined ? { principalTags: extra.principalTags } : {}),
  };
}

/** A VPC endpoint a request goes through. */
export interface EndpointPath {
  readonly name: string;
  readonly endpointId: string;
  /** The account that owns the endpoint. */
  readonly account: string;
  readonly vpcId?: string;
  /** Its endpoint policy; undefined: the default policy (full access). */
  readonly policy?: unknown;
}

/** An endpoint a consumer stack synthesized; without a policy input AWS applies its default (full access). */
export function endpointPath(view: EndpointView, account: string, vpcId?: string, endpointId = view.endpointId): EndpointPath {
  return { name: view.resourceName, endpointId, account, ...(vpcId !== undefined ? { vpcId } : {}), ...(view.policy !== undefined ? { policy: view.policy } : {}) };
}

/** The policy AWS gives an endpoint created without one. */
const DEFAULT_ENDPOINT_POLICY = policyDocument([{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }]);

export interface CaseSpec {
  readonly category: CategoryId;
  readonly kind: string;
  readonly scenario: string;
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  /** Account that owns the resource. */
  readonly resourceAccount: string;
  readonly expected: Expectation;
  readonly deniedBy?: string;
  /** Undefined: the public service endpoint. */
  readonly endpoint?: EndpointPath;
  /** The resource's policy (a role's trust policy for sts:AssumeRole / sts:TagSession). */
  readonly resourcePolicy?: { readonly policy: unknown; readonly label: string };
  readonly externalId?: string;
  readonly requestTags?: Readonly<Record<string, string>>;
  /** The resource's tags (aws:ResourceTag/...). */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** Service-specific keys the service sets for this request (dynamodb:LeadingKeys). */
  readonly serviceKeys?: Readonly<Record<string, string | readonly string[]>>;
}

function principalOf(topology: Topology, caller: Caller): string {
  if (caller.type === "anonymous") return "anonymous";
  return caller.type === "role-session" ? sessionArn(caller.roleArn) : `arn:${topology.ml.partition}:iam::${caller.account}:root`;
}

function contextPrincipal(topology: Topology, caller: Caller): ContextPrincipal {
  if (caller.type === "anonymous") return { type: "anonymous" };
  if (caller.type === "account-root") {
    return { type: "account-root", partition: topology.ml.partition, account: caller.account, ...(caller.organizationId !== undefined ? { organizationId: caller.organizationId } : {}) };
  }
  return {
    type: "role-session",
    roleArn: caller.roleArn,
    account: accountOf(caller.roleArn),
    ...(caller.organizationId !== undefined ? { organizationId: caller.organizationId } : {}),
    ...(caller.principalTags !== undefined ? { principalTags: caller.principalTags } : {}),
  };
}

function networkOf(topology: Topology, endpoint: EndpointPath | undefined): ContextNetwork {
  if (endpoint === undefined) return { type: "public" };
  return {
    type: "vpc-endpoint",
    endpointId: endpoint.endpointId,
    endpointAccount: endpoint.account,
    ...(endpoint.vpcId !== undefined ? { vpcId: endpoint.vpcId } : {}),
    region: topology.ml.region,
    partition: topology.ml.partition,
  };
}

/** One request of the matrix: its row fields and the simulator's input, with the context AWS would build. */
export function matrixCase(topology: Topology, spec: CaseSpec): MatrixCase {
  const caller = spec.caller;
  const principal = principalOf(topology, caller);
  const account = caller.type === "anonymous" ? undefined : caller.type === "account-root" ? caller.account : accountOf(caller.roleArn);
  const contextVariables = requestContext(contextPrincipal(topology, caller), networkOf(topology, spec.endpoint), {
    action: spec.action,
    region: topology.ml.region,
    ...(spec.action.startsWith("sts:") ? { roleSessionName: SESSION_NAME } : {}),
    ...(spec.externalId !== undefined ? { externalId: spec.externalId } : {}),
    ...(spec.requestTags !== undefined ? { requestTags: spec.requestTags } : {}),
    ...(spec.resourceTags !== undefined ? { resourceTags: spec.resourceTags } : {}),
    ...(spec.serviceKeys !== undefined ? { serviceKeys: spec.serviceKeys } : {}),
  });
  const signed = caller.type !== "anonymous";
  return {
    category: spec.category,
    kind: spec.kind,
    scenario: spec.scenario,
    principal,
    action: spec.action,
    resource: spec.resource,
    expected: spec.expected,
    ...(spec.deniedBy !== undefined ? { deniedBy: spec.deniedBy } : {}),
    ...(spec.resourcePolicy ? { resourcePolicyLabel: spec.resourcePolicy.label } : {}),
    simulation: {
      request: {
        principal: signed ? principal : { type: "Anonymous" },
        action: spec.action,
        resource: { resource: spec.resource, accountId: spec.resourceAccount },
        contextVariables,
      },
      // An unsigned request has no identity and no organization: only resource policies can allow it.
      identityPolicies: signed ? caller.identityPolicies : [],
      serviceControlPolicies: signed && account !== undefined ? scpLevels(topology, account, caller.accountClass) : [],
      resourceControlPolicies: [],
      ...(caller.type === "role-session" && caller.sessionPolicy !== undefined ? { sessionPolicy: caller.sessionPolicy } : {}),
      ...(spec.resourcePolicy ? { resourcePolicy: spec.resourcePolicy.policy } : {}),
      ...(spec.endpoint ? { vpcEndpointPolicies: [{ name: spec.endpoint.name, policy: spec.endpoint.policy ?? DEFAULT_ENDPOINT_POLICY }] } : {}),
    },
  };
}
