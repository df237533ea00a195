import { policyDocument } from "../../policies/document";
import { DETECT_ACTION } from "../../policies/sharedRole";
import { globPattern, listOf, PolicyJson, statementsOf } from "../../rules/documents";
import type { MatrixCase } from "../cases";
import { ADMINISTRATOR, roleArnIn, strangerAccounts } from "../callers";
import { EndpointPath, matrixCase, roleCaller } from "../requests";
import { neighboursOf, policyShape, representatives } from "../selection";
import type { SharedRoleView, Topology } from "../topology";
import { applicationCaller, assumeCase, isGranted, openedRekognitionPath, privateOnly, rekognitionPath, sampleVersion, sharedRoleCaller, sharedRoles, stsPath, trusts } from "./common";

/**
 * The versions a network row is asked about: one per Allow statement that grants DetectCustomLabels (a network
 * condition belongs to a statement, so one version per statement meets each condition the policy has), or the first
 * granted one. Keeps the category linear in the environments instead of environments x versions.
 */
function versionsPerStatement(topology: Topology, role: SharedRoleView): string[] {
  const chosen = new Set<string>();
  for (const policy of role.inlinePolicies) {
    for (const statement of statementsOf(policy.policy as PolicyJson)) {
      if (statement.Effect !== "Allow" || !listOf(statement.Action).some((a) => globPattern(a).test(DETECT_ACTION))) continue;
      const version = listOf(statement.Resource).find((r) => topology.modelVersionArns.includes(r));
      if (version) chosen.add(version);
    }
  }
  const fallback = sampleVersion(topology, role.environment);
  if (chosen.size === 0 && fallback) chosen.add(fallback);
  return [...chosen].sort();
}

/** An identity policy added to a shared role by mistake, broader than its own: the network Deny must still stop it. */
const BROAD_DETECT_ALLOW = { name: "broad-allow-added-by-mistake", policy: policyDocument([{ Effect: "Allow", Action: DETECT_ACTION, Resource: "*" }]) };

/**
 * Network: the shared-role session's DetectCustomLabels without a VPC endpoint, through an endpoint of another
 * account and through another environment's endpoint; the application's AssumeRole without the STS endpoint; and
 * what the consumer's endpoints let other workloads of its VPC do.
 */
export function networkCases(topology: Topology): MatrixCase[] {
  const cases: MatrixCase[] = [];
  const ml = topology.ml;
  const strangers = strangerAccounts(topology);
  const environments = [...topology.sharedRoles.keys()];
  // Other workloads and foreign roles are named by no policy: one consumer per shape of endpoint policies answers for all.
  const endpointShape = (env: string) => {
    const consumer = topology.consumers.get(env);
    return policyShape([consumer?.rekognitionEndpoint?.policy, consumer?.stsEndpoint?.policy].map((policy, i) => ({ name: String(i), policy: policy ?? {} })));
  };
  const perShape = new Set(representatives(environments, endpointShape));
  for (const role of sharedRoles(topology)) {
    const env = role.environment;
    const consumer = topology.consumers.get(env);
    const session = sharedRoleCaller(topology, role);
    const neighbour = neighboursOf(environments, env, 1).map((e) => topology.consumers.get(e)).find((c) => c !== undefined);
    const neighbourEndpoint = rekognitionPath(topology, neighbour);
    for (const version of versionsPerStatement(topology, role)) {
      const detect = (kind: string, scenario: string, expected: "Allowed" | "Denied", endpoint?: EndpointPath) =>
        matrixCase(topology, { category: "network", kind, scenario: `${env} shared-role session -> DetectCustomLabels on ${isGranted(topology, env, version) ? "a granted" : "a"} version, ${scenario}`, caller: session, action: DETECT_ACTION, resource: version, resourceAccount: ml.mlAccountId, expected, ...(endpoint ? { endpoint } : {}) });
      const openly = isGranted(topology, env, version) && !privateOnly(topology, env) ? "Allowed" : "Denied";
      cases.push(detect("detect-without-endpoint", "not through a VPC endpoint", openly));
      if (privateOnly(topology, env) && version === versionsPerStatement(topology, role)[0]) {
        // The Deny must hold on its own: a session that also holds a broad Allow (a policy added by mistake) still
        // cannot call from outside the consumer's endpoints (README: "an explicit Deny without IfExists").
        const broadened = sharedRoleCaller(topology, role, { extraPolicies: [BROAD_DETECT_ALLOW] });
        cases.push(matrixCase(topology, { category: "network", kind: "detect-broad-allow-without-endpoint", scenario: `${env} shared-role session that also holds an Allow of DetectCustomLabels on * -> a version, not through a VPC endpoint`, caller: broadened, action: DETECT_ACTION, resource: version, resourceAccount: ml.mlAccountId, expected: "Denied" }));
      }
      const opened = openedRekognitionPath(topology, consumer);
      if (opened) {
        // The consumer's own endpoint id (aws:SourceVpce) and account (aws:VpceAccount) still match: by design.
        cases.push(detect("detect-through-opened-endpoint", `through ${env}'s endpoint with its policy opened by an account administrator`, isGranted(topology, env, version) ? "Allowed" : "Denied", opened));
      }
      // An endpoint the caller controls in another account carries the default policy (full access).
      cases.push(detect("detect-through-other-account-endpoint", `through an endpoint of account ${strangers.member}`, openly, { name: "an endpoint of another account", endpointId: "vpce-0a11e9ed0000000000", account: strangers.member, vpcId: "vpc-0a11e9ed0000000000" }));
      if (neighbourEndpoint && neighbour) {
        cases.push(detect("detect-through-other-environment-endpoint", `through ${neighbour.environment}'s endpoint`, "Denied", neighbourEndpoint));
      }
    }
    if (!consumer) continue;
    cases.push(
      assumeCase(topology, {
        category: "network",
        kind: "assume-without-endpoint",
        scenario: `${env} application -> its own shared role, not through the STS endpoint (the trust does not ask for one; the session is useless outside the endpoint)`,
        caller: applicationCaller(topology, consumer),
        target: role,
        expected: trusts(topology, env, consumer.applicationRoleArn) ? "Allowed" : "Denied",
        ...(ml.consumers[env].externalId !== undefined ? { externalId: ml.consumers[env].externalId } : {}),
      }),
    );
    if (!perShape.has(env)) continue;
    const workload = roleCaller(topology, roleArnIn(topology, consumer.accountId, "other-workload"), "consumer", [ADMINISTRATOR]);
    const rekognition = rekognitionPath(topology, consumer);
    if (rekognition) {
      const localVersion = `arn:${ml.partition}:rekognition:${ml.region}:${consumer.accountId}:project/local-model/version/local-model.1/1700000000000`;
      cases.push(
        matrixCase(topology, { category: "network", kind: "endpoint-other-workload-rekognition", scenario: `another workload in ${env}'s VPC -> DetectCustomLabels on a model of its own account, through ${env}'s Rekognition endpoint`, caller: workload, action: DETECT_ACTION, resource: localVersion, resourceAccount: consumer.accountId, expected: "Denied", endpoint: rekognition }),
      );
    }
    const sts = stsPath(consumer);
    if (sts) {
      const foreignRole = roleArnIn(topology, strangers.otherOrganization, "open-door");
      cases.push(
        matrixCase(topology, {
          category: "network",
          kind: "endpoint-other-workload-sts",
          scenario: `another workload in ${env}'s VPC -> a role of another organization that trusts everyone, through ${env}'s STS endpoint`,
          caller: workload,
          action: "sts:AssumeRole",
          resource: foreignRole,
          resourceAccount: strangers.otherOrganization,
          expected: "Denied",
          endpoint: sts,
          resourcePolicy: { policy: policyDocument([{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }]), label: "trust policy of a role that trusts everyone" },
        }),
      );
    }
  }
  return cases;
}
