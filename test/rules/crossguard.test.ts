import { expect } from "chai";
import type { PolicyResource, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { checkedResourceFromArgs, crossGuardPolicies, loadPackIntent, parentTypeFromUrn, providerAccount } from "../../policy/policies";
import { toJson } from "../../src/policies/document";
import { sharedRolePermissionsPolicy } from "../../src/policies/sharedRole";
import { RULES } from "../../src/rules";
import { PROJECT_ROOT } from "../helpers/pulumi";
import { PROD_VERSION, QA_VERSION } from "./helpers";

// The pack itself (policy/index.ts) is never imported here: constructing a PolicyPack starts a gRPC server.
// These tests drive the policies it is built from, with arguments shaped like the engine's.

const SHARED_ROLE_URN = "urn:pulumi:ml::modelshare::modelshare:index:SharedModelRole::shared-qa";

function resourceArgs(type: string, name: string, props: Record<string, unknown>, extra: Partial<ResourceValidationArgs> = {}): ResourceValidationArgs {
  return {
    type,
    name,
    props,
    urn: `urn:pulumi:ml::modelshare::${type}::${name}`,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: () => {
      throw new Error("not applicable");
    },
    ...extra,
  } as ResourceValidationArgs;
}

async function violationsOf(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
  const reported: string[] = [];
  // crossGuardPolicies gives each policy a single validation function.
  await (policy.validateResource as ResourceValidation)(args, (message: string) => reported.push(message));
  return reported;
}

describe("CrossGuard policies (policy/policies.ts)", () => {
  const intent = loadPackIntent(PROJECT_ROOT);
  const policies = crossGuardPolicies(intent);
  const resourcePolicy = (name: string) => policies.find((p) => p.name === name) as ResourceValidationPolicy;

  it("offers every rule as a mandatory policy named by its id (stack checks as <id>-stack)", () => {
    const expected = RULES.flatMap((r) => [...(r.checkResource ? [r.id] : []), ...(r.checkStack ? [`${r.id}-stack`] : [])]);
    expect(policies.map((p) => p.name)).to.deep.equal(expected);
    for (const policy of policies) expect(policy.enforcementLevel).to.equal("mandatory");
  });

  it("reads the configuration's intent from the project's stack files", () => {
    expect(intent.note).to.equal(undefined);
    expect(intent.intent?.sharedRoles.get("modelshare-qa")?.grantedVersionArns).to.deep.equal([QA_VERSION]);
    expect(intent.environmentsByAccount.get("222222222222")).to.equal("qa");
  });

  it("runs without intent when the stack files cannot be read, and says so", () => {
    const missing = loadPackIntent("/nonexistent-modelshare-config");
    expect(missing.intent).to.equal(undefined);
    expect(missing.note).to.match(/^no config intent/);
  });

  it("reports a shared-role policy on a version not granted to its environment, and passes the granted one", async () => {
    const policy = resourcePolicy("shared-role-exact-versions");
    const permissions = (version: string) =>
      toJson(sharedRolePermissionsPolicy({ grantedVersionArns: [version], privateAccess: { enabled: true, conditionKey: "aws:VpceAccount", consumerAccountId: "222222222222" } }));
    const opts = { ...resourceArgs("x", "x", {}).opts, parent: SHARED_ROLE_URN };
    const bad = await violationsOf(policy, resourceArgs("aws:iam/rolePolicy:RolePolicy", "shared-qa-detect", { role: "modelshare-qa", policy: permissions(PROD_VERSION) }, { opts }));
    expect(bad).to.have.length(1); // the Allow; the backing Deny may name any version
    expect(bad[0]).to.match(/^\[shared-role-exact-versions\] policy statement DetectOnGrantedVersions allows .* which the config does not grant to qa/);
    expect(await violationsOf(policy, resourceArgs("aws:iam/rolePolicy:RolePolicy", "shared-qa-detect", { role: "modelshare-qa", policy: permissions(QA_VERSION) }, { opts }))).to.deep.equal([]);
  });

  it("knows the environment from the provider's account (allowedAccountIds as the engine passes it)", async () => {
    const policy = resourcePolicy("endpoint-https-from-configured-sources");
    const provider = { type: "pulumi:providers:aws", name: "qa-account", urn: "urn:p", props: { allowedAccountIds: '["222222222222"]' } };
    const rule = (cidr: string) => resourceArgs("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: cidr }, { provider });
    expect(await violationsOf(policy, rule("10.20.0.0/16"))).to.deep.equal([]);
    expect((await violationsOf(policy, rule("10.30.0.0/16")))[0]).to.include("10.30.0.0/16, which is not in modelshare:network.allowedCidrs (10.20.0.0/16)");
  });

  it("checks totals over the stack's resources in the stack policies", async () => {
    const policy = policies.find((p) => p.name === "quota-budgets-stack") as StackValidationPolicy;
    const attachment = (i: number) =>
      ({ type: "aws:organizations/policyAttachment:PolicyAttachment", name: `attach-${i}`, urn: `urn:attach-${i}`, props: { policyId: `p-${i}`, targetId: "ou-ab12-qa000001" } }) as unknown as PolicyResource;
    const reported: { message: string; urn?: string }[] = [];
    const args = { resources: [1, 2, 3, 4, 5].map(attachment), stackTags: new Map(), getConfig: () => ({}), notApplicable: () => undefined } as unknown as StackValidationArgs;
    await policy.validateStack(args, (message, urn) => reported.push({ message, urn }));
    expect(reported).to.have.length(1);
    expect(reported[0].message).to.include("SCPs attached to target ou-ab12-qa000001");
    expect(reported[0].urn).to.equal("urn:attach-1");
  });

  it("reads a parent's type from its URN and a provider's account from its inputs", () => {
    expect(parentTypeFromUrn(SHARED_ROLE_URN)).to.equal("modelshare:index:SharedModelRole");
    expect(parentTypeFromUrn("urn:pulumi:qa::modelshare::modelshare:index:PrivateRekognitionEndpoint$aws:ec2/vpc:Vpc::qa-vpc")).to.equal("aws:ec2/vpc:Vpc");
    expect(parentTypeFromUrn(undefined)).to.equal(undefined);
    expect(providerAccount({ type: "p", name: "p", urn: "u", props: { allowedAccountIds: ["333333333333"] } })).to.equal("333333333333");
    expect(providerAccount({ type: "p", name: "p", urn: "u", props: {} })).to.equal(undefined);
    expect(checkedResourceFromArgs(resourceArgs("aws:iam/role:Role", "r", { name: "x" })).parentType).to.equal(undefined);
  });
});
