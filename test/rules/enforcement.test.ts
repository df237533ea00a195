import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../../src/config/problems";
import { RULES } from "../../src/rules";
import { booleanProperty, levelOf, NO_PACK_CONFIG, packPolicies, parsePolicyPackConfig, stackPolicyName, WAIVERS_LISTED_POLICY, WAIVERS_VALID_POLICY, WAIVERS_VALID_SCHEMA } from "../../src/rules/enforcement";
import { PROJECT_ROOT } from "../helpers/pulumi";

function problemsOf(value: unknown): { key: string; message: string }[] {
  try {
    parsePolicyPackConfig(value, RULES, "policy-config.json");
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message).to.include("policy-config.json");
    return error.problems.map((p) => ({ key: p.key, message: p.message }));
  }
}

describe("enforcement levels: the policy pack config (src/rules/enforcement.ts)", () => {
  it("serves one mandatory policy per rule check (<id>, <id>-stack), a mandatory waivers-valid and an advisory waivers-listed", () => {
    const policies = packPolicies(RULES);
    const expected = RULES.flatMap((r) => [...(r.checkResource ? [r.id] : []), ...(r.checkStack ? [stackPolicyName(r.id)] : [])]);
    expect(policies.map((p) => p.name)).to.deep.equal([...expected, WAIVERS_VALID_POLICY, WAIVERS_LISTED_POLICY]);
    expect(policies.filter((p) => p.defaultLevel !== "mandatory").map((p) => p.name)).to.deep.equal([WAIVERS_LISTED_POLICY]);
    expect(new Set(policies.map((p) => p.name)).size).to.equal(policies.length);
  });

  it("applies defaults, then all, then each policy's own entry, whatever the order in the file; remediate counts as mandatory", () => {
    const config = parsePolicyPackConfig({ "no-wildcard-allow": "disabled", all: "advisory", "quota-budgets-stack": { enforcementLevel: "remediate" } }, RULES, "f.json");
    expect(levelOf("no-wildcard-allow", config)).to.equal("disabled");
    expect(levelOf("trust-requires-org-id", config)).to.equal("advisory");
    expect(levelOf("quota-budgets-stack", config)).to.equal("mandatory");
    expect(levelOf("trust-requires-org-id", NO_PACK_CONFIG)).to.equal("mandatory");
    expect(levelOf(WAIVERS_LISTED_POLICY, NO_PACK_CONFIG, "advisory")).to.equal("advisory");
  });

  it("reads waivers-valid.requireExpiry, false by default", () => {
    expect(booleanProperty(WAIVERS_VALID_POLICY, "requireExpiry", NO_PACK_CONFIG, WAIVERS_VALID_SCHEMA)).to.equal(false);
    const strict = parsePolicyPackConfig({ [WAIVERS_VALID_POLICY]: { enforcementLevel: "mandatory", requireExpiry: true } }, RULES, "f.json");
    expect(booleanProperty(WAIVERS_VALID_POLICY, "requireExpiry", strict, WAIVERS_VALID_SCHEMA)).to.equal(true);
  });

  it("refuses every problem at once: an unknown policy (a typo the Pulumi CLI would ignore), a bad level, an unknown or mistyped property", () => {
    const problems = problemsOf({
      "no-wildcard-alow": "advisory",
      "trust-requires-org-id": "warn",
      "quota-budgets": { enforcementLevel: 3 },
      [WAIVERS_VALID_POLICY]: { requireExpiry: "yes", maxDays: 30 },
      "no-wildcard-allow": ["advisory"],
    });
    expect(problems.map((p) => p.key)).to.deep.equal([
      "no-wildcard-alow",
      "trust-requires-org-id",
      "quota-budgets.enforcementLevel",
      `${WAIVERS_VALID_POLICY}.requireExpiry`,
      `${WAIVERS_VALID_POLICY}.maxDays`,
      "no-wildcard-allow",
    ]);
    expect(problems[0].message).to.include("is not a policy of the pack; the policies are: all, policy-json-valid");
    expect(problems[1].message).to.equal("is not an enforcement level; use one of advisory, mandatory, remediate, disabled");
    expect(problems[4].message).to.equal(`is not a property of ${WAIVERS_VALID_POLICY}; it has: requireExpiry`);
    expect(problemsOf([])[0].message).to.match(/must be a JSON object/);
  });

  it("accepts the example config shipped with the pack (policy/policy-config.example.json)", () => {
    const example = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "policy", "policy-config.example.json"), "utf8"));
    expect(problemsOf(example)).to.deep.equal([]);
  });
});
