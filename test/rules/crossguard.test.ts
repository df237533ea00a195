import { expect } from "chai";
import type { PolicyResource, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { checkedResourceFromArgs, crossGuardPolicies, loadPackIntent, PackIntent, packDirectory, parentTypeFromUrn, providerAccount, stackFromUrn } from "../../policy/policies";
import { packPolicies } from "../../src/rules/enforcement";
import type { Waiver } from "../../src/config/waivers";
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

  it("offers every rule as a policy named by its id (stack checks as <id>-stack), then waivers-valid and waivers-listed, at their default levels", () => {
    const expected = RULES.flatMap((r) => [...(r.checkResource ? [r.id] : []), ...(r.checkStack ? [`${r.id}-stack`] : [])]);
    expect(policies.map((p) => p.name)).to.deep.equal([...expected, "waivers-valid", "waivers-listed"]);
    expect(policies.map((p) => [p.name, p.enforcementLevel])).to.deep.equal(packPolicies(RULES).map((p) => [p.name, p.defaultLevel]));
    // The config schema CrossGuard validates --policy-pack-config against (enforcementLevel is implicit, never declared).
    expect(policies.find((p) => p.name === "waivers-valid")?.configSchema).to.deep.equal({
      properties: { requireExpiry: { type: "boolean", default: false, description: "Every waiver must name the last day it applies (expires)." } },
    });
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

describe("CrossGuard policies: waivers and the pack's own files", () => {
  const ROLE_URN = (stack: string, name: string) => `urn:pulumi:${stack}::modelshare::modelshare:index:SharedModelRole$aws:iam/role:Role::${name}`;
  const role = (stack: string, name: string, maxSessionDuration: number) =>
    resourceArgs("aws:iam/role:Role", name, { name: "modelshare-qa", path: "/modelshare/", maxSessionDuration }, { urn: ROLE_URN(stack, name), opts: { ...resourceArgs("x", "x", {}).opts, parent: SHARED_ROLE_URN } });
  const withWaivers = (waivers: readonly Waiver[]): PackIntent => {
    const base = loadPackIntent(PROJECT_ROOT);
    return { ...base, waiversByStack: new Map([["ml", { stack: "ml", source: "Pulumi.ml.yaml", waivers }]]) };
  };
  const stackArgs = (resources: { type: string; name: string; urn: string; props?: Record<string, unknown> }[], config: Record<string, unknown> = {}) =>
    ({ resources: resources.map((r) => ({ props: {}, ...r })), stackTags: new Map(), getConfig: () => config, notApplicable: () => undefined }) as unknown as StackValidationArgs;
  const stackViolations = async (policy: StackValidationPolicy, args: StackValidationArgs) => {
    const reported: { message: string; urn?: string }[] = [];
    await policy.validateStack(args, (message, urn) => reported.push({ message, urn }));
    return reported;
  };
  const NOW = () => new Date("2027-01-15T00:00:00Z");

  it("waives a finding of the waiver's own stack only, and not after its expiry day", async () => {
    const waiver = { rule: "chained-session-max-duration", resource: "shared-qa-role", reason: "batch job, SEC-7", expires: "2027-01-31" };
    const policy = (now = NOW) => crossGuardPolicies(withWaivers([waiver]), RULES, now).find((p) => p.name === "chained-session-max-duration") as ResourceValidationPolicy;
    expect(await violationsOf(policy(), role("ml", "shared-qa-role", 7200))).to.deep.equal([]);
    // Same name in another stack, another resource of the same stack: still reported.
    expect(await violationsOf(policy(), role("qa", "shared-qa-role", 7200))).to.have.length(1);
    expect(await violationsOf(policy(), role("ml", "shared-prod-role", 7200))).to.have.length(1);
    expect(await violationsOf(policy(() => new Date("2027-02-01T00:00:00Z")), role("ml", "shared-qa-role", 7200))).to.have.length(1);
    // Without a URN the stack is unknown, so no waiver applies (fail closed).
    expect(await violationsOf(policy(), { ...role("ml", "shared-qa-role", 7200), urn: "" })).to.have.length(1);
  });

  it("waivers-valid: an unknown rule, a resource the stack lacks, a matrix category, an expired waiver, a missing expiry when required", async () => {
    const intent = withWaivers([
      { rule: "chained-session-max-duration", resource: "shared-qa-role", reason: "expired", expires: "2027-01-14" },
      { rule: "no-such-rule", resource: "shared-qa-role", reason: "typo" },
      { rule: "guardrails", resource: "shared-qa-role", reason: "the matrix" },
      { rule: "no-wildcard-allow", resource: "not-here", reason: "gone" },
    ]);
    const policy = crossGuardPolicies(intent, RULES, NOW).find((p) => p.name === "waivers-valid") as StackValidationPolicy;
    const resources = [{ type: "aws:iam/role:Role", name: "shared-qa-role", urn: ROLE_URN("ml", "shared-qa-role") }];
    const messages = (await stackViolations(policy, stackArgs(resources, { requireExpiry: true }))).map((v) => v.message);
    expect(messages).to.include(
      `[waivers-valid] Pulumi.ml.yaml modelshare:waivers[1].rule = "no-such-rule": is not a rule id; the rules are: ${RULES.map((r) => r.id).join(", ")} ` +
        "(waivers accept rule findings only; the access matrix is a proof, not a lint: its rows cannot be waived)",
    );
    expect(messages.some((m) => m.startsWith('[waivers-valid] Pulumi.ml.yaml modelshare:waivers[2].rule = "guardrails"') && m.includes("its rows cannot be waived"))).to.equal(true);
    expect(messages.some((m) => m.startsWith('[waivers-valid] Pulumi.ml.yaml modelshare:waivers[3].resource = "not-here": is not a resource of stack ml'))).to.equal(true);
    expect(messages).to.include("[waivers-valid] Pulumi.ml.yaml modelshare:waivers[0]: waiver of chained-session-max-duration on shared-qa-role expired after 2027-01-14; its findings count again");
    expect(messages.filter((m) => m.includes(".expires: is required"))).to.have.length(3);
    // A stack without waivers has nothing to report.
    const other = [{ type: "aws:iam/role:Role", name: "x", urn: ROLE_URN("qa", "x") }];
    expect(await stackViolations(policy, stackArgs(other))).to.deep.equal([]);
  });

  it("waivers-listed (advisory) lists every waiver of the stack with its reason and the findings it waives", async () => {
    const intent = withWaivers([
      { rule: "chained-session-max-duration", resource: "shared-qa-role", reason: "batch job, SEC-7", expires: "2027-01-31" },
      { rule: "no-wildcard-allow", resource: "shared-qa-role", reason: "nothing to waive" },
    ]);
    const policy = crossGuardPolicies(intent, RULES, NOW).find((p) => p.name === "waivers-listed") as StackValidationPolicy;
    expect(policy.enforcementLevel).to.equal("advisory");
    const urn = ROLE_URN("ml", "shared-qa-role");
    const reported = await stackViolations(policy, stackArgs([{ type: "aws:iam/role:Role", name: "shared-qa-role", urn, props: { name: "modelshare-qa", path: "/modelshare/", maxSessionDuration: 7200 } }]));
    expect(reported.map((r) => r.message)).to.deep.equal([
      "[waivers-listed] Pulumi.ml.yaml modelshare:waivers[0] (applied): chained-session-max-duration on shared-qa-role until 2027-01-31, 1 finding waived: maxSessionDuration is 7200 s; a chained session gets at most 3600 s (modelshare:consumers.<env>.maxSessionDurationSeconds). Reason: batch job, SEC-7",
      "[waivers-listed] Pulumi.ml.yaml modelshare:waivers[1] (unused): no-wildcard-allow on shared-qa-role, 0 findings waived. Reason: nothing to waive",
    ]);
    expect(reported[0].urn).to.equal(urn);
  });

  it("reads each stack's waivers from its Pulumi.<stack>.yaml (MODELSHARE_CONFIG_DIR or the project above the pack)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "modelshare-pack-"));
    try {
      // The stack files name the smoke-test image relative to the project directory.
      mkdirSync(path.join(dir, "examples"));
      cpSync(path.join(PROJECT_ROOT, "examples", "smoke-test.png"), path.join(dir, "examples", "smoke-test.png"));
      for (const stack of ["ml", "qa", "prod"]) {
        const document = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
        if (stack === "qa") document.config["modelshare:waivers"] = [{ rule: "no-wildcard-allow", resource: "qa-app-role", reason: "why" }];
        writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(document));
      }
      const intent = loadPackIntent(dir);
      expect(intent.note).to.equal(undefined);
      expect(intent.waiversByStack.get("qa")).to.deep.equal({ stack: "qa", source: "Pulumi.qa.yaml", waivers: [{ rule: "no-wildcard-allow", resource: "qa-app-role", reason: "why" }] });
      expect(intent.waiversByStack.get("ml")?.waivers).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(packDirectory(path.join(PROJECT_ROOT, "policy", "dist", "policy"))).to.equal(path.join(PROJECT_ROOT, "policy"));
    expect(packDirectory(path.join(PROJECT_ROOT, "policy"))).to.equal(path.join(PROJECT_ROOT, "policy"));
    expect(stackFromUrn("urn:pulumi:prod::modelshare::aws:iam/role:Role::r")).to.equal("prod");
    expect(stackFromUrn(undefined)).to.equal(undefined);
  });
});

