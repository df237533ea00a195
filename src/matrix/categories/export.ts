import type { MatrixCase } from "../cases";
import { ADMINISTRATOR, roleArnIn, strangerAccounts } from "../callers";
import { Caller, matrixCase, roleCaller } from "../requests";
import type { Topology } from "../topology";
import { consumerGuardrail, guardedBy, mlGuardrail, sampleVersion, sharedRoleCaller, sharedRoles } from "./common";
import { pipelinePolicy } from "./legitimate";

/**
 * Export: the ways a shared version could leave the shared project. A copy into a new project of the ML account
 * (no project policy needed within one account), a project policy on that project or on the shared one (which
 * would let any account copy it), a copy from a consumer account or from outside the organization; the pipeline
 * and the shared roles have no business copying, break-glass may in an emergency.
 */
export function exportCases(topology: Topology): MatrixCase[] {
  const ml = topology.ml;
  const version = topology.modelVersionArns[0];
  if (version === undefined) return [];
  const scp = mlGuardrail(topology);
  const strangers = strangerAccounts(topology);
  const base = `arn:${ml.partition}:rekognition:${ml.region}`;
  const newProject = `${base}:${ml.mlAccountId}:project/exported-copy/1700000000001`;
  const cases: MatrixCase[] = [];
  const ask = (kind: string, scenario: string, caller: Caller, action: string, resource: string, intent: { expected: "Allowed" | "Denied"; deniedBy?: string }) =>
    cases.push(matrixCase(topology, { category: "export", kind, scenario, caller, action, resource, resourceAccount: resource.split(":")[4], ...intent }));
  const admin = roleCaller(topology, roleArnIn(topology, ml.mlAccountId, "ml-account-administrator"), "ml", [ADMINISTRATOR]);

  ask("ml-administrator-copy", "ML-account administrator -> CopyProjectVersion of a shared version", admin, "rekognition:CopyProjectVersion", version, guardedBy(scp));
  ask("ml-administrator-copy", "ML-account administrator -> CopyProjectVersion into a new project of the ML account", admin, "rekognition:CopyProjectVersion", newProject, guardedBy(scp));
  for (const action of ["rekognition:PutProjectPolicy", "rekognition:DeleteProjectPolicy"]) {
    ask("ml-administrator-project-policy", `ML-account administrator -> ${action.split(":")[1]} on a new project (outside the shared project)`, admin, action, newProject, guardedBy(scp));
    ask("ml-administrator-project-policy", `ML-account administrator -> ${action.split(":")[1]} on the shared project`, admin, action, topology.projectArn, guardedBy(scp));
  }
  ask("pipeline-copy", "pipeline role -> CopyProjectVersion (not in its policy)", roleCaller(topology, ml.pipelineRoleArn, "ml", [pipelinePolicy(topology)]), "rekognition:CopyProjectVersion", version, { expected: "Denied" });
  for (const breakGlass of ml.breakGlassRoleArns) {
    ask("break-glass-copy", "break-glass role -> CopyProjectVersion (exempt, for emergencies)", roleCaller(topology, breakGlass, "ml", [ADMINISTRATOR]), "rekognition:CopyProjectVersion", newProject, { expected: "Allowed" });
  }
  const firstShared = sharedRoles(topology)[0];
  if (firstShared) {
    const own = sampleVersion(topology, firstShared.environment) ?? version;
    ask("shared-role-copy", `${firstShared.environment} shared-role session -> CopyProjectVersion of its own version`, sharedRoleCaller(topology, firstShared), "rekognition:CopyProjectVersion", own, scp !== undefined ? { expected: "Denied", deniedBy: scp } : { expected: "Denied" });
  }
  const firstConsumer = Object.keys(ml.consumers).sort()[0];
  if (firstConsumer !== undefined) {
    const account = ml.consumers[firstConsumer].accountId;
    const consumerAdmin = roleCaller(topology, roleArnIn(topology, account, "administrator"), "consumer", [ADMINISTRATOR]);
    ask("consumer-administrator-copy", `${firstConsumer} account administrator -> CopyProjectVersion into a project of its own account`, consumerAdmin, "rekognition:CopyProjectVersion", `${base}:${account}:project/exported-copy/1700000000001`, guardedBy(consumerGuardrail(topology)));
  }
  const outsider = roleCaller(topology, roleArnIn(topology, strangers.otherOrganization, "administrator"), "outsider", [ADMINISTRATOR]);
  ask("outsider-copy", "an account of another organization -> CopyProjectVersion of a shared version (no project policy names it)", outsider, "rekognition:CopyProjectVersion", version, { expected: "Denied" });
  return cases;
}
