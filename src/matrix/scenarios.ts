import { isAccountId } from "../arn";
import { ConsumerConfig } from "../config/schema";
import { policyDocument, PolicyDocument } from "../policies/document";
import { pipelinePolicyInputFromConfig, pipelinePromotionPolicy } from "../policies/pipeline";
import { DETECT_ACTION } from "../policies/sharedRole";
import type { NamedPolicy, SimulationInput } from "./simulator";
import type { ConsumerView, SharedRoleView, Topology } from "./topology";
import { dataLakeCases } from "./categories/dataLake";

/**
 * The requests the access matrix evaluates, built from the topology. `expected` is the configuration's intent
 * (which environment is granted what, whether the guardrails are on), never derived from the policies under test.
 */

export type Expectation = "Allowed" | "Denied";

/** The kinds of request the matrix covers (what a row is about, without the environment names). */
export type ScenarioKind =
  | "application-own-role"
  | "application-other-role"
  | "detect-through-endpoint"
  | "detect-not-through-endpoint"
  | "session-model-management"
  | "session-put-role-policy"
  | "pipeline-lifecycle"
  | "ml-administrator"
  | "consumer-other-workload"
  | "organization-member"
  | "outside-organization"
  | "consumer-administrator"
  | "data-lake-training-principal"
  | "data-lake-other-principal"
  | "data-lake-service-principal";

export interface MatrixCase {
  readonly kind: ScenarioKind;
  /** What the row shows, in words. */
  readonly scenario: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly expected: Expectation;
  /** When set, the config intends this SCP's explicit Deny to stop the request (not merely a missing Allow). */
  readonly deniedBy?: string;
  /** How the trust policy is named in reasons. */
  readonly resourcePolicyLabel?: string;
  readonly simulation: SimulationInput;
}

const FULL_AWS_ACCESS: NamedPolicy = {
  name: "FullAWSAccess",
  policy: policyDocument([{ Effect: "Allow", Action: "*", Resource: "*" }]),
};

/** What an administrator of some account holds: the matrix shows that trust and SCPs stop it, not its own policy. */
const ADMINISTRATOR: NamedPolicy = { name: "AdministratorAccess", policy: policyDocument([{ Effect: "Allow", Action: "*", Resource: "*" }]) };

const SESSION_NAME = "modelshare-matrix";
const OUTSIDE_ORGANIZATION_ID = "o-outside0000";

/** `arn:...:sts::ACCOUNT:assumed-role/NAME/SESSION` for a role ARN (the path is not part of a session ARN). */
export function sessionArn(roleArn: string, session = SESSION_NAME): string {
  const [, partition, , , account, resource] = roleArn.split(":");
  return `arn:${partition}:sts::${account}:assumed-role/${resource.slice(resource.lastIndexOf("/") + 1)}/${session}`;
}

function accountOf(arn: string): string {
  return arn.split(":")[4];
}

type AccountClass = "ml" | "consumer" | "other-member" | "outsider";

/**
 * The SCPs that apply to a principal of an account, by level. The organization's existing SCPs are not known
 * offline: every level is assumed to carry FullAWSAccess and nothing else besides modelshare's guardrails. An OU
 * the config names as a guardrail target is assumed to hold that kind of account.
 */
export function scpLevels(topology: Topology, account: string, accountClass: AccountClass): SimulationInput["serviceControlPolicies"] {
  if (accountClass === "outsider") return [];
  const intendedTargets = accountClass === "ml" ? topology.mlGuardrailTargets : accountClass === "consumer" ? topology.consumerGuardrailTargets : [];
  const intendedOus = new Set(intendedTargets.filter((t) => !isAccountId(t)));
  const attachedTo = (test: (target: string) => boolean): NamedPolicy[] =>
    topology.scps.filter((scp) => scp.targets.some(test)).map((scp) => ({ name: scp.name, policy: scp.document }));
  const root = attachedTo((t) => t.startsWith("r-"));
  const ous = attachedTo((t) => intendedOus.has(t));
  const own = attachedTo((t) => t === account);
  return [
    { orgIdentifier: "root", policies: [FULL_AWS_ACCESS, ...root] },
    ...(ous.length > 0 ? [{ orgIdentifier: `ou (${[...intendedOus].join(", ")})`, policies: [FULL_AWS_ACCESS, ...ous] }] : []),
    { orgIdentifier: account, policies: [FULL_AWS_ACCESS, ...own] },
  ];
}

function context(principalArn: string, account: string, organizationId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "aws:PrincipalArn": principalArn, "aws:PrincipalAccount": account, "aws:PrincipalOrgID": organizationId, "aws:SecureTransport": "true", ...extra };
}

function throughEndpoint(consumer: ConsumerView, endpointId: string): Record<string, string> {
  return { "aws:SourceVpce": endpointId, "aws:VpceAccount": consumer.accountId, ...(consumer.vpcId ? { "aws:SourceVpc": consumer.vpcId } : {}) };
}

/** An account id no stack uses, for the principals that stand for "someone else". */
function unusedAccountId(used: ReadonlySet<string>, start: number): string {
  let candidate = start;
  while (used.has(String(candidate))) candidate += 1;
  return String(candidate);
}

function usedAccounts(topology: Topology): Set<string> {
  const used = new Set<string>([topology.ml.mlAccountId]);
  Object.values(topology.ml.consumers).forEach((c) => used.add(c.accountId));
  for (const arn of [topology.ml.guardrail.managementRoleArn, topology.ml.dataLake.roleArn]) if (arn) used.add(accountOf(arn));
  if (topology.ml.dataLake.accountId) used.add(topology.ml.dataLake.accountId);
  return used;
}

function assumeRoleCase(
  topology: Topology,
  input: {
    kind: ScenarioKind;
    scenario: string;
    principalRoleArn: string;
    accountClass: AccountClass;
    organizationId: string;
    identityPolicies: readonly NamedPolicy[];
    target: SharedRoleView;
    expected: Expectation;
    endpoint?: { consumer: ConsumerView; policy?: unknown; endpointId: string; name: string };
  },
): MatrixCase {
  const account = accountOf(input.principalRoleArn);
  const principal = sessionArn(input.principalRoleArn);
  return {
    kind: input.kind,
    scenario: input.scenario,
    principal,
    action: "sts:AssumeRole",
    resource: input.target.roleArn,
    expected: input.expected,
    resourcePolicyLabel: `trust policy of ${input.target.roleName}`,
    simulation: {
      request: {
        principal,
        action: "sts:AssumeRole",
        resource: { resource: input.target.roleArn, accountId: topology.ml.mlAccountId },
        contextVariables: context(input.principalRoleArn, account, input.organizationId, input.endpoint ? throughEndpoint(input.endpoint.consumer, input.endpoint.endpointId) : {}),
      },
      identityPolicies: input.identityPolicies,
      serviceControlPolicies: scpLevels(topology, account, input.accountClass),
      resourceControlPolicies: [],
      // An absent trust policy (role not synthesized) trusts nobody.
      resourcePolicy: input.target.trustPolicy ?? policyDocument([]),
      ...(input.endpoint?.policy ? { vpcEndpointPolicies: [{ name: input.endpoint.name, policy: input.endpoint.policy }] } : {}),
    },
  };
}

function mlSessionCase(
  topology: Topology,
  input: { kind: ScenarioKind; scenario: string; roleArn: string; identityPolicies: readonly NamedPolicy[]; action: string; resource: string; expected: Expectation; deniedBy?: string; endpoint?: { consumer: ConsumerView; endpointId: string; name: string; policy: unknown } },
): MatrixCase {
  const principal = sessionArn(input.roleArn);
  const ml = topology.ml;
  return {
    kind: input.kind,
    scenario: input.scenario,
    principal,
    action: input.action,
    resource: input.resource,
    expected: input.expected,
    ...(input.deniedBy ? { deniedBy: input.deniedBy } : {}),
    simulation: {
      request: {
        principal,
        action: input.action,
        resource: { resource: input.resource, accountId: ml.mlAccountId },
        contextVariables: context(input.roleArn, ml.mlAccountId, ml.organizationId, input.endpoint ? throughEndpoint(input.endpoint.consumer, input.endpoint.endpointId) : {}),
      },
      identityPolicies: input.identityPolicies,
      serviceControlPolicies: scpLevels(topology, ml.mlAccountId, "ml"),
      resourceControlPolicies: [],
      ...(input.endpoint ? { vpcEndpointPolicies: [{ name: input.endpoint.name, policy: input.endpoint.policy }] } : {}),
    },
  };
}

/** The pipeline role's identity policy, as src/policies/pipeline.ts builds it from the configs. */
function pipelinePolicy(topology: Topology): NamedPolicy {
  const consumers: ConsumerConfig[] = [...topology.consumers.values()].map((c) => c.config);
  const document: PolicyDocument = pipelinePromotionPolicy(pipelinePolicyInputFromConfig(topology.ml, consumers));
  return { name: "pipeline-promotion (src/policies/pipeline.ts)", policy: document };
}

export const MODEL_LIFECYCLE_ACTIONS = ["rekognition:StartProjectVersion", "rekognition:StopProjectVersion", "rekognition:DeleteProjectVersion"] as const;

/** Every request the matrix evaluates, in a stable order. */
export function matrixCases(topology: Topology): MatrixCase[] {
  const ml = topology.ml;
  const cases: MatrixCase[] = [];
  const roles = [...topology.sharedRoles.values()];
  const guardrailOn = ml.guardrail.enabled;

  // 1. Each application role -> its own shared role (Allowed) and every other environment's (Denied).
  for (const consumer of topology.consumers.values()) {
    for (const target of roles) {
      const own = target.environment === consumer.environment;
      cases.push(
        assumeRoleCase(topology, {
          kind: own ? "application-own-role" : "application-other-role",
          scenario: `${consumer.environment} application -> ${own ? "its own" : `${target.environment}'s`} shared role`,
          principalRoleArn: consumer.applicationRoleArn,
          accountClass: "consumer",
          organizationId: ml.organizationId,
          identityPolicies: consumer.applicationPolicies,
          target,
          expected: ml.consumers[target.environment].applicationPrincipalArns.includes(consumer.applicationRoleArn) ? "Allowed" : "Denied",
          endpoint: consumer.stsEndpoint ? { consumer, policy: consumer.stsEndpoint.policy, endpointId: consumer.stsEndpoint.endpointId, name: consumer.stsEndpoint.resourceName } : undefined,
        }),
      );
    }
  }

  for (const role of roles) {
    const consumerConfig = ml.consumers[role.environment];
    const granted = new Set(consumerConfig.grantedVersions);
    const privateOnly = consumerConfig.privateAccess.enabled;
    const consumer = topology.consumers.get(role.environment);
    const rekognition = consumer?.rekognitionEndpoint;
    // With aws:SourceVpce the config names the endpoint ids; the mock's id would never match them.
    const access = consumerConfig.privateAccess;
    const endpointId = access.enabled && access.conditionKey === "aws:SourceVpce" && access.vpcEndpointIds.length > 0 ? access.vpcEndpointIds[0] : rekognition?.endpointId;

    // 2. The shared-role session -> DetectCustomLabels on every version, through the consumer's endpoint and not.
    for (const version of topology.modelVersionArns) {
      const isGranted = granted.has(version);
      if (consumer && rekognition && endpointId) {
        cases.push(
          mlSessionCase(topology, {
            kind: "detect-through-endpoint",
            scenario: `${role.environment} shared-role session -> DetectCustomLabels on ${isGranted ? "a granted" : "a not granted"} version, through ${role.environment}'s endpoint`,
            roleArn: role.roleArn,
            identityPolicies: role.inlinePolicies,
            action: DETECT_ACTION,
            resource: version,
            expected: isGranted ? "Allowed" : "Denied",
            endpoint: { consumer, endpointId, name: rekognition.resourceName, policy: rekognition.policy ?? policyDocument([]) },
          }),
        );
      }
      cases.push(
        mlSessionCase(topology, {
          kind: "detect-not-through-endpoint",
          scenario: `${role.environment} shared-role session -> DetectCustomLabels on ${isGranted ? "a granted" : "a not granted"} version, not through an endpoint`,
          roleArn: role.roleArn,
          identityPolicies: role.inlinePolicies,
          action: DETECT_ACTION,
          resource: version,
          expected: isGranted && !privateOnly ? "Allowed" : "Denied",
        }),
      );
    }

    // 3. The shared-role session must not manage the model or re-permission the shared roles.
    const deniedBy = guardrailOn ? topology.mlGuardrailName : undefined;
    // One version per session is enough: the guardrail denies on the project's prefix, not per version, and each
    // of these rows costs as much as a DetectCustomLabels row.
    const lifecycleVersion = [...consumerConfig.grantedVersions].sort()[0] ?? topology.modelVersionArns[0];
    for (const version of lifecycleVersion !== undefined ? [lifecycleVersion] : []) {
      for (const action of MODEL_LIFECYCLE_ACTIONS) {
        cases.push(
          mlSessionCase(topology, { kind: "session-model-management", scenario: `${role.environment} shared-role session -> ${action.split(":")[1]} (model management)`, roleArn: role.roleArn, identityPolicies: role.inlinePolicies, action, resource: version, expected: "Denied", deniedBy }),
        );
      }
    }
    // Its own role and one other (the next environment): the guardrail covers every role by path, not by name.
    const others = roles.filter((r) => r.environment !== role.environment);
    const neighbour = others.find((r) => r.environment > role.environment) ?? others[0];
    for (const target of [role, ...(neighbour ? [neighbour] : [])]) {
      cases.push(
        mlSessionCase(topology, {
          kind: "session-put-role-policy",
          scenario: `${role.environment} shared-role session -> PutRolePolicy on ${target === role ? "its own" : `${target.environment}'s`} shared role`,
          roleArn: role.roleArn,
          identityPolicies: role.inlinePolicies,
          action: "iam:PutRolePolicy",
          resource: target.roleArn,
          expected: "Denied",
          deniedBy,
        }),
      );
    }
  }

  // 4. The pipeline role starts and stops versions (exempt from the ML guardrail); a non-exempt administrator cannot.
  const pipeline = pipelinePolicy(topology);
  for (const version of topology.modelVersionArns) {
    for (const action of ["rekognition:StartProjectVersion", "rekognition:StopProjectVersion"]) {
      cases.push(mlSessionCase(topology, { kind: "pipeline-lifecycle", scenario: `pipeline role -> ${action.split(":")[1]}`, roleArn: ml.pipelineRoleArn, identityPolicies: [pipeline], action, resource: version, expected: "Allowed" }));
    }
  }
  if (topology.modelVersionArns.length > 0) {
    const adminRoleArn = `arn:${ml.partition}:iam::${ml.mlAccountId}:role/ml-account-administrator`;
    cases.push(
      mlSessionCase(topology, {
        kind: "ml-administrator",
        scenario: "ML-account administrator (not exempt) -> StartProjectVersion",
        roleArn: adminRoleArn,
        identityPolicies: [ADMINISTRATOR],
        action: "rekognition:StartProjectVersion",
        resource: topology.modelVersionArns[0],
        expected: guardrailOn ? "Denied" : "Allowed",
        deniedBy: guardrailOn ? topology.mlGuardrailName : undefined,
      }),
    );
  }

  // 5. Principals the trust must refuse: another workload of the consumer account, another account of the
  //    organization, an account outside it. Each holds AdministratorAccess, so only trust and SCPs can stop it.
  const used = usedAccounts(topology);
  const memberAccount = unusedAccountId(used, 123456789012);
  const outsiderAccount = unusedAccountId(new Set([...used, memberAccount]), 210987654321);
  for (const target of roles) {
    const consumer = topology.consumers.get(target.environment);
    const consumerAccount = ml.consumers[target.environment].accountId;
    cases.push(
      assumeRoleCase(topology, {
        kind: "consumer-other-workload",
        scenario: `another workload in ${target.environment}'s account -> ${target.environment}'s shared role`,
        principalRoleArn: `arn:${ml.partition}:iam::${consumerAccount}:role/other-workload`,
        accountClass: "consumer",
        organizationId: ml.organizationId,
        identityPolicies: [ADMINISTRATOR],
        target,
        expected: "Denied",
        endpoint: consumer?.stsEndpoint ? { consumer, policy: consumer.stsEndpoint.policy, endpointId: consumer.stsEndpoint.endpointId, name: consumer.stsEndpoint.resourceName } : undefined,
      }),
    );
    cases.push(
      assumeRoleCase(topology, {
        kind: "organization-member",
        scenario: `another account of the organization -> ${target.environment}'s shared role`,
        principalRoleArn: `arn:${ml.partition}:iam::${memberAccount}:role/administrator`,
        accountClass: "other-member",
        organizationId: ml.organizationId,
        identityPolicies: [ADMINISTRATOR],
        target,
        expected: "Denied",
      }),
    );
    cases.push(
      assumeRoleCase(topology, {
        kind: "outside-organization",
        scenario: `an account outside the organization -> ${target.environment}'s shared role`,
        principalRoleArn: `arn:${ml.partition}:iam::${outsiderAccount}:role/administrator`,
        accountClass: "outsider",
        organizationId: OUTSIDE_ORGANIZATION_ID,
        identityPolicies: [ADMINISTRATOR],
        target,
        expected: "Denied",
      }),
    );
  }

  // 6. A consumer account's administrator cannot run or create models of its own (consumer guardrail).
  for (const environment of Object.keys(ml.consumers).sort()) {
    const account = ml.consumers[environment].accountId;
    const adminRoleArn = `arn:${ml.partition}:iam::${account}:role/administrator`;
    const principal = sessionArn(adminRoleArn);
    const localVersion = `arn:${ml.partition}:rekognition:${ml.region}:${account}:project/local-model/version/local-model.1/1700000000000`;
    for (const [action, resource] of [["rekognition:StartProjectVersion", localVersion], ["rekognition:CreateProject", "*"]] as const) {
      cases.push({
        kind: "consumer-administrator",
        scenario: `${environment} account administrator -> ${action.split(":")[1]} in its own account`,
        principal,
        action,
        resource,
        expected: guardrailOn ? "Denied" : "Allowed",
        ...(guardrailOn && topology.consumerGuardrailName ? { deniedBy: topology.consumerGuardrailName } : {}),
        simulation: {
          request: { principal, action, resource: { resource, accountId: account }, contextVariables: context(adminRoleArn, account, ml.organizationId) },
          identityPolicies: [ADMINISTRATOR],
          serviceControlPolicies: scpLevels(topology, account, "consumer"),
          resourceControlPolicies: [],
        },
      });
    }
  }
  cases.push(...dataLakeCases(topology));
  return cases;
}
