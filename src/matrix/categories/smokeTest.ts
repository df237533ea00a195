import { policyDocument } from "../../policies/document";
import type { MatrixCase } from "../cases";
import { ADMINISTRATOR, roleArnIn, strangerAccounts } from "../callers";
import { Caller, matrixCase, roleCaller } from "../requests";
import type { ConsumerView, Topology } from "../topology";
import { consumerGuardrail, deployRoleArnOf, guardedBy, openedRekognitionPath, rekognitionPath } from "./common";
import { pipelinePolicy } from "./legitimate";

/** Changes to the function a consumer administrator might try: code, configuration, permissions, versions, URL, concurrency, tags. */
const FUNCTION_CHANGES = [
  "lambda:UpdateFunctionCode",
  "lambda:UpdateFunctionConfiguration",
  "lambda:AddPermission",
  "lambda:RemovePermission",
  "lambda:DeleteFunction",
  "lambda:PublishVersion",
  "lambda:CreateAlias",
  "lambda:CreateFunctionUrlConfig",
  "lambda:PutFunctionConcurrency",
  "lambda:PutFunctionEventInvokeConfig",
  "lambda:TagResource",
] as const;

const actionName = (action: string) => action.split(":")[1];

/**
 * The smoke test (H1 of the security review): promotion's `verify` invokes a function in the consumer account, so no
 * ML-account credentials are ever needed there. Rows: exactly the pipeline may invoke it from outside the account;
 * only the deploy roles may change it or pass its role; the pipeline cannot assume the smoke-test role (unless the
 * config opts into direct mode, where that is the design). In a copy environment the function calls the copy as the
 * smoke-test role itself: that role reaches exactly the listed copies (copyCases below).
 */
export function smokeTestCases(topology: Topology): MatrixCase[] {
  return [...topology.consumers.values()].flatMap((consumer) =>
    consumer.smokeTestRole ? [...consumerCases(topology, consumer), ...(topology.copyEnvironments.has(consumer.environment) ? copyCases(topology, consumer) : [])] : [],
  );
}

/**
 * Copy mode: whoever can make the smoke test run (the pipeline invoking the function, or assuming the role in direct
 * mode) gets the smoke-test role's own DetectCustomLabels in the consumer account. It must reach the listed copies and
 * nothing else: not another version of the destination project, not the ML account's version. The refusals are asked
 * through the endpoint with its policy opened, so the role's own policy must hold.
 */
function copyCases(topology: Topology, consumer: ConsumerView): MatrixCase[] {
  const copy = consumer.config.copy;
  const smokeRole = consumer.smokeTestRole!;
  if (!copy) return [];
  const env = consumer.environment;
  const caller = roleCaller(topology, smokeRole.roleArn, "consumer", smokeRole.policies, { principalTags: smokeRole.tags });
  const endpoint = rekognitionPath(topology, consumer);
  const opened = openedRekognitionPath(topology, consumer);
  const detect = (kind: string, scenario: string, resource: string, expected: "Allowed" | "Denied", path: typeof endpoint) =>
    matrixCase(topology, { category: "smoke-test", kind, scenario: `${env}: ${scenario}`, caller, action: "rekognition:DetectCustomLabels", resource, resourceAccount: resource.split(":")[4], expected, ...(path ? { endpoint: path } : {}) });
  const projectBase = `arn:${topology.ml.partition}:rekognition:${topology.ml.region}:${consumer.accountId}:project/${copy.projectName}`;
  const source = topology.ml.consumers[env]?.grantedVersions[0];
  return [
    ...copy.versions.map((v) => detect("copy-smoke-test-own-copy", "smoke-test role -> DetectCustomLabels on a listed copy, through the endpoint (what the function does)", v.copy, "Allowed", endpoint)),
    detect("copy-smoke-test-unlisted-copy", "smoke-test role -> DetectCustomLabels on a version of its project that modelshare:copy.versions does not list", `${projectBase}/version/unlisted/1700000000002`, "Denied", opened),
    ...(source !== undefined ? [detect("copy-smoke-test-source-version", "smoke-test role -> DetectCustomLabels on the ML account's version (no shared role in copy mode)", source, "Denied", opened)] : []),
  ];
}

function consumerCases(topology: Topology, consumer: ConsumerView): MatrixCase[] {
  const ml = topology.ml;
  const env = consumer.environment;
  const account = consumer.accountId;
  const scp = consumerGuardrail(topology);
  const cases: MatrixCase[] = [];
  const smokeRole = consumer.smokeTestRole!;
  const direct = consumer.config.smokeTest?.runner === "direct";
  const ask = (kind: string, scenario: string, caller: Caller, action: string, resource: string, intent: { expected: "Allowed" | "Denied"; deniedBy?: string }, resourcePolicy?: { policy: unknown; label: string }) =>
    cases.push(matrixCase(topology, { category: "smoke-test", kind, scenario: `${env}: ${scenario}`, caller, action, resource, resourceAccount: account, ...intent, ...(resourcePolicy ? { resourcePolicy } : {}) }));
  const pipeline = roleCaller(topology, ml.pipelineRoleArn, "ml", [pipelinePolicy(topology)]);
  const admin = roleCaller(topology, roleArnIn(topology, account, "administrator"), "consumer", [ADMINISTRATOR]);
  const deployArn = deployRoleArnOf(topology, env);
  const roleTrust = { policy: smokeRole.trustPolicy ?? policyDocument([]), label: `trust policy of ${smokeRole.roleArn.split("/").pop()}` };

  ask(
    direct ? "pipeline-assume-smoke-test-direct" : "pipeline-assume-smoke-test",
    `pipeline role -> AssumeRole on the smoke-test role (${direct ? "direct mode: what it is for" : "never: the function runs as it"})`,
    pipeline,
    "sts:AssumeRole",
    smokeRole.roleArn,
    { expected: direct ? "Allowed" : "Denied" },
    roleTrust,
  );
  const fn = consumer.smokeTestFunction;
  if (fn) {
    const invoke = (kind: string, scenario: string, caller: Caller, expected: "Allowed" | "Denied") =>
      ask(kind, scenario, caller, "lambda:InvokeFunction", fn.functionArn, { expected }, { policy: fn.resourcePolicy, label: `resource policy of ${fn.functionArn.split(":").pop()}` });
    invoke("pipeline-invoke", "pipeline role -> InvokeFunction on the smoke-test function (promotion's verify)", pipeline, "Allowed");
    invoke("ml-administrator-invoke", "ML-account administrator (not the pipeline) -> InvokeFunction on the smoke-test function", roleCaller(topology, roleArnIn(topology, ml.mlAccountId, "ml-account-administrator"), "ml", [ADMINISTRATOR]), "Denied");
    for (const other of [...topology.consumers.values()].filter((c) => c.environment !== env)) {
      invoke("other-environment-invoke", `${other.environment}'s account administrator -> InvokeFunction on ${env}'s smoke-test function`, roleCaller(topology, roleArnIn(topology, other.accountId, "administrator"), "consumer", [ADMINISTRATOR]), "Denied");
    }
    const strangers = strangerAccounts(topology);
    invoke("member-invoke", "an administrator of another member account -> InvokeFunction", roleCaller(topology, roleArnIn(topology, strangers.member, "administrator"), "other-member", [ADMINISTRATOR]), "Denied");
    invoke("outsider-invoke", "an administrator outside the organization -> InvokeFunction", roleCaller(topology, roleArnIn(topology, strangers.otherOrganization, "administrator"), "outsider", [ADMINISTRATOR]), "Denied");
    invoke("own-administrator-invoke", "its own account administrator -> InvokeFunction (allowed by design: it can call the model as the application anyway)", admin, "Allowed");
    for (const action of FUNCTION_CHANGES) ask("administrator-change-function", `account administrator -> ${actionName(action)} on the smoke-test function`, admin, action, fn.functionArn, guardedBy(scp));
    if (deployArn) ask("deploy-change-function", "deploy role -> UpdateFunctionCode on the smoke-test function (what it is for)", roleCaller(topology, deployArn, "consumer", [ADMINISTRATOR]), "lambda:UpdateFunctionCode", fn.functionArn, { expected: "Allowed" });
  }
  ask("administrator-pass-smoke-test-role", "account administrator -> PassRole on the smoke-test role (to run its own code as it)", admin, "iam:PassRole", smokeRole.roleArn, guardedBy(scp));
  if (deployArn) ask("deploy-pass-smoke-test-role", "deploy role -> PassRole on the smoke-test role (to create the function)", roleCaller(topology, deployArn, "consumer", [ADMINISTRATOR]), "iam:PassRole", smokeRole.roleArn, { expected: "Allowed" });
  return cases;
}
