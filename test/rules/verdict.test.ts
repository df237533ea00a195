import { expect } from "chai";
import { RULES, withCheck } from "../../src/rules";
import { ARCHIVE_RULES_WITHIN_MATRIX } from "../../src/rules/archiveRulesWithinMatrix";
import { NO_PACK_CONFIG, parsePolicyPackConfig } from "../../src/rules/enforcement";
import type { CheckReport } from "../../src/rules";
import type { Finding } from "../../src/rules/types";
import { judge, VerdictOptions, waiverErrors } from "../../src/rules/verdict";

const ROLE = "aws:iam/role:Role";
const findingOf = (ruleId: string, name: string, policy = ruleId): Finding => ({ ruleId, policy, resource: `ml/${ROLE}::${name}`, detail: `${ruleId} on ${name}` });
const report = (findings: Finding[]): CheckReport => ({ rules: [], findings, passed: 0, failed: 0 });
const resources = [{ type: ROLE, name: "shared-qa-role" }, { type: ROLE, name: "shared-prod-role" }];
const NOW = new Date("2027-06-01T12:00:00Z");

function options(waivers: VerdictOptions["waivers"][number]["waivers"], config = NO_PACK_CONFIG): VerdictOptions {
  return { waivers: [{ stack: "ml", source: "Pulumi.ml.yaml", waivers, resources }], config, now: NOW };
}

describe("verdict: waivers and enforcement levels applied to findings (src/rules/verdict.ts)", () => {
  const session = findingOf("chained-session-max-duration", "shared-qa-role");
  const trust = findingOf("trust-requires-org-id", "shared-prod-role");
  const quota = findingOf("quota-budgets", "shared-prod-role", "quota-budgets-stack");

  it("keeps mandatory findings as failures, moves advisory ones to warnings and drops disabled ones, policy by policy", () => {
    const config = parsePolicyPackConfig({ "trust-requires-org-id": "advisory", "quota-budgets-stack": "disabled" }, RULES, "f.json");
    const judged = judge(report([session, trust, quota]), RULES, options([], config));
    expect(judged.findings).to.deep.equal([session]);
    expect(judged.warnings).to.deep.equal([trust]);
    expect(judged.failed).to.equal(1);
    expect(judged.rules.find((r) => r.id === "trust-requires-org-id")).to.deep.include({ failures: 0, warnings: 1, waived: 0 });
    expect(judged.rules.find((r) => r.id === "quota-budgets")?.levels).to.deep.equal({ "quota-budgets": "mandatory", "quota-budgets-stack": "disabled" });
  });

  it("accepts a waived finding, lists it with its waiver, and still fails the others", () => {
    const judged = judge(report([session, trust]), RULES, options([{ rule: "chained-session-max-duration", resource: "shared-qa-role", reason: "batch job, SEC-7", expires: "2027-06-01" }]));
    expect(judged.findings).to.deep.equal([trust]);
    expect(judged.waived?.map((w) => [w.ruleId, w.waiver.key, w.waiver.reason])).to.deep.equal([["chained-session-max-duration", "modelshare:waivers[0]", "batch job, SEC-7"]]);
    expect(judged.waivers?.map((w) => w.status)).to.deep.equal(["applied"]);
    expect(judged.rules.find((r) => r.id === "chained-session-max-duration")).to.deep.include({ failures: 0, waived: 1 });
  });

  it("fails an expired waiver (waivers-valid) and counts its finding again; advisory waivers-valid only warns of the expiry", () => {
    const expired = [{ rule: "chained-session-max-duration", resource: "shared-qa-role", reason: "was fine", expires: "2027-05-31" }];
    const judged = judge(report([session]), RULES, options(expired));
    expect(judged.findings.map((f) => f.ruleId)).to.deep.equal(["chained-session-max-duration", "waivers-valid"]);
    expect(judged.findings[1]).to.deep.include({ resource: "ml/Pulumi.ml.yaml::modelshare:waivers[0]" });
    expect(judged.findings[1].detail).to.match(/^waiver of chained-session-max-duration on shared-qa-role expired after 2027-05-31/);
    const lenient = judge(report([session]), RULES, options(expired, parsePolicyPackConfig({ "waivers-valid": "advisory" }, RULES, "f.json")));
    expect(lenient.findings.map((f) => f.ruleId)).to.deep.equal(["chained-session-max-duration"]);
    expect(lenient.warnings?.map((f) => f.ruleId)).to.deep.equal(["waivers-valid"]);
  });

  it("with waivers-listed mandatory, refuses every waiver in use (a stack that allows none)", () => {
    const waivers = [{ rule: "chained-session-max-duration", resource: "shared-qa-role", reason: "batch job" }];
    const judged = judge(report([session]), RULES, options(waivers, parsePolicyPackConfig({ "waivers-listed": "mandatory" }, RULES, "f.json")));
    expect(judged.findings.map((f) => [f.ruleId, f.detail])).to.deep.equal([["waivers-listed", "chained-session-max-duration waived on shared-qa-role (1 finding): batch job"]]);
    expect(judge(report([session]), RULES, options(waivers)).findings).to.deep.equal([]);
  });

  it("applies no waiver that names an unknown rule or resource (fail closed), and reports it as bad input naming the file", () => {
    const waivers = [
      { rule: "chained-session", resource: "shared-qa-role", reason: "typo in the rule" },
      { rule: "chained-session-max-duration", resource: "shared-qa", reason: "not a resource with that name" },
    ];
    expect(judge(report([session]), RULES, options(waivers)).findings).to.deep.equal([session]);
    const errors = waiverErrors(RULES, options(waivers));
    expect(errors).to.have.length(1);
    expect(errors[0].source).to.equal("Pulumi.ml.yaml");
    expect(errors[0].problems.map((p) => p.key)).to.deep.equal(["modelshare:waivers[0].rule", "modelshare:waivers[1].resource"]);
    expect(errors[0].message).to.include("invalid configuration in Pulumi.ml.yaml (2 problems)");
  });
  it("archive-rules-within-matrix (judged after the matrix) cannot be waived: a waiver naming it is bad input, and its finding fails a judged report", () => {
    const waivers = [{ rule: ARCHIVE_RULES_WITHIN_MATRIX.id, resource: "shared-qa-role", reason: "hide a wide archive rule" }];
    const errors = waiverErrors(RULES, options(waivers));
    expect(errors.flatMap((e) => e.problems.map((p) => p.key))).to.deep.equal(["modelshare:waivers[0].rule"]);
    const judged = judge(report([session]), RULES, options([{ rule: "chained-session-max-duration", resource: "shared-qa-role", reason: "batch job" }]));
    const wide = { ruleId: ARCHIVE_RULES_WITHIN_MATRIX.id, resource: "ml/aws:accessanalyzer/archiveRule:ArchiveRule::x", detail: "archives a denied pair" };
    const withMatrix = withCheck(judged, ARCHIVE_RULES_WITHIN_MATRIX, [wide]);
    expect(withMatrix.findings).to.deep.include(wide);
    expect(withMatrix.failed).to.equal(judged.failed + 1);
    // What judge() decided stays: the waived finding and the waiver list.
    expect(withMatrix.waived).to.deep.equal(judged.waived);
    expect(withMatrix.waivers).to.deep.equal(judged.waivers);
  });
});
