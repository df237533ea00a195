import { DETECT_ACTION } from "../../policies/sharedRole";
import { pipelinePolicyInputFromConfig, pipelinePromotionPolicy } from "../../policies/pipeline";
import type { MatrixCase } from "../cases";
import { matrixCase, roleCaller } from "../requests";
import type { NamedPolicy } from "../simulator";
import type { Topology } from "../topology";
import { applicationCaller, assumeCase, isGranted, legitimateAssumeExtras, rekognitionPath, sharedRoleCaller, sharedRoles, stsPath, transitiveTags, trusts } from "./common";

/** The pipeline role's identity policy, as src/policies/pipeline.ts builds it from the configs. */
export function pipelinePolicy(topology: Topology): NamedPolicy {
  const consumers = [...topology.consumers.values()].map((c) => c.config);
  return { name: "pipeline-promotion (src/policies/pipeline.ts)", policy: pipelinePromotionPolicy(pipelinePolicyInputFromConfig(topology.ml, consumers)) };
}

/**
 * Legitimate use, the path the design intends: each application assumes its own shared role through its STS
 * endpoint (with the external id and Pod Identity's tags when configured), the promotion's smoke test does the
 * same, and the session calls DetectCustomLabels on each granted version through the consumer's endpoint.
 */
export function legitimateCases(topology: Topology): MatrixCase[] {
  const cases: MatrixCase[] = [];
  for (const role of sharedRoles(topology)) {
    const env = role.environment;
    const consumer = topology.consumers.get(env);
    if (consumer) {
      const extras = legitimateAssumeExtras(topology, consumer, env);
      const caller = applicationCaller(topology, consumer);
      const trusted = trusts(topology, env, consumer.applicationRoleArn) ? "Allowed" : "Denied";
      cases.push(
        assumeCase(topology, { category: "legitimate", kind: "assume-own-role", scenario: `${env} application -> its own shared role, through ${env}'s STS endpoint`, caller, target: role, expected: trusted, endpoint: stsPath(consumer), ...extras }),
      );
      if (transitiveTags(topology, consumer)) {
        const allowed = trusted === "Allowed" && topology.ml.consumers[env].eksPodIdentity ? "Allowed" : "Denied";
        cases.push(
          assumeCase(topology, { category: "legitimate", kind: "tag-session-pod-identity", scenario: `${env} application on EKS Pod Identity -> TagSession (its transitive tags) on its own shared role`, caller, target: role, expected: allowed, endpoint: stsPath(consumer), action: "sts:TagSession", ...extras }),
        );
      }
      const smoke = consumer.smokeTestRole;
      if (smoke) {
        const smokeCaller = roleCaller(topology, smoke.roleArn, "consumer", smoke.policies, { principalTags: smoke.tags });
        const { externalId } = legitimateAssumeExtras(topology, undefined, env);
        cases.push(
          assumeCase(topology, { category: "legitimate", kind: "smoke-test-assume", scenario: `${env} smoke-test role -> its shared role (promotion's verify)`, caller: smokeCaller, target: role, expected: trusts(topology, env, smoke.roleArn) ? "Allowed" : "Denied", endpoint: stsPath(consumer), ...(externalId !== undefined ? { externalId } : {}) }),
        );
      }
    }
    const endpoint = rekognitionPath(topology, consumer);
    if (!endpoint) continue;
    for (const version of topology.ml.consumers[env].grantedVersions) {
      cases.push(
        matrixCase(topology, {
          category: "legitimate",
          kind: "detect-granted",
          scenario: `${env} shared-role session -> DetectCustomLabels on a granted version, through ${env}'s endpoint`,
          caller: sharedRoleCaller(topology, role),
          action: DETECT_ACTION,
          resource: version,
          resourceAccount: topology.ml.mlAccountId,
          expected: isGranted(topology, env, version) ? "Allowed" : "Denied",
          endpoint,
        }),
      );
    }
  }
  return cases;
}
