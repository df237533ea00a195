import { expect } from "chai";
import { archives } from "../../src/detective/archiveRules";
import { findingOfRequest } from "../../src/detective/findings";
import { AccessMatrix, buildAccessMatrix, casesOf, loadActionCatalog, Simulator } from "../../src/matrix";
import { topologyOf } from "../../src/matrix/topology";
import { archiveRulesWithinMatrix } from "../../src/rules/archiveRulesWithinMatrix";
import { installMocks } from "../../src/synth/mocks";
import type { SynthesizedStack } from "../../src/synth/run";
import { recorder } from "../helpers/pulumi";
import { sharedSimulator } from "../helpers/simulator";
import { redTeamStacks, synthesizeExample, withResource } from "../matrix/helpers";

/**
 * The archive rules are as narrow as the access matrix: no (principal, resource) pair the matrix denies is archived,
 * and every cross-account pair it allows on a shared role or the data lake is. Pairs, not requests: archive rules have
 * no key for the action ("IAM Access Analyzer filter keys"), so a pair is denied when every request for it is.
 */

const QA_RULE = "access-analyzer-modelshare-shared-role-qa";
const QA_ROLE = "arn:aws:iam::111111111111:role/modelshare/modelshare-qa";

describe("the access analyzer's archive rules, against the access matrix", () => {
  let stacks: readonly SynthesizedStack[];
  let simulator: Simulator;
  let matrix: AccessMatrix;
  before(async () => {
    stacks = await redTeamStacks();
    simulator = await sharedSimulator();
    matrix = await buildAccessMatrix(stacks, simulator);
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });

  const check = (mutated: readonly SynthesizedStack[] | ReturnType<typeof withResource>, m: AccessMatrix = matrix) => archiveRulesWithinMatrix(mutated, m.cases ?? [], m.rows);
  const editQaRule = (edit: (filters: any[]) => any[]) => withResource(stacks, QA_RULE, (inputs) => ({ ...inputs, filters: edit(JSON.parse(JSON.stringify(inputs.filters))) }));

  it("archive nothing the matrix denies and everything it allows across accounts, on the red-team variant (a proof, not a sample)", () => {
    expect(check(stacks)).to.deep.equal([]);
    // Not vacuous: many denied pairs reach the archived resources, and the legitimate ones are archived.
    const requests = (matrix.cases ?? []).map((c) => findingOfRequest(c.simulation.request as never)).filter((f) => f !== undefined);
    const onQaRole = new Set(requests.filter((f) => f!.resource === QA_ROLE).map((f) => f!.pair));
    expect(onQaRole.size).to.be.greaterThan(8);
    const rule = stacks[0].resources.find((r) => r.name === QA_RULE)!;
    const filters = (rule.inputs.filters as { criteria: any; eqs: string[] }[]).map((f) => ({ criteria: f.criteria, eq: f.eqs }));
    const archived = requests.filter((f) => archives({ filters }, f!.finding)).map((f) => f!.pair);
    expect([...new Set(archived)].sort()).to.deep.equal([
      "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-app (o-a1b2c3d4e5) -> arn:aws:iam::111111111111:role/modelshare/modelshare-qa",
      "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-smoke-test (o-a1b2c3d4e5) -> arn:aws:iam::111111111111:role/modelshare/modelshare-qa",
    ]);
  });

  it("catch a rule without its principal condition: it would archive another workload of the consumer account", () => {
    const findings = check(editQaRule((f) => f.filter((x) => x.criteria !== "condition.aws:PrincipalArn")));
    expect(findings.length).to.be.greaterThan(0);
    expect(findings.every((f) => f.resource.endsWith(`::${QA_RULE}`))).to.equal(true);
    expect(findings.map((f) => f.detail).join("\n")).to.match(/archives arn:aws:iam::222222222222:role\/.* \(o-a1b2c3d4e5\) -> arn:aws:iam::111111111111:role\/modelshare\/modelshare-qa, which the access matrix denies \(outside-callers: /);
  });

  it("catch a rule without its resource: it would archive qa's application reaching prod's shared role", () => {
    const findings = check(editQaRule((f) => f.filter((x) => x.criteria !== "resource")));
    expect(findings.map((f) => f.detail).join("\n")).to.include("modelshare-qa-app (o-a1b2c3d4e5) -> arn:aws:iam::111111111111:role/modelshare/modelshare-prod, which the access matrix denies (cross-environment:");
  });

  it("catch a rule without its organization: it would archive the application once its account left the organization", () => {
    const findings = check(editQaRule((f) => f.filter((x) => x.criteria !== "condition.aws:PrincipalOrgID")));
    expect(findings.map((f) => f.detail).join("\n")).to.match(/modelshare-qa-app \((o-outside0000|no organization)\) -> arn:aws:iam::111111111111:role\/modelshare\/modelshare-qa, which the access matrix denies \(outside-callers: /);
  });

  it("catch a missing rule: modelshare's own access would stay an active finding", () => {
    const findings = check(withResource(stacks, QA_RULE, "remove"));
    expect(findings.map((f) => f.detail)).to.include.members([
      "no archive rule archives arn:aws:iam::222222222222:role/modelshare/modelshare-qa-app (o-a1b2c3d4e5) -> arn:aws:iam::111111111111:role/modelshare/modelshare-qa, which the access matrix allows (legitimate: qa application -> its own shared role, through qa's STS endpoint): its finding would stay active",
    ]);
  });

  it("judge the data-lake rule on the bucket's objects as its finding would: the bucket, the training principal only", () => {
    const lakeRule = stacks[0].resources.find((r) => String(r.inputs.ruleName).startsWith("modelshare-data-lake"))!;
    const widened = withResource(stacks, lakeRule.name, (inputs) => ({ ...inputs, filters: (inputs.filters as any[]).filter((f) => f.criteria !== "condition.aws:PrincipalArn") }));
    const findings = check(widened);
    expect(findings.map((f) => f.detail).join("\n")).to.match(/archives arn:aws:iam::111111111111:role\/ml-account-administrator \(o-a1b2c3d4e5\) -> arn:aws:s3:::example-corp-data-lake, which the access matrix denies \(data-lake: /);
  });

  it("evaluate a rule as Access Analyzer does: every criterion must hold, and a finding without a key matches no eq", () => {
    const rule = { filters: [{ criteria: "resource" as const, eq: ["r1"] }, { criteria: "principal.AWS" as const, eq: ["111111111111"] }] };
    expect(archives(rule, { resource: ["r1"], "principal.AWS": ["111111111111", "arn:aws:iam::111111111111:role/x"] })).to.equal(true);
    expect(archives(rule, { resource: ["r1"], "principal.AWS": ["222222222222"] })).to.equal(false);
    expect(archives(rule, { resource: ["r1"] })).to.equal(false);
  });

  it("ask the same detective rows whatever the number of environments (they grow with versions, not environments)", async () => {
    const catalog = await loadActionCatalog();
    const detectiveRows = (s: readonly SynthesizedStack[]) => casesOf(topologyOf(s), catalog).filter((c) => c.category === "detective").length;
    const more = await synthesizeExample({
      ml: (c) => {
        for (const env of ["staging", "perf", "demo"]) c["modelshare:consumers"][env] = { ...c["modelshare:consumers"].qa, accountId: env === "staging" ? "666666666666" : env === "perf" ? "777777777777" : "888888888888", applicationPrincipalArns: [] };
        for (const env of ["staging", "perf", "demo"]) c["modelshare:consumers"][env].applicationPrincipalArns = [`arn:aws:iam::${c["modelshare:consumers"][env].accountId}:role/modelshare/modelshare-${env}-app`];
      },
    });
    expect(detectiveRows(more)).to.equal(detectiveRows(stacks)).and.to.be.greaterThan(20);
  });
});
