import { DETECT_ACTION } from "../../policies/sharedRole";
import type { MatrixCase } from "../cases";
import { matrixCase } from "../requests";
import { crossEnvironmentTargets, policyShape, representatives } from "../selection";
import type { Topology } from "../topology";
import { applicationCaller, assumeCase, isGranted, legitimateAssumeExtras, openedRekognitionPath, rekognitionPath, sharedRoleCaller, sharedRoles, trusts } from "./common";

/**
 * Cross-environment: each application against other environments' shared roles (its neighbours and every role its
 * policies could reach or whose trust names it: see ../selection.ts), sending what the target's own callers send
 * (external ids are not secrets), by public STS so that its own STS endpoint policy cannot hide what the identity
 * and trust policies allow; and each shared-role session against every version granted only elsewhere,
 * through that endpoint with its policy opened (the consumer's administrators can: the shared role's own policy must
 * hold without it), and through the endpoint as synthesized once per shape of endpoint policy. (Without any
 * endpoint the network condition adds a denial of its own; the `network` category asks that.)
 */
export function crossEnvironmentCases(topology: Topology): MatrixCase[] {
  const cases: MatrixCase[] = [];
  for (const consumer of topology.consumers.values()) {
    const env = consumer.environment;
    for (const target of crossEnvironmentTargets(topology, env, consumer.applicationRoleArn, consumer.applicationPolicies)) {
      cases.push(
        assumeCase(topology, {
          category: "cross-environment",
          kind: "assume-other-role",
          scenario: `${env} application -> ${target.environment}'s shared role`,
          caller: applicationCaller(topology, consumer),
          target,
          expected: trusts(topology, target.environment, consumer.applicationRoleArn) ? "Allowed" : "Denied",
          ...legitimateAssumeExtras(topology, consumer, target.environment),
        }),
      );
    }
  }
  const endpointShape = (env: string) => policyShape([{ name: "endpoint", policy: topology.consumers.get(env)?.rekognitionEndpoint?.policy ?? {} }]);
  const perShape = new Set(representatives([...topology.sharedRoles.keys()], endpointShape));
  for (const role of sharedRoles(topology)) {
    const env = role.environment;
    const consumer = topology.consumers.get(env);
    const paths = [
      { kind: "detect-not-granted", how: `through ${env}'s endpoint`, endpoint: perShape.has(env) ? rekognitionPath(topology, consumer) : undefined },
      { kind: "detect-not-granted-opened-endpoint", how: `through ${env}'s endpoint with its policy opened`, endpoint: openedRekognitionPath(topology, consumer) },
    ];
    // Without a consumer stack there is no endpoint: the public path is then the one to ask about.
    if (!consumer?.rekognitionEndpoint) paths.push({ kind: "detect-not-granted-without-endpoint", how: "not through an endpoint", endpoint: undefined });
    for (const version of topology.modelVersionArns.filter((v) => !isGranted(topology, env, v))) {
      for (const path of paths.filter((p) => p.endpoint !== undefined || p.kind === "detect-not-granted-without-endpoint")) {
        cases.push(
          matrixCase(topology, {
            category: "cross-environment",
            kind: path.kind,
            scenario: `${env} shared-role session -> DetectCustomLabels on a version not granted to ${env}, ${path.how}`,
            caller: sharedRoleCaller(topology, role),
            action: DETECT_ACTION,
            resource: version,
            resourceAccount: topology.ml.mlAccountId,
            expected: "Denied",
            ...(path.endpoint ? { endpoint: path.endpoint } : {}),
          }),
        );
      }
    }
  }
  return cases;
}
