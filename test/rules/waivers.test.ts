import { expect } from "chai";
import { rawConfigFromFlat } from "../../src/config/raw";
import { parseStackConfig } from "../../src/config/schema";
import { ConfigError } from "../../src/config/problems";
import { waiverSchema } from "../../src/config/waivers";
import { RULES } from "../../src/rules";
import type { Finding } from "../../src/rules/types";
import { applyWaivers, isExpired, resolveWaiverResource, StackWaivers, waiverProblems } from "../../src/rules/waivers";
import { exampleConfig, withConfig } from "../helpers/pulumi";

const RULE_IDS = RULES.map((r) => r.id);
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const RESOURCES = [
  { type: "modelshare:index:SharedModelRole", name: "shared-qa" },
  { type: ROLE, name: "shared-qa-role" },
  { type: ROLE_POLICY, name: "shared-qa-detect" },
  { type: ROLE, name: "twin" },
  { type: ROLE_POLICY, name: "twin" },
];

function problemsOfConfig(waivers: unknown): { key: string; message: string }[] {
  const flat = withConfig(exampleConfig("qa"), (c) => (c["modelshare:waivers"] = waivers));
  try {
    parseStackConfig(rawConfigFromFlat(flat), "Pulumi.qa.yaml");
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => ({ key: p.key, message: p.message }));
  }
}

const finding = (ruleId: string, stack: string, type: string, name: string, detail = "a detail"): Finding => ({ ruleId, resource: `${stack}/${type}::${name}`, detail });

describe("waivers (src/config/waivers.ts, src/rules/waivers.ts)", () => {
  describe("shape (modelshare:waivers in Pulumi.<stack>.yaml, checked by the stack's schema)", () => {
    it("accepts rule, resource, reason and an optional expiry day; defaults to no waivers", () => {
      expect(problemsOfConfig([{ rule: "no-wildcard-allow", resource: "qa-app-role", reason: "accepted by security, ticket SEC-12", expires: "2027-01-31" }])).to.deep.equal([]);
      const parsed = parseStackConfig(rawConfigFromFlat(exampleConfig("qa")), "Pulumi.qa.yaml");
      expect(parsed.waivers).to.deep.equal([]);
    });

    it("refuses a waiver without a reason, with a blank reason, without a resource, with a bad rule id, date or key, naming each key", () => {
      const problems = problemsOfConfig([
        { rule: "no-wildcard-allow", resource: "qa-app-role" },
        { rule: "no-wildcard-allow", resource: "qa-app-role", reason: "   " },
        { rule: "no-wildcard-allow", resource: " ", reason: "ok" },
        { rule: "No Wildcard", resource: "qa-app-role", reason: "ok" },
        { rule: "no-wildcard-allow", resource: "qa-app-role", reason: "ok", expires: "2027-02-30" },
        { rule: "no-wildcard-allow", resource: "qa-app-role", reason: "ok", expires: "31/01/2027" },
        { rule: "no-wildcard-allow", resource: "qa-app-role", reasons: "typo" },
      ]);
      const keys = problems.map((p) => p.key);
      expect(keys).to.include.members([
        "modelshare:waivers[0].reason",
        "modelshare:waivers[1].reason",
        "modelshare:waivers[2].resource",
        "modelshare:waivers[3].rule",
        "modelshare:waivers[4].expires",
        "modelshare:waivers[5].expires",
        "modelshare:waivers[6]",
      ]);
      expect(problems.find((p) => p.key === "modelshare:waivers[0].reason")?.message).to.match(/required/);
      expect(problems.find((p) => p.key === "modelshare:waivers[1].reason")?.message).to.match(/must not be empty/);
      expect(problems.find((p) => p.key === "modelshare:waivers[4].expires")?.message).to.equal("is not a calendar date");
      expect(problems.find((p) => p.key === "modelshare:waivers[6]")?.message).to.include('"reasons"');
      expect(problemsOfConfig("not a list")[0].key).to.equal("modelshare:waivers");
    });

    it("reads an unquoted YAML date that reached the program as a midnight timestamp as that day", () => {
      expect(waiverSchema.parse({ rule: "a-rule", resource: "r", reason: "why", expires: "2027-01-31T00:00:00Z" }).expires).to.equal("2027-01-31");
      expect(waiverSchema.safeParse({ rule: "a-rule", resource: "r", reason: "why", expires: "2027-01-31T10:00:00Z" }).success).to.equal(false);
    });
  });

  describe("which resource a waiver names", () => {
    it("finds it by name, by type::name, by the stack/type::name synth prints, and by its URN", () => {
      const role = { type: ROLE, name: "shared-qa-role" };
      expect(resolveWaiverResource("shared-qa-role", "ml", RESOURCES)).to.deep.equal(role);
      expect(resolveWaiverResource(`${ROLE}::shared-qa-role`, "ml", RESOURCES)).to.deep.equal(role);
      expect(resolveWaiverResource(`ml/${ROLE}::shared-qa-role`, "ml", RESOURCES)).to.deep.equal(role);
      expect(resolveWaiverResource(`urn:pulumi:ml::modelshare::modelshare:index:SharedModelRole$${ROLE}::shared-qa-role`, "ml", RESOURCES)).to.deep.equal(role);
    });

    it("refuses a name that is not in the stack, one two resources share, another stack's resource and another stack's URN", () => {
      expect(resolveWaiverResource("shared-prod-role", "ml", RESOURCES)).to.match(/^is not a resource of stack ml/);
      expect(resolveWaiverResource("twin", "ml", RESOURCES)).to.equal(`names 2 resources of stack ml (${ROLE}, ${ROLE_POLICY}): write type::name, e.g. ${ROLE}::twin`);
      expect(resolveWaiverResource(`qa/${ROLE}::shared-qa-role`, "ml", RESOURCES)).to.match(/names stack qa, but this waiver is in stack ml's configuration/);
      expect(resolveWaiverResource(`urn:pulumi:qa::modelshare::${ROLE}::shared-qa-role`, "ml", RESOURCES)).to.match(/names stack qa, but this waiver is in stack ml's configuration/);
      expect(resolveWaiverResource(`${ROLE_POLICY}::shared-qa-role`, "ml", RESOURCES)).to.match(/^is not a resource of stack ml/);
    });
  });

  describe("reference problems (an error: exit 2 in synth, a mandatory violation in the pack)", () => {
    const stackWaivers = (waivers: StackWaivers["waivers"]): StackWaivers => ({ stack: "ml", source: "Pulumi.ml.yaml", waivers });

    it("names an unknown rule with the rule ids there are, and says that access-matrix rows cannot be waived", () => {
      const problems = waiverProblems(stackWaivers([{ rule: "no-wildcard-alow", resource: "shared-qa-role", reason: "typo" }, { rule: "guardrails", resource: "shared-qa-role", reason: "the matrix says no" }]), RESOURCES, {
        ruleIds: RULE_IDS,
      });
      expect(problems[0]).to.deep.include({ key: "modelshare:waivers[0].rule", value: "no-wildcard-alow" });
      expect(problems[0].message).to.include("is not a rule id; the rules are: ").and.to.include("no-wildcard-allow");
      expect(problems[1]).to.deep.include({ key: "modelshare:waivers[1].rule", value: "guardrails" });
      expect(problems[1].message).to.include("the access matrix is a proof, not a lint: its rows cannot be waived");
    });

    it("names a resource the stack does not have, a waiver listed twice, and (when required) a missing expiry", () => {
      const problems = waiverProblems(
        stackWaivers([
          { rule: "no-wildcard-allow", resource: "no-such-role", reason: "x", expires: "2027-01-01" },
          { rule: "no-wildcard-allow", resource: "shared-qa-role", reason: "x", expires: "2027-01-01" },
          { rule: "no-wildcard-allow", resource: `${ROLE}::shared-qa-role`, reason: "again", expires: "2027-01-01" },
          { rule: "trust-requires-org-id", resource: "shared-qa-role", reason: "open ended" },
        ]),
        RESOURCES,
        { ruleIds: RULE_IDS, requireExpiry: true },
      );
      expect(problems.map((p) => p.key)).to.deep.equal(["modelshare:waivers[0].resource", "modelshare:waivers[2]", "modelshare:waivers[3].expires"]);
      expect(problems[1].message).to.equal("waives the same rule on the same resource as modelshare:waivers[1]");
      expect(problems[2].message).to.match(/is required \(policy pack config waivers-valid\.requireExpiry\)/);
    });
  });

  describe("applying waivers", () => {
    const now = new Date("2027-01-31T23:59:59Z");
    const waivers: StackWaivers[] = [
      {
        stack: "ml",
        source: "Pulumi.ml.yaml",
        waivers: [
          { rule: "chained-session-max-duration", resource: "shared-qa-role", reason: "batch job needs 2 h; SEC-7", expires: "2027-01-31" },
          { rule: "no-wildcard-allow", resource: "shared-qa-detect", reason: "nothing to waive any more" },
          { rule: "trust-requires-org-id", resource: "shared-qa-role", reason: "expired one", expires: "2026-12-31" },
          { rule: "no-such-rule", resource: "shared-qa-role", reason: "invalid" },
        ],
      },
    ];
    const stacks = [{ ...waivers[0], resources: RESOURCES }];
    const findings = [
      finding("chained-session-max-duration", "ml", ROLE, "shared-qa-role", "maxSessionDuration is 7200 s"),
      finding("chained-session-max-duration", "ml", ROLE, "twin"),
      finding("chained-session-max-duration", "qa", ROLE, "shared-qa-role"),
      finding("no-wildcard-allow", "ml", ROLE, "shared-qa-role"),
      finding("trust-requires-org-id", "ml", ROLE, "shared-qa-role"),
    ];

    it("waives exactly the named rule on the named resource of the waiver's own stack, and lists every waiver with its status", () => {
      const result = applyWaivers(findings, stacks, RULE_IDS, now);
      expect(result.waived.map((w) => [w.ruleId, w.resource, w.waiver.key, w.waiver.reason])).to.deep.equal([
        ["chained-session-max-duration", `ml/${ROLE}::shared-qa-role`, "modelshare:waivers[0]", "batch job needs 2 h; SEC-7"],
      ]);
      // Another resource, another stack, another rule on the same resource: not waived.
      expect(result.remaining).to.deep.equal(findings.slice(1));
      expect(result.outcomes.map((o) => [o.key, o.status, o.findings])).to.deep.equal([
        ["modelshare:waivers[0]", "applied", 1],
        ["modelshare:waivers[1]", "unused", 0],
        ["modelshare:waivers[2]", "expired", 0],
        ["modelshare:waivers[3]", "invalid", 0],
      ]);
      expect(result.outcomes[0]).to.deep.include({ stack: "ml", source: "Pulumi.ml.yaml", rule: "chained-session-max-duration", resource: "shared-qa-role", expires: "2027-01-31" });
    });

    it("applies a waiver through its expiry day (UTC) and not from the next day on: the finding is a failure again", () => {
      expect(isExpired({ expires: "2027-01-31" }, new Date("2027-01-31T23:59:59.999Z"))).to.equal(false);
      expect(isExpired({ expires: "2027-01-31" }, new Date("2027-02-01T00:00:00Z"))).to.equal(true);
      expect(isExpired({}, new Date("2999-01-01T00:00:00Z"))).to.equal(false);
      const later = applyWaivers(findings, stacks, RULE_IDS, new Date("2027-02-01T00:00:00Z"));
      expect(later.waived).to.deep.equal([]);
      expect(later.remaining).to.deep.equal(findings);
      expect(later.outcomes[0].status).to.equal("expired");
    });
  });
});
