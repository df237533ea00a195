import { expect } from "chai";
import { buildAccessMatrix, CategoryId, Simulator } from "../../src/matrix";
import type { StackLike } from "../../src/matrix/topology";
import { installMocks } from "../../src/synth/mocks";
import { recorder } from "../helpers/pulumi";
import { sharedSimulator } from "../helpers/simulator";
import { copyExampleStacks, redTeamStacks, withDocument, withResource } from "./helpers";

/**
 * The proof is only as good as the defects it catches. Each mutation injects one deliberate defect into a copy of
 * the synthesized policies of the red-team variant (external id on qa, EKS Pod Identity on prod, break-glass and
 * IAM-admin roles) and the matrix must report at least one mismatch, in the category meant to see it.
 */

type Statements = (statements: any[]) => any[];
const ML_SCP = "modelshare-ml-guardrail-policy";
const CONSUMER_SCP = "modelshare-consumer-guardrail-policy";
const ALLOW_EVERYTHING = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] };

const statements = (name: string, field: string, edit: Statements) => (stacks: readonly StackLike[]) =>
  withDocument(stacks, name, field, (doc) => ({ ...doc, Statement: edit(doc.Statement) }));
const withoutSid = (sid: string): Statements => (list) => list.filter((s) => s.Sid !== sid);
const eachStatement = (edit: (s: any) => any): Statements => (list) => list.map(edit);

/** Moves `key` of a statement's condition from `from` to `to` (e.g. StringEquals -> StringEqualsIfExists). */
function moveKey(statement: any, key: string, from: string, to: string): any {
  const source = statement.Condition?.[from];
  if (!source || !(key in source)) return statement;
  const { [key]: value, ...rest } = source;
  const condition = { ...statement.Condition, [from]: rest, [to]: { ...(statement.Condition[to] ?? {}), [key]: value } };
  if (Object.keys(rest).length === 0) delete condition[from];
  return { ...statement, Condition: condition };
}

function dropKey(statement: any, operator: string, key: string): any {
  if (!statement.Condition?.[operator]) return statement;
  const { [key]: _, ...rest } = statement.Condition[operator];
  return { ...statement, Condition: { ...statement.Condition, [operator]: rest } };
}

interface Mutation {
  readonly defect: string;
  readonly category: CategoryId;
  readonly mutate: (stacks: readonly StackLike[]) => StackLike[];
}

const MUTATIONS: readonly Mutation[] = [
  { defect: "drop the ML guardrail's model protection Deny", category: "guardrails", mutate: statements(ML_SCP, "content", withoutSid("ProtectSharedModel")) },
  { defect: "drop the ML guardrail's export Deny (copy, project policies)", category: "export", mutate: statements(ML_SCP, "content", withoutSid("DenyModelExport")) },
  { defect: "remove the protection of the roles the ML guardrail exempts", category: "guardrails", mutate: statements(ML_SCP, "content", withoutSid("ProtectExemptRoles")) },
  { defect: "drop the ML guardrail's protection of the shared roles", category: "shared-role-abuse", mutate: statements(ML_SCP, "content", withoutSid("ProtectSharedRoles")) },
  {
    defect: "widen the ML guardrail's exemption to every role of the ML account",
    category: "guardrails",
    mutate: statements(ML_SCP, "content", eachStatement((s) => (s.Condition?.ArnNotLike ? { ...s, Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/*" } } } : s))),
  },
  { defect: "widen a shared role's version ARNs to *", category: "cross-environment", mutate: statements("shared-qa-detect", "policy", eachStatement((s) => ({ ...s, Resource: "*" }))) },
  {
    defect: "widen a shared role's version ARNs to project/NAME/*",
    category: "cross-environment",
    mutate: statements("shared-qa-detect", "policy", eachStatement((s) => ({ ...s, Resource: "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/*" }))),
  },
  { defect: "widen a shared role's action to rekognition:*", category: "shared-role-abuse", mutate: statements("shared-prod-detect", "policy", eachStatement((s) => (s.Effect === "Allow" ? { ...s, Action: "rekognition:*" } : s))) },
  {
    defect: "drop the network condition (the Allow's condition and the Deny)",
    category: "network",
    mutate: statements("shared-qa-detect", "policy", (list) => list.filter((s) => s.Effect === "Allow").map(({ Condition: _, ...s }) => s)),
  },
  { defect: "turn the trust's sts:ExternalId into StringEqualsIfExists", category: "outside-callers", mutate: statements("shared-qa-role", "assumeRolePolicy", eachStatement((s) => moveKey(s, "sts:ExternalId", "StringEquals", "StringEqualsIfExists"))) },
  { defect: "drop aws:PrincipalOrgID from a trust", category: "outside-callers", mutate: statements("shared-qa-role", "assumeRolePolicy", eachStatement((s) => dropKey(s, "StringEquals", "aws:PrincipalOrgID"))) },
  { defect: "turn the trust's aws:PrincipalOrgID into StringEqualsIfExists", category: "outside-callers", mutate: statements("shared-prod-role", "assumeRolePolicy", eachStatement((s) => moveKey(s, "aws:PrincipalOrgID", "StringEquals", "StringEqualsIfExists"))) },
  {
    defect: "let a trust admit every role of the consumer account",
    category: "outside-callers",
    mutate: statements("shared-prod-role", "assumeRolePolicy", eachStatement((s) => ({ ...s, Condition: { ...s.Condition, ArnLike: { "aws:PrincipalArn": "arn:aws:iam::333333333333:role/*" } } }))),
  },
  { defect: "drop the Pod Identity tag-key limit from sts:TagSession", category: "shared-role-abuse", mutate: statements("shared-prod-role", "assumeRolePolicy", eachStatement((s) => { const { "ForAllValues:StringEquals": _, ...rest } = s.Condition ?? {}; return { ...s, Condition: rest }; })) },
  { defect: "open the Rekognition endpoint policy to everything", category: "network", mutate: (stacks) => withResource(stacks, "qa-endpoints-rekognition", (inputs) => ({ ...inputs, policy: JSON.stringify(ALLOW_EVERYTHING) })) },
  { defect: "remove the Rekognition endpoint policy (AWS then applies full access)", category: "network", mutate: (stacks) => withResource(stacks, "qa-endpoints-rekognition", ({ policy: _, ...inputs }) => inputs) },
  { defect: "open the STS endpoint policy to everything", category: "network", mutate: (stacks) => withResource(stacks, "prod-endpoints-sts", (inputs) => ({ ...inputs, policy: JSON.stringify(ALLOW_EVERYTHING) })) },
  { defect: "drop the consumer guardrail's model-management Deny", category: "guardrails", mutate: statements(CONSUMER_SCP, "content", withoutSid("DenyModelManagementInConsumers")) },
  { defect: "remove the consumer guardrail's protection of the trusted roles", category: "guardrails", mutate: statements(CONSUMER_SCP, "content", withoutSid("ProtectTrustedRoles")) },
  { defect: "remove the protection of the consumer deploy roles (the exemption's own protection)", category: "guardrails", mutate: statements(CONSUMER_SCP, "content", withoutSid("ProtectDeployRoles")) },
  {
    defect: "let a smoke-test role trust every principal of the ML account",
    category: "outside-callers",
    mutate: statements("qa-smoke-test-role", "assumeRolePolicy", (list) => [...list, { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "sts:AssumeRole" }]),
  },
  {
    defect: "widen the smoke-test function's resource policy to the whole ML account",
    category: "smoke-test",
    mutate: (stacks) => withResource(stacks, "qa-smoke-test-invoke-from-pipeline", (inputs) => ({ ...inputs, principal: "111111111111" })),
  },
  {
    defect: "widen the smoke-test function's resource policy to the organization (any principal with a PrincipalOrgID)",
    category: "smoke-test",
    mutate: (stacks) => withResource(stacks, "prod-smoke-test-invoke-from-pipeline", (inputs) => ({ ...inputs, principal: "*" })),
  },
  { defect: "drop the consumer guardrail's protection of the smoke-test functions (Lambda)", category: "smoke-test", mutate: statements(CONSUMER_SCP, "content", withoutSid("ProtectSmokeTestFunctions")) },
  { defect: "drop the consumer guardrail's PassRole protection of the smoke-test roles", category: "smoke-test", mutate: statements(CONSUMER_SCP, "content", withoutSid("ProtectSmokeTestRoles")) },
  { defect: "detach the ML guardrail from the ML account", category: "export", mutate: (stacks) => withResource(stacks, "modelshare-ml-guardrail-111111111111", "remove") },
  { defect: "drop the ML guardrail's protection of the promotion lease table", category: "guardrails", mutate: statements(ML_SCP, "content", withoutSid("ProtectPromotionLease")) },
  { defect: "drop the ML guardrail's protection of the analyzers, the recorder and the alarms", category: "detective", mutate: statements(ML_SCP, "content", withoutSid("ProtectDetectiveControls")) },
  { defect: "drop the ML guardrail's protection of the Config rule", category: "detective", mutate: statements(ML_SCP, "content", withoutSid("ProtectConfigRule")) },
  {
    defect: "let the guardrail protect the alarms of one version only",
    category: "detective",
    mutate: statements(ML_SCP, "content", eachStatement((s) => JSON.parse(JSON.stringify(s).replace("alarm:modelshare-model-*", "alarm:modelshare-model-defect-detector.2024-05-20*")))),
  },
  { defect: "detach the ML guardrail from the access analyzer's account", category: "detective", mutate: (stacks) => withResource(stacks, "modelshare-ml-guardrail-555555555555", "remove") },
  // Found by the security review (M6): defects no row used to ask about.
  {
    defect: "let qa's shared-role trust also admit the ML account's root, unconditionally",
    category: "outside-callers",
    mutate: statements("shared-qa-role", "assumeRolePolicy", (list) => [...list, { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "sts:AssumeRole" }]),
  },
  {
    defect: "let qa's shared-role trust also admit prod's account (within the organization)",
    category: "outside-callers",
    mutate: statements("shared-qa-role", "assumeRolePolicy", (list) => [...list, { Effect: "Allow", Principal: { AWS: "arn:aws:iam::333333333333:root" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } }]),
  },
  { defect: "widen qa's application policy sts:AssumeRole to *", category: "consumer-account", mutate: statements("qa-app-model-access", "policy", eachStatement((s) => (JSON.stringify(s.Action).includes("sts:AssumeRole") ? { ...s, Resource: "*" } : s))) },
  { defect: "widen qa's application policy to ssm:* on *", category: "consumer-account", mutate: statements("qa-app-model-access", "policy", eachStatement((s) => (JSON.stringify(s.Action).includes("ssm:") ? { ...s, Action: "ssm:*", Resource: "*" } : s))) },
  { defect: "remove qa's SSM endpoint policy (AWS then applies full access)", category: "consumer-account", mutate: (stacks) => withResource(stacks, "qa-endpoints-ssm", ({ policy: _, ...inputs }) => inputs) },
  { defect: "detach the consumer guardrail from prod's OU", category: "guardrails", mutate: (stacks) => withResource(stacks, "modelshare-consumer-guardrail-ou-ab12-prod0001", "remove") },
  { defect: "drop the shared role's network Deny (keeping the Allow's condition)", category: "network", mutate: statements("shared-qa-detect", "policy", withoutSid("DenyOutsideConsumerEndpoints")) },
  { defect: "drop the consumer guardrail's protection of the /modelshare/ parameters", category: "consumer-account", mutate: statements(CONSUMER_SCP, "content", withoutSid("ProtectModelshareParameters")) },
  {
    defect: "drop training and dataset actions from the ML guardrail",
    category: "guardrails",
    mutate: statements(ML_SCP, "content", eachStatement((s) => ({ ...s, Action: [s.Action].flat().filter((a: string) => !/Dataset|CreateProjectVersion/.test(a)) }))),
  },
  {
    defect: "drop the protected policies from the ML guardrail's protection of the exempt roles",
    category: "guardrails",
    mutate: statements(ML_SCP, "content", eachStatement((s) => (s.Sid === "ProtectExemptRoles" ? { ...s, Resource: [s.Resource].flat().filter((r: string) => !r.includes(":policy/")) } : s))),
  },
  { defect: "drop the consumer guardrail's protection of the protected policies", category: "guardrails", mutate: statements(CONSUMER_SCP, "content", withoutSid("ProtectRolePolicies")) },
];

describe("the access matrix catches injected defects (mutation test)", function () {
  let stacks: readonly StackLike[];
  let simulator: Simulator;

  before(async () => {
    stacks = await redTeamStacks();
    simulator = await sharedSimulator();
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });

  it(`injects at least 12 kinds of defect (${MUTATIONS.length}), on an unmutated variant that has no mismatch`, async () => {
    expect(MUTATIONS.length).to.be.at.least(12);
    expect((await buildAccessMatrix(stacks, simulator)).mismatches).to.equal(0);
  });

  itCatches(MUTATIONS, () => ({ stacks, simulator }));
});

/** One test per mutation: the matrix of the mutated stacks reports a mismatch in the category meant to see it. */
function itCatches(mutations: readonly Mutation[], state: () => { stacks: readonly StackLike[]; simulator: Simulator }): void {
  for (const mutation of mutations) {
    it(`reports a mismatch in ${mutation.category} when we ${mutation.defect}`, async () => {
      const { stacks, simulator } = state();
      const mutated = mutation.mutate(stacks);
      expect(JSON.stringify(mutated), "the mutation changed nothing").not.to.equal(JSON.stringify(stacks));
      // The category meant to see the defect is enough to prove it is seen (and keeps each test fast).
      const matrix = await buildAccessMatrix(mutated, simulator, { categories: [mutation.category] });
      expect(matrix.mismatches, "no mismatch").to.be.greaterThan(0);
    });
  }
}

/** Copy mode (issue 14): defects in what lets a copy environment copy, call and manage its copies. */
const STAGING_ROOT = "arn:aws:iam::555555555555:root";
const withProjectPolicy = (edit: (document: any) => any) => (stacks: readonly StackLike[]): StackLike[] =>
  stacks.map((stack) => {
    const policies = stack.outputs.projectPolicies as Record<string, { policyName: string; document: any }> | undefined;
    if (!policies?.staging) return stack;
    return { ...stack, outputs: { ...stack.outputs, projectPolicies: { ...policies, staging: { ...policies.staging, document: edit(structuredClone(policies.staging.document)) } } } };
  });
const withStrayStagingRole = (stacks: readonly StackLike[]): StackLike[] =>
  stacks.map((stack) => {
    const template = stack.config.stackKind === "ml" ? stack.resources.find((r) => r.type === "aws:iam/role:Role" && r.inputs.name === "modelshare-qa") : undefined;
    if (!template) return stack;
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: STAGING_ROOT }, Action: "sts:AssumeRole" }] };
    const stray = { ...template, name: "modelshare-staging-role", inputs: { ...template.inputs, name: "modelshare-staging", assumeRolePolicy: JSON.stringify(trust) } };
    return { ...stack, resources: [...stack.resources, stray] };
  });

const COPY_MUTATIONS: readonly Mutation[] = [
  { defect: "open the project policy to every principal", category: "copy", mutate: withProjectPolicy((d) => ({ ...d, Statement: d.Statement.map((s: any) => ({ ...s, Principal: "*" })) })) },
  { defect: "let the project policy admit every version of the project", category: "copy", mutate: withProjectPolicy((d) => ({ ...d, Statement: d.Statement.map((s: any) => ({ ...s, Resource: "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/*" })) })) },
  { defect: "name another consumer's account in the project policy too", category: "copy", mutate: withProjectPolicy((d) => ({ ...d, Statement: d.Statement.map((s: any) => ({ ...s, Principal: { AWS: [STAGING_ROOT, "arn:aws:iam::222222222222:root"] } })) })) },
  { defect: "widen the copy application's DetectCustomLabels to its whole project", category: "copy", mutate: statements("staging-app-model-access", "policy", eachStatement((s) => (s.Sid === "DetectWithOwnCopies" ? { ...s, Resource: "arn:aws:rekognition:us-east-1:555555555555:project/defect-detector-staging/*" } : s))) },
  { defect: "let the copy application call the ML account's versions too", category: "copy", mutate: statements("staging-app-model-access", "policy", eachStatement((s) => (s.Sid === "DetectWithOwnCopies" ? { ...s, Resource: "*" } : s))) },
  { defect: "drop the consumer guardrail's deploy-role-only copy lifecycle Deny", category: "copy", mutate: statements(CONSUMER_SCP, "content", withoutSid("CopyLifecycleByDeployRolesOnly")) },
  { defect: "create a shared role for the copy environment anyway", category: "copy", mutate: withStrayStagingRole },
  { defect: "widen the copy environment's smoke-test role (the function's) to its whole project", category: "smoke-test", mutate: statements("staging-smoke-test-assume-shared-role", "policy", eachStatement((s) => (s.Sid === "DetectWithOwnCopies" ? { ...s, Resource: "arn:aws:rekognition:us-east-1:555555555555:project/defect-detector-staging/*" } : s))) },
  { defect: "let the copy environment's smoke-test role call the ML account's versions too", category: "smoke-test", mutate: statements("staging-smoke-test-assume-shared-role", "policy", eachStatement((s) => (s.Sid === "DetectWithOwnCopies" ? { ...s, Resource: "*" } : s))) },
];

describe("the access matrix catches injected defects in copy mode (mutation test, issue 14)", function () {
  let stacks: readonly StackLike[];
  let simulator: Simulator;

  before(async () => {
    stacks = await copyExampleStacks();
    simulator = await sharedSimulator();
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });

  it("has copy rows and no mismatch on the unmutated copy example", async () => {
    const matrix = await buildAccessMatrix(stacks, simulator, { categories: ["copy"] });
    expect(matrix.rows.length).to.be.at.least(15);
    expect(matrix.mismatches).to.equal(0);
  });

  it("has smoke-test rows for the copy environment's function and role, and no mismatch", async () => {
    const matrix = await buildAccessMatrix(stacks, simulator, { categories: ["smoke-test"] });
    const kinds = matrix.rows.filter((r) => r.scenario.startsWith("staging:")).map((r) => r.kind);
    expect(kinds).to.include.members(["pipeline-invoke", "copy-smoke-test-own-copy", "copy-smoke-test-unlisted-copy", "copy-smoke-test-source-version"]);
    expect(matrix.mismatches).to.equal(0);
  });

  itCatches(COPY_MUTATIONS, () => ({ stacks, simulator }));
});
