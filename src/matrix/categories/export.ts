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
  const projectPolicy = existingProjectPolicy(topology);
  const outsider = roleCaller(topology, roleArnIn(topology, strangers.otherOrganization, "administrator"), "outsider", [ADMINISTRATOR]);
  const named = projectPolicy ? "no listed project policy names it" : "no project policy names it";
  cases.push(matrixCase(topology, { category: "export", kind: "outsider-copy", scenario: `an account of another organization -> CopyProjectVersion of a shared version (${named})`, caller: outsider, action: "rekognition:CopyProjectVersion", resource: version, resourceAccount: ml.mlAccountId, expected: "Denied", ...(projectPolicy ? { resourcePolicy: projectPolicy } : {}) }));
  if (projectPolicy) cases.push(...projectPolicyCopyCases(topology, version, projectPolicy));
  return cases;
}

/** The project policies the config accepts on the adopted project (model.existingProjectPolicies), as one resource policy. */
function existingProjectPolicy(topology: Topology): { policy: unknown; label: string } | undefined {
  const listed = topology.ml.model.existingProjectPolicies;
  if (listed.length === 0) return undefined;
  return { policy: { Version: "2012-10-17", Statement: listed.flatMap((p) => p.document.Statement) }, label: `project policies ${listed.map((p) => p.name).join(", ")}` };
}

/**
 * What the listed project policies let through: each account they name copies a shared version, unless a guardrail
 * of that account stops it (a consumer's or the ML account's). Whether to keep such a policy is the config's decision;
 * the matrix shows its reach.
 */
function projectPolicyCopyCases(topology: Topology, version: string, projectPolicy: { policy: unknown; label: string }): MatrixCase[] {
  const ml = topology.ml;
  const statements = (projectPolicy.policy as { Statement: { Effect?: unknown; Principal?: unknown }[] }).Statement;
  const accounts = new Set<string>();
  for (const statement of statements) {
    if (statement.Effect !== "Allow") continue;
    const principal = statement.Principal as { AWS?: string | string[] } | string | undefined;
    const aws = typeof principal === "object" && principal !== null ? [principal.AWS ?? []].flat() : [];
    for (const p of aws) accounts.add(/^\d{12}$/.test(p) ? p : p.split(":")[4] ?? "");
  }
  const consumerAccounts = new Set(Object.values(ml.consumers).map((c) => c.accountId));
  return [...accounts].filter((a) => /^\d{12}$/.test(a)).sort().map((account) => {
    const accountClass = account === ml.mlAccountId ? "ml" : consumerAccounts.has(account) ? "consumer" : "other-member";
    const intent = accountClass === "ml" ? guardedBy(mlGuardrail(topology)) : accountClass === "consumer" ? guardedBy(consumerGuardrail(topology)) : { expected: "Allowed" as const };
    return matrixCase(topology, {
      category: "export",
      kind: "project-policy-copy",
      scenario: `an administrator of ${account}, which ${projectPolicy.label} names -> CopyProjectVersion of a shared version (accepted in model.existingProjectPolicies)`,
      caller: roleCaller(topology, roleArnIn(topology, account, "administrator"), accountClass, [ADMINISTRATOR]),
      action: "rekognition:CopyProjectVersion",
      resource: version,
      resourceAccount: ml.mlAccountId,
      ...intent,
      resourcePolicy: projectPolicy,
    });
  });
}
