import { policyDocument } from "../../policies/document";
import { COPY_ACTION } from "../../policies/projectPolicy";
import type { MatrixCase } from "../cases";
import { ADMINISTRATOR, roleArnIn, strangerAccounts } from "../callers";
import { Caller, matrixCase, roleCaller } from "../requests";
import type { CopyEnvironmentView, Topology } from "../topology";
import { applicationCaller, consumerGuardrail, guardedBy, openedRekognitionPath, rekognitionPath } from "./common";

/** What promotion does to a copy in the consumer account, besides calling it. */
const COPY_LIFECYCLE = ["rekognition:CopyProjectVersion", "rekognition:StartProjectVersion", "rekognition:StopProjectVersion", "rekognition:DeleteProjectVersion"] as const;

/**
 * Copy environments (sharing: copy, issue 14): the application calls its own copies and nothing else; only the deploy
 * role (what promotion acts as there) may copy, start, stop or delete them; only the environment's own account may
 * copy from the ML project, and only its granted versions (the project policy the ML stack plans); and no shared
 * role exists for it. Expectations come from the config: the grants, the copies the consumer stack lists, the
 * guardrail settings.
 */
export function copyCases(topology: Topology): MatrixCase[] {
  const cases: MatrixCase[] = [];
  for (const view of topology.copyEnvironments.values()) cases.push(...projectPolicyCases(topology, view), ...noSharedRoleCases(topology, view), ...consumerSideCases(topology, view));
  return cases;
}

type Ask = (kind: string, scenario: string, caller: Caller, action: string, resource: string, intent: { expected: "Allowed" | "Denied"; deniedBy?: string }, extra?: Partial<Parameters<typeof matrixCase>[1]>) => void;

function asker(topology: Topology, cases: MatrixCase[]): Ask {
  return (kind, scenario, caller, action, resource, intent, extra = {}) =>
    cases.push(matrixCase(topology, { category: "copy", kind, scenario, caller, action, resource, resourceAccount: resource.split(":")[4], ...intent, ...extra }));
}

/** Who may copy from the ML project: the environment's deploy role its granted versions; nobody else, nothing else. */
function projectPolicyCases(topology: Topology, view: CopyEnvironmentView): MatrixCase[] {
  const cases: MatrixCase[] = [];
  const ask = asker(topology, cases);
  const ml = topology.ml;
  const env = view.environment;
  const granted = ml.consumers[env].grantedVersions;
  const notGranted = topology.modelVersionArns.find((v) => !granted.includes(v));
  const resourcePolicy = { policy: view.projectPolicy ?? policyDocument([]), label: `project policy of ${env} on the ML project` };
  const deployRoleArn = topology.consumers.get(env)?.config.deployRoleArn ?? roleArnIn(topology, view.accountId, "modelshare-deploy");
  const deployer = roleCaller(topology, deployRoleArn, "consumer", [ADMINISTRATOR]);
  for (const version of granted) {
    ask("copy-granted-version", `${env}'s deploy role -> CopyProjectVersion of a version granted to ${env}`, deployer, COPY_ACTION, version, { expected: "Allowed" }, { resourcePolicy });
  }
  if (notGranted !== undefined) {
    ask("copy-ungranted-version", `${env}'s deploy role -> CopyProjectVersion of a version not granted to ${env}`, deployer, COPY_ACTION, notGranted, { expected: "Denied" }, { resourcePolicy });
  }
  const sample = granted[0];
  if (sample === undefined) return cases;
  for (const [other, consumer] of Object.entries(ml.consumers)) {
    if (other === env) continue;
    const admin = roleCaller(topology, roleArnIn(topology, consumer.accountId, "modelshare-deploy"), "consumer", [ADMINISTRATOR]);
    ask("copy-from-other-environment", `${other}'s account -> CopyProjectVersion of a version granted to ${env} (the project policy names ${env} only)`, admin, COPY_ACTION, sample, { expected: "Denied" }, { resourcePolicy });
  }
  const strangers = strangerAccounts(topology);
  const outsider = roleCaller(topology, roleArnIn(topology, strangers.otherOrganization, "administrator"), "outsider", [ADMINISTRATOR]);
  ask("copy-from-outsider", `an account of another organization -> CopyProjectVersion of a version granted to ${env}`, outsider, COPY_ACTION, sample, { expected: "Denied" }, { resourcePolicy });
  return cases;
}

/** No shared role exists for a copy environment: assuming the name one would have is refused. */
function noSharedRoleCases(topology: Topology, view: CopyEnvironmentView): MatrixCase[] {
  const consumer = topology.consumers.get(view.environment);
  if (!consumer) return [];
  const cases: MatrixCase[] = [];
  const trust = view.strayRoleTrust ?? policyDocument([]);
  const label = view.strayRoleTrust ? `trust policy of ${view.strayRoleArn.split("/").pop()}` : `no role ${view.strayRoleArn.split("/").pop()} (copy environment)`;
  // An administrator of the account, so that only the (absent) role's trust can stop it.
  const admin = roleCaller(topology, roleArnIn(topology, consumer.accountId, "administrator"), "consumer", [ADMINISTRATOR]);
  asker(topology, cases)("no-shared-role", `${view.environment} account administrator -> AssumeRole of the shared role a copy environment must not have`, admin, "sts:AssumeRole", view.strayRoleArn, { expected: "Denied" }, {
    resourcePolicy: { policy: trust, label },
  });
  return cases;
}

/** The consumer side: the application calls exactly its copies; only the deploy role manages them. */
function consumerSideCases(topology: Topology, view: CopyEnvironmentView): MatrixCase[] {
  const consumer = topology.consumers.get(view.environment);
  const copy = consumer?.config.copy;
  if (!consumer || !copy) return [];
  const cases: MatrixCase[] = [];
  const ask = asker(topology, cases);
  const env = view.environment;
  const app = applicationCaller(topology, consumer);
  const endpoint = rekognitionPath(topology, consumer);
  const through = endpoint ? { endpoint } : {};
  // What must not be callable is asked through the endpoint with its policy opened: the role's own policy must hold.
  const opened = openedRekognitionPath(topology, consumer);
  const throughOpened = opened ? { endpoint: opened } : {};
  const projectBase = `arn:${topology.ml.partition}:rekognition:${topology.ml.region}:${consumer.accountId}:project/${copy.projectName}`;
  for (const { copy: copied } of copy.versions) {
    ask("detect-own-copy", `${env} application -> DetectCustomLabels on its own copy, through its endpoint`, app, "rekognition:DetectCustomLabels", copied, { expected: "Allowed" }, through);
  }
  ask("detect-unlisted-copy", `${env} application -> DetectCustomLabels on a version of its project that modelshare:copy.versions does not list`, app, "rekognition:DetectCustomLabels", `${projectBase}/version/unlisted/1700000000002`, { expected: "Denied" }, throughOpened);
  for (const version of topology.ml.consumers[env].grantedVersions.slice(0, 1)) {
    ask("detect-source-version", `${env} application -> DetectCustomLabels on the ML account's version (no shared role in copy mode)`, app, "rekognition:DetectCustomLabels", version, { expected: "Denied" }, throughOpened);
  }
  const target = copy.versions[0]?.copy ?? `${projectBase}/version/unlisted/1700000000002`;
  const admin = roleCaller(topology, roleArnIn(topology, consumer.accountId, "administrator"), "consumer", [ADMINISTRATOR]);
  const scp = consumerGuardrail(topology);
  const deployRoleArn = consumer.config.deployRoleArn;
  const deployProtected = scp !== undefined && deployRoleArn !== undefined;
  for (const action of COPY_LIFECYCLE) {
    const name = action.split(":")[1];
    ask("copy-lifecycle-by-administrator", `${env} account administrator -> ${name} on its copy (only the deploy role may)`, admin, action, target, guardedBy(scp));
    if (deployProtected) ask("copy-lifecycle-by-deploy-role", `${env} deploy role -> ${name} on its copy (what promotion does)`, roleCaller(topology, deployRoleArn, "consumer", [ADMINISTRATOR]), action, target, { expected: "Allowed" });
  }
  return cases;
}
