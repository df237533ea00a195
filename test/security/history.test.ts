import { expect } from "chai";
import { ListProjectPoliciesCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { mockClient } from "aws-sdk-client-mock";
import { registerPromote } from "../../src/cli/promote";
import { registerRollback } from "../../src/cli/rollback";
import { registerStatus } from "../../src/cli/status";
import { UsageError } from "../../src/cli/common";
import { historyParameterName } from "../../src/contract";
import { HistoryRules, screenHistory } from "../../src/promotion/historyChecks";
import { listProjectPolicies, unexpectedProjectPolicies } from "../../src/promotion/projectPolicies";
import { HistoryRecord } from "../../src/promotion/types";
import { rawConfigFromFlat } from "../../src/config/raw";
import { parseMlConfig } from "../../src/config/schema";
import { V1, V2, V3 } from "../promotion/fakes";
import { historyOf, Scenario } from "../promotion/harness";
import { exampleConfig, withConfig } from "../helpers/pulumi";

/**
 * Security review M3 (a consumer administrator controls what `rollback` restarts, through the history parameter in
 * the consumer account) and M5 (project policies already on an adopted project let other accounts copy the model).
 */

const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };

const RULES: HistoryRules = { env: "prod", versions: [V1, V2, V3], granted: [V2], maxUnits: 10 };
const record = (fields: Partial<HistoryRecord>): HistoryRecord => ({
  id: "r1",
  kind: "promote",
  env: "prod",
  from: V1,
  to: V2,
  who: "arn:aws:sts::111111111111:assumed-role/modelshare-pipeline/ci",
  startedAt: "2026-11-01T10:00:00.000Z",
  finishedAt: "2026-11-01T10:05:00.000Z",
  outcome: "succeeded",
  ...fields,
});

describe("security review M3: promotion-history records are checked before rollback uses them", () => {
  it("keeps modelshare's own records", () => {
    const history = [record({ units: { [V1]: { min: 1, max: 2 } } }), record({ id: "r2", kind: "rollback", from: V2, to: V1, finishedAt: "2026-11-02T10:00:00.000Z" })];
    expect(screenHistory(history, RULES)).to.deep.equal({ records: [history[1], history[0]], refused: [] });
  });

  it("refuses the review's forged record: a version never this environment's, 200 units, a far-future time", () => {
    const forged = record({ id: "forged", from: V3, to: V2, finishedAt: "2099-01-01T00:00:00.000Z", units: { [V3]: { min: 200, max: 200 } } });
    const { records, refused } = screenHistory([record({}), forged], RULES);
    expect(records.map((r) => r.id)).to.deep.equal(["r1"]);
    expect(refused).to.have.length(1);
    expect(refused[0].problems.join(" ")).to.include("over the cap of 10 inference units");
    // Within the cap, the version it claims to leave was still never prod's.
    const within = screenHistory([record({}), { ...forged, units: { [V3]: { min: 1 } } }], RULES);
    expect(within.refused[0].problems.join(" ")).to.include(`from ${V3} was never this environment's version`);
  });

  it("refuses a record of another environment, an unknown version, and a shape that is not modelshare's", () => {
    const other = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/planted/1700000000000";
    const { refused } = screenHistory([record({ env: "qa" }), record({ id: "r3", to: other }), { env: "prod", to: V1, finishedAt: "x", units: "lots" }], RULES);
    expect(refused.map((r) => r.problems.join(" "))).to.satisfy((all: string[]) => all[0].includes("is not this environment") && all[1].includes("is not one of the ML stack's model.versions") && all[2].includes("units"));
  });

  it("makes rollback without --to refuse a forged history (exit 2), with no StartProjectVersion", async () => {
    const s = new Scenario(TWO_ENVS, MODELS);
    expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"])).exitCode).to.equal(0);
    const real = historyOf(s, "prod")[0];
    const forged = { ...real, id: "forged", from: V3, finishedAt: "2099-01-01T00:00:00.000Z", units: { [V3]: { min: 200, max: 200 } } };
    s.aws.parameters[historyParameterName("prod")].push(JSON.stringify(forged));
    const starts = () => s.aws.rekognition.calls().filter((c) => (c.args[0].input as { MinInferenceUnits?: number }).MinInferenceUnits !== undefined);
    const before = starts().length;
    const result = await s.cli(registerRollback, ["rollback", "--env", "prod"]);
    expect(result.error).to.be.instanceOf(UsageError);
    expect(result.error?.message).to.include("record forged").and.to.include("pass --to ARN");
    expect(starts().length).to.equal(before);
    expect(s.workspace.deployedConfigured("prod")).to.equal(V2);
  });

  it("lists refused records as warnings in status --history, never as history", async () => {
    const s = new Scenario(TWO_ENVS, MODELS);
    expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"])).exitCode).to.equal(0);
    s.aws.parameters[historyParameterName("prod")].push(JSON.stringify({ ...historyOf(s, "prod")[0], id: "forged", who: "someone else", env: "qa" }));
    s.out.length = 0;
    await s.cli(registerStatus, ["status", "--history", "--json", "--env", "prod"]);
    const report = JSON.parse(s.out.join(""));
    expect(report.history.prod.map((r: HistoryRecord) => r.id)).not.to.include("forged");
    expect(report.warnings.join("\n")).to.include("record forged").and.to.include("is not this environment");
  });
});

describe("security review M5: project policies on the shared project", () => {
  const ml = (policies: unknown[] = []) => parseMlConfig(rawConfigFromFlat(withConfig(exampleConfig("ml"), (c) => (c["modelshare:model"].existingProjectPolicies = policies))), "Pulumi.ml.yaml");
  const document = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Action: "rekognition:CopyProjectVersion", Resource: "*" }] };

  it("accepts only the listed policies with the same document (key order aside), and says what to do with the others", () => {
    const listed = [{ name: "copy-to-dr", document }];
    const reordered = { Statement: [{ Resource: "*", Action: "rekognition:CopyProjectVersion", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Effect: "Allow" }], Version: "2012-10-17" };
    expect(unexpectedProjectPolicies([{ name: "copy-to-dr", document: reordered }], ml(listed))).to.deep.equal([]);
    const unlisted = unexpectedProjectPolicies([{ name: "legacy-share", revisionId: "rev-1", document }], ml(listed));
    expect(unlisted[0]).to.include('"legacy-share" (revision rev-1)').and.to.include("not in modelshare:model.existingProjectPolicies");
    const widened = { ...document, Statement: [{ ...document.Statement[0], Principal: "*" }] };
    expect(unexpectedProjectPolicies([{ name: "copy-to-dr", document: widened }], ml(listed))[0]).to.include("differs from its document");
  });

  it("lists every page of ListProjectPolicies", async () => {
    const rekognition = mockClient(RekognitionClient);
    rekognition
      .on(ListProjectPoliciesCommand, { NextToken: undefined })
      .resolves({ ProjectPolicies: [{ PolicyName: "a", PolicyDocument: "{}" }], NextToken: "t2" })
      .on(ListProjectPoliciesCommand, { NextToken: "t2" })
      .resolves({ ProjectPolicies: [{ PolicyName: "b", PolicyDocument: JSON.stringify(document) }] });
    const policies = await listProjectPolicies(new RekognitionClient({ region: "us-east-1" }), "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/1714387200000");
    expect(policies.map((p) => p.name)).to.deep.equal(["a", "b"]);
    expect(policies[1].document).to.deep.equal(document);
    rekognition.restore();
  });

  it("refuses promote (exit 1, nothing changed) when an unlisted project policy is on the project", async () => {
    const s = new Scenario(TWO_ENVS, MODELS);
    s.aws.rekognition.on(ListProjectPoliciesCommand).resolves({ ProjectPolicies: [{ PolicyName: "legacy-share", PolicyDocument: JSON.stringify(document) }] });
    const result = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"]);
    expect(result.exitCode).to.equal(1);
    expect(s.err.join("")).to.include("legacy-share");
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
  });
});
