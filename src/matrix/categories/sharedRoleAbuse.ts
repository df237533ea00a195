import { policyDocument } from "../../policies/document";
import { MODEL_EXPORT_ACTIONS, MODEL_PROTECTED_ACTIONS } from "../../policies/guardrail";
import { DETECT_ACTION } from "../../policies/sharedRole";
import { ActionCatalog, rekognitionResource } from "../actions";
import type { MatrixCase } from "../cases";
import { matrixCase } from "../requests";
import { neighboursOf, policyShape, representatives } from "../selection";
import type { SharedRoleView, Topology } from "../topology";
import { applicationCaller, assumeCase, isGranted, mlGuardrail, openedRekognitionPath, podIdentityTags, sampleVersion, sharedRoleCaller, sharedRoles, stsPath } from "./common";

const ANYTHING = policyDocument([{ Effect: "Allow", Action: "*", Resource: "*" }]);

/** Whether the ML guardrail is meant to deny `action` on `resource` explicitly (model protection or export). */
function guardedAction(topology: Topology, action: string, resource: string): boolean {
  if ((MODEL_EXPORT_ACTIONS as readonly string[]).includes(action)) return true;
  const project = topology.projectArn;
  const onSharedProject = resource.startsWith(`${project.slice(0, project.lastIndexOf("/"))}/`);
  return onSharedProject && (MODEL_PROTECTED_ACTIONS as readonly string[]).includes(action);
}

/**
 * Shared-role abuse: what a session of a shared role (or a caller holding its credentials) might try besides
 * DetectCustomLabels. Every Rekognition action, S3 and a session policy that asks for everything run once per
 * shape of the shared-role policies (../selection.ts); every environment is asked about model lifecycle and
 * export, IAM changes to its own and a neighbour's role, role chaining, and session tags of its choosing.
 */
export function sharedRoleAbuseCases(topology: Topology, catalog: ActionCatalog): MatrixCase[] {
  const cases: MatrixCase[] = [];
  const ml = topology.ml;
  const roles = sharedRoles(topology);
  const full = new Set(representatives(roles, (role) => policyShape(role.inlinePolicies)).map((role) => role.environment));
  const scp = mlGuardrail(topology);
  for (const role of roles) {
    const env = role.environment;
    const version = sampleVersion(topology, env);
    const session = sharedRoleCaller(topology, role);
    // Through the consumer's endpoint with its policy opened: its administrators can, so the ML side must hold alone.
    const endpoint = openedRekognitionPath(topology, topology.consumers.get(env));
    const call = (kind: string, scenario: string, action: string, resource: string, caller = session, guarded = guardedAction(topology, action, resource)) =>
      matrixCase(topology, {
        category: "shared-role-abuse",
        kind,
        scenario: `${env} shared-role session${caller === session ? "" : " (with a session policy that allows everything)"} -> ${scenario}`,
        caller,
        action,
        resource,
        resourceAccount: action.startsWith("s3:") ? (ml.dataLake.accountId ?? ml.mlAccountId) : resource.split(":")[4] || ml.mlAccountId,
        expected: "Denied",
        ...(scp !== undefined && guarded ? { deniedBy: scp } : {}),
        ...(endpoint && action.startsWith("rekognition:") ? { endpoint } : {}),
      });
    if (version !== undefined) {
      const sweep = full.has(env)
        ? catalog.rekognition.filter((entry) => entry.action !== DETECT_ACTION)
        : catalog.rekognition.filter((entry) => ["rekognition:StartProjectVersion", "rekognition:CopyProjectVersion"].includes(entry.action));
      for (const entry of sweep) {
        cases.push(call("rekognition-action", `${entry.action.split(":")[1]} (not DetectCustomLabels)`, entry.action, rekognitionResource(topology, entry.resourceTypes[0], version)));
      }
      if (full.has(env)) {
        const withSessionPolicy = sharedRoleCaller(topology, role, { sessionPolicy: ANYTHING });
        cases.push(call("session-policy", "StartProjectVersion", "rekognition:StartProjectVersion", version, withSessionPolicy));
        const notGranted = topology.modelVersionArns.find((v) => !isGranted(topology, env, v));
        if (notGranted) cases.push(call("session-policy", "DetectCustomLabels on a version not granted to it", DETECT_ACTION, notGranted, withSessionPolicy));
        const bucket = ml.dataLake.enabled && ml.dataLake.bucketName ? `arn:${ml.partition}:s3:::${ml.dataLake.bucketName}/${ml.dataLake.trainingPrefix}matrix.jpg` : `arn:${ml.partition}:s3:::modelshare-matrix-bucket/object.jpg`;
        cases.push(call("s3", "s3:GetObject on training data", "s3:GetObject", bucket));
      }
    }
    const neighbour = neighboursOf([...topology.sharedRoles.keys()], env, 1).map((e) => topology.sharedRoles.get(e)).find((r): r is SharedRoleView => r !== undefined);
    // The ML guardrail protects every role under /modelshare/: the config intends its explicit Deny here.
    cases.push(call("iam-change", "PutRolePolicy on its own shared role", "iam:PutRolePolicy", role.roleArn, session, true));
    if (full.has(env)) cases.push(call("iam-change", "UpdateAssumeRolePolicy on its own shared role", "iam:UpdateAssumeRolePolicy", role.roleArn, session, true));
    for (const target of neighbour ? [neighbour] : [role]) {
      cases.push(
        assumeCase(topology, { category: "shared-role-abuse", kind: "role-chaining", scenario: `${env} shared-role session -> AssumeRole on ${target === role ? "its own" : `${target.environment}'s`} shared role (role chaining)`, caller: session, target, expected: "Denied" }),
      );
    }
    if (neighbour) cases.push(call("iam-change", `PutRolePolicy on ${neighbour.environment}'s shared role`, "iam:PutRolePolicy", neighbour.roleArn, session, true));
    const consumer = topology.consumers.get(env);
    if (consumer) {
      const ownTags = consumer.eksPodIdentity ? podIdentityTags(topology, consumer) : {};
      cases.push(
        assumeCase(topology, {
          category: "shared-role-abuse",
          kind: "tag-session-own-tags",
          scenario: `${env} application -> TagSession on its own shared role with a tag of its choosing`,
          caller: applicationCaller(topology, consumer),
          target: role,
          expected: "Denied",
          endpoint: stsPath(consumer),
          action: "sts:TagSession",
          requestTags: { ...ownTags, "cost-center": "anything" },
        }),
      );
    }
  }
  return cases;
}
