import { expect } from "chai";
import { buildAccessMatrix, MatrixRow, Simulator } from "../../src/matrix";
import { matrixCases } from "../../src/matrix";
import { installMocks } from "../../src/synth/mocks";
import { recorder } from "../helpers/pulumi";
import { sharedSimulator } from "../helpers/simulator";
import { exampleStacks, synthesizeExample } from "./helpers";

/** Who may change the detective controls and the promotion lease: only the pipeline (rows of `detective` and `guardrails`). */
describe("access matrix: the detective controls and the promotion lease", () => {
  let simulator: Simulator;
  let rows: readonly MatrixRow[];
  before(async () => {
    simulator = await sharedSimulator();
    rows = (await buildAccessMatrix(await exampleStacks(), simulator, { categories: ["detective", "guardrails"] })).rows;
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });
  const ofKind = (kind: string) => rows.filter((r) => r.kind === kind);

  it("lets no ML-account administrator take, break or delete the lease (the SCP's own statement), while anyone may read it and the pipeline holds it", async () => {
    const writes = ofKind("lease-administrator");
    expect(writes.map((r) => r.action).sort()).to.deep.equal(["dynamodb:DeleteItem", "dynamodb:DeleteTable", "dynamodb:PutItem", "dynamodb:PutResourcePolicy", "dynamodb:UpdateItem", "dynamodb:UpdateTable", "dynamodb:UpdateTimeToLive"]);
    for (const row of writes) expect(row.reason, row.action).to.match(/explicitly denied by SCP modelshare-ml-guardrail#ProtectPromotionLease/);
    expect(ofKind("lease-read").map((r) => r.decision)).to.deep.equal(["Allowed"]);
    for (const row of ofKind("lease-pipeline")) expect(row.reason).to.include("#HoldPromotionLease");
    // DynamoDB sets dynamodb:LeadingKeys from the item's partition key: the pipeline's condition meets the real key.
    const cases = await matrixCases(await exampleStacks());
    const put = cases.find((c) => c.kind === "lease-pipeline" && c.action === "dynamodb:PutItem")!;
    expect(put.simulation.request.contextVariables["dynamodb:LeadingKeys"]).to.deep.equal(["promotion"]);
  });

  it("lets no administrator change or delete the analyzer, its archive rules, the Config rule, the recorder or any model alarm", () => {
    const denied = rows.filter((r) => r.category === "detective" && r.kind.startsWith("administrator-"));
    expect(new Set(denied.map((r) => r.kind))).to.deep.equal(new Set(["administrator-analyzer", "administrator-config-rule", "administrator-recorder", "administrator-alarm"]));
    for (const row of denied) {
      expect(row.decision, row.scenario).to.equal("ExplicitlyDenied");
      expect(row.reason, row.scenario).to.match(/SCP modelshare-ml-guardrail#(ProtectDetectiveControls|ProtectConfigRule)/);
    }
    // Every alarm of every granted version, not one standing for the others.
    expect(ofKind("administrator-alarm").filter((r) => r.action === "cloudwatch:DeleteAlarms")).to.have.length(6);
    // In the delegated administrator account too: the guardrail is attached there.
    expect(denied.filter((r) => r.resource.includes(":555555555555:analyzer/modelshare-organization"))).to.have.length(6);
    expect(find("analyzer-deployer-role").reason).to.include("#ProtectExemptRoles");
  });

  it("leaves the pipeline, break-glass and the role Pulumi assumes for the analyzer to act, and other teams' rules, alarms and finding triage alone", () => {
    for (const kind of ["pipeline", "break-glass", "analyzer-deployer", "other-config-rule", "other-alarm", "triage-finding"]) {
      const detectiveRows = ofKind(kind).filter((r) => r.category === "detective");
      expect(detectiveRows, kind).not.to.be.empty;
      for (const row of detectiveRows) expect(row.decision, row.scenario).to.equal("Allowed");
    }
  });

  function find(kind: string): MatrixRow {
    const row = rows.find((r) => r.kind === kind);
    if (!row) throw new Error(`no ${kind} row`);
    return row;
  }

  it("asks nothing about an analyzer in the management account (SCPs never restrict it) and says so", async () => {
    const stacks = await synthesizeExample({ ml: (c) => (c["modelshare:detective"].accessAnalyzer.roleArn = "arn:aws:iam::999999999999:role/modelshare-access-analyzer-admin") });
    const matrix = await buildAccessMatrix(stacks, simulator, { categories: ["detective"] });
    expect(matrix.rows.filter((r) => r.resource.includes("analyzer/modelshare-organization"))).to.deep.equal([]);
    expect(matrix.notes.join("\n")).to.include("the access analyzer is in the management account 999999999999, which SCPs never restrict");
    expect(matrix.mismatches).to.equal(0);
  });
});
