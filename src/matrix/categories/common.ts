import { policyDocument } from "../../policies/document";
import { EKS_POD_IDENTITY_TAG_KEYS } from "../../policies/sharedRole";
import type { CategoryId, Expectation, MatrixCase } from "../cases";
import { Caller, EndpointPath, endpointPath, matrixCase, roleCaller } from "../requests";
import type { NamedPolicy } from "../simulator";
import type { ConsumerView, SharedRoleView, Topology } from "../topology";

/** What the categories share: the usual callers, paths and expectations, named once. */

/** The SCP the config intends to stop ML-account requests explicitly, while the guardrails are on. */
export function mlGuardrail(topology: Topology): string | undefined {
  return topology.ml.guardrail.enabled ? topology.mlGuardrailName : undefined;
}

export function consumerGuardrail(topology: Topology): string | undefined {
  return topology.ml.guardrail.enabled ? topology.consumerGuardrailName : undefined;
}

/** Denied, explicitly by `scp` when the guardrails are on; Allowed (to an administrator) when they are off. */
export function guardedBy(scp: string | undefined): { expected: Expectation; deniedBy?: string } {
  return scp !== undefined ? { expected: "Denied", deniedBy: scp } : { expected: "Allowed" };
}

/** The tags EKS Pod Identity puts on a pod's session (values are stand-ins; the keys are what policies test). */
export function podIdentityTags(topology: Topology, consumer: ConsumerView): Record<string, string> {
  const values: Record<string, string> = {
    "eks-cluster-arn": `arn:${topology.ml.partition}:eks:${topology.ml.region}:${consumer.accountId}:cluster/modelshare-matrix`,
    "eks-cluster-name": "modelshare-matrix",
    "kubernetes-namespace": consumer.environment,
    "kubernetes-pod-name": `${consumer.environment}-app-0`,
    "kubernetes-pod-uid": "00000000-0000-0000-0000-000000000000",
    "kubernetes-service-account": `${consumer.environment}-app`,
  };
  return Object.fromEntries(EKS_POD_IDENTITY_TAG_KEYS.map((key) => [key, values[key]]));
}

/** Tags the application's session carries into a chained AssumeRole: Pod Identity's, which are transitive. */
export function transitiveTags(topology: Topology, consumer: ConsumerView | undefined): Record<string, string> | undefined {
  return consumer?.eksPodIdentity ? podIdentityTags(topology, consumer) : undefined;
}

/** The application role's session, holding the policies its stack attached (and its Pod Identity tags). */
export function applicationCaller(topology: Topology, consumer: ConsumerView): Caller {
  return roleCaller(topology, consumer.applicationRoleArn, "consumer", consumer.applicationPolicies, {
    principalTags: { ...consumer.applicationTags, ...transitiveTags(topology, consumer) },
  });
}

/** A shared role's session in the ML account: its inline policies, its IAM tags and any transitive tags it inherited. */
export function sharedRoleCaller(topology: Topology, role: SharedRoleView, extra: { sessionPolicy?: unknown; extraPolicies?: readonly NamedPolicy[] } = {}): Caller {
  const consumer = topology.consumers.get(role.environment);
  const { extraPolicies = [], ...session } = extra;
  return roleCaller(topology, role.roleArn, "ml", [...role.inlinePolicies, ...extraPolicies], { principalTags: { ...role.tags, ...transitiveTags(topology, consumer) }, ...session });
}

export function stsPath(consumer: ConsumerView | undefined): EndpointPath | undefined {
  return consumer?.stsEndpoint ? endpointPath(consumer.stsEndpoint, consumer.accountId, consumer.vpcId) : undefined;
}

/**
 * The consumer's Rekognition endpoint. With `aws:SourceVpce` the config names the endpoint ids (the mock's id
 * could never match them), so the first configured id stands for the endpoint.
 */
export function rekognitionPath(topology: Topology, consumer: ConsumerView | undefined): EndpointPath | undefined {
  if (!consumer?.rekognitionEndpoint) return undefined;
  const access = topology.ml.consumers[consumer.environment]?.privateAccess;
  const configured = access?.enabled && access.conditionKey === "aws:SourceVpce" ? access.vpcEndpointIds[0] : undefined;
  return endpointPath(consumer.rekognitionEndpoint, consumer.accountId, consumer.vpcId, configured);
}

/**
 * The consumer's Rekognition endpoint with its policy opened (AWS's default, full access). Endpoint policies live
 * in the consumer account, where its administrators can change them: the ML account's own policies must hold
 * without them, so abuse is tried through this path, the most an attacker can make of the consumer's network.
 */
export function openedRekognitionPath(topology: Topology, consumer: ConsumerView | undefined): EndpointPath | undefined {
  const path = rekognitionPath(topology, consumer);
  if (!path || !consumer) return undefined;
  const { policy: _, ...opened } = path;
  return { ...opened, name: `${consumer.environment}'s Rekognition endpoint, its policy opened by an account administrator` };
}

export function trustOf(role: SharedRoleView): { policy: unknown; label: string } {
  // An absent trust policy (role not synthesized) trusts nobody.
  return { policy: role.trustPolicy ?? policyDocument([]), label: `trust policy of ${role.roleName}` };
}

/** Whether the config trusts `principalArn` in `environment`'s shared role. */
export function trusts(topology: Topology, environment: string, principalArn: string): boolean {
  return topology.ml.consumers[environment]?.applicationPrincipalArns.includes(principalArn) ?? false;
}

export function isGranted(topology: Topology, environment: string, versionArn: string): boolean {
  return topology.ml.consumers[environment]?.grantedVersions.includes(versionArn) ?? false;
}

export function privateOnly(topology: Topology, environment: string): boolean {
  return topology.ml.consumers[environment]?.privateAccess.enabled ?? false;
}

/** The shared roles in a stable order. */
export function sharedRoles(topology: Topology): SharedRoleView[] {
  return [...topology.sharedRoles.values()];
}

/** A version to make environment-wide requests on: its first granted version, else any known one. */
export function sampleVersion(topology: Topology, environment: string): string | undefined {
  return [...(topology.ml.consumers[environment]?.grantedVersions ?? [])].sort()[0] ?? topology.modelVersionArns[0];
}

/** A role's session asking sts:AssumeRole (or TagSession) on a shared role, with its trust as the resource policy. */
export function assumeCase(
  topology: Topology,
  spec: {
    category: CategoryId;
    kind: string;
    scenario: string;
    caller: Caller;
    target: SharedRoleView;
    expected: Expectation;
    endpoint?: EndpointPath;
    action?: "sts:AssumeRole" | "sts:TagSession";
    externalId?: string;
    requestTags?: Record<string, string>;
  },
): MatrixCase {
  return matrixCase(topology, {
    category: spec.category,
    kind: spec.kind,
    scenario: spec.scenario,
    caller: spec.caller,
    action: spec.action ?? "sts:AssumeRole",
    resource: spec.target.roleArn,
    resourceAccount: topology.ml.mlAccountId,
    expected: spec.expected,
    resourcePolicy: trustOf(spec.target),
    ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    ...(spec.externalId !== undefined ? { externalId: spec.externalId } : {}),
    ...(spec.requestTags !== undefined ? { requestTags: spec.requestTags } : {}),
  });
}

/** What a legitimate caller of `environment`'s shared role sends with its AssumeRole. */
export function legitimateAssumeExtras(topology: Topology, consumer: ConsumerView | undefined, environment: string): { externalId?: string; requestTags?: Record<string, string> } {
  const externalId = topology.ml.consumers[environment]?.externalId;
  const tags = transitiveTags(topology, consumer);
  return { ...(externalId !== undefined ? { externalId } : {}), ...(tags ? { requestTags: tags } : {}) };
}

/** The role that deploys `environment`'s stack: its configured deployRoleArn, else the first guardrail deploy-role name. */
export function deployRoleArnOf(topology: Topology, environment: string): string | undefined {
  const configured = topology.consumers.get(environment)?.config.deployRoleArn;
  const name = topology.ml.guardrail.consumerDeployRoleNames[0];
  const account = topology.ml.consumers[environment]?.accountId;
  return configured ?? (name !== undefined && account !== undefined ? `arn:${topology.ml.partition}:iam::${account}:role/${name}` : undefined);
}
