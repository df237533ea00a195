import { expect } from "chai";
import { MatrixRow, Simulator, topologyOf } from "../../src/matrix";
import { dataLakeCases } from "../../src/matrix/categories/dataLake";
import { evaluateCases } from "../../src/matrix/evaluate";
import type { Topology } from "../../src/matrix/topology";
import { rawConfigFromFlat } from "../../src/config/raw";
import { parseStackConfig } from "../../src/config/schema";
import { installMocks, ResourceRecorder } from "../../src/synth/mocks";
import { StackFile, synthesize } from "../../src/synth/run";
import { exampleConfig, recorder, withConfig } from "../helpers/pulumi";
import { sharedSimulator } from "../helpers/simulator";

/** The ML stack synthesized from the example config with `edit` applied to its dataLake settings. */
async function mlTopology(edit: (dataLake: Record<string, any>) => void = () => {}, bucketPolicy?: unknown): Promise<Topology> {
  const fileConfig = withConfig(exampleConfig("ml"), (c) => edit(c["modelshare:dataLake"]));
  const stackFile: StackFile = { stack: "ml", file: "Pulumi.ml.yaml", fileConfig, config: parseStackConfig(rawConfigFromFlat(fileConfig), "Pulumi.ml.yaml") };
  const synthRecorder = new ResourceRecorder({ account: "000000000000", region: "us-east-1" });
  if (bucketPolicy !== undefined) synthRecorder.bucketPolicies.set("example-corp-data-lake", JSON.stringify(bucketPolicy));
  return topologyOf(await synthesize([stackFile], synthRecorder));
}

function bySid(topology: Topology, sid: string): any {
  return (topology.dataLake!.bucketPolicy.Statement as any[]).find((s) => s.Sid === sid);
}

describe("access matrix: the data-lake category", function () {
  let simulator: Simulator;
  const rowsOf = async (topology: Topology): Promise<MatrixRow[]> => evaluateCases(dataLakeCases(topology), simulator, { workers: 1 });
  const decision = (rows: readonly MatrixRow[], scenario: string) => {
    const row = rows.find((r) => r.scenario === scenario);
    if (!row) throw new Error(`no row "${scenario}" (rows: ${rows.map((r) => r.scenario).join("; ")})`);
    return row;
  };

  before(async () => {
    simulator = await sharedSimulator();
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });

  it("on the example (statements mode): the training principal reaches only its prefixes, over TLS; nobody else reaches anything", async () => {
    const rows = await rowsOf(await mlTopology());
    expect(rows.filter((r) => r.mismatch)).to.deep.equal([]);
    expect(rows.map((r) => `${r.scenario}: ${r.decision}`)).to.deep.equal([
      "training principal -> list the training prefix: Allowed",
      "training principal with only the published policy -> list the training prefix: Allowed",
      "training principal -> list the whole bucket: ImplicitlyDenied",
      "training principal -> read training data: Allowed",
      "training principal with only the published policy -> read training data: Allowed",
      "training principal -> read training data over plain HTTP: ImplicitlyDenied",
      "training principal -> read another team's data: ImplicitlyDenied",
      "training principal -> write into the training prefix: ImplicitlyDenied",
      "training principal -> write training output with bucket-owner-full-control: Allowed",
      "training principal with only the published policy -> write training output with bucket-owner-full-control: Allowed",
      "training principal -> write training output without bucket-owner-full-control: ImplicitlyDenied",
      "ML-account administrator (not the training principal) -> read training data: ImplicitlyDenied",
      "an account outside the organization -> read training data: ImplicitlyDenied",
      "rekognition.amazonaws.com -> read training data for the ML account: ImplicitlyDenied",
      "rekognition.amazonaws.com -> read training data for another account: ImplicitlyDenied",
      "rekognition.amazonaws.com -> read training data with no source account: ImplicitlyDenied",
      "rekognition.amazonaws.com -> read another team's data for the ML account: ImplicitlyDenied",
      "rekognition.amazonaws.com -> read training data for another project of the ML account: ImplicitlyDenied",
    ]);
    expect(decision(rows, "training principal -> read training data").reason).to.include("bucket policy of example-corp-data-lake#ModelsharedefectdetectorTrainingRead");
  });

  it("with the service principal opted in: Rekognition reads for the ML account only, and for anyone once requireSourceAccount is off", async () => {
    const guarded = await rowsOf(await mlTopology((d) => (d.rekognitionServicePrincipal = true)));
    expect(guarded.filter((r) => r.mismatch)).to.deep.equal([]);
    expect(decision(guarded, "rekognition.amazonaws.com -> read training data for the ML account").decision).to.equal("Allowed");
    expect(decision(guarded, "rekognition.amazonaws.com -> read training data for another account").decision).to.equal("ImplicitlyDenied");
    expect(decision(guarded, "rekognition.amazonaws.com -> read training data with no source account").decision).to.equal("ImplicitlyDenied");
    const open = await rowsOf(await mlTopology((d) => Object.assign(d, { rekognitionServicePrincipal: true, requireSourceAccount: false })));
    expect(open.filter((r) => r.mismatch)).to.deep.equal([]);
    expect(decision(open, "rekognition.amazonaws.com -> read training data for another account").decision).to.equal("Allowed");
    // Security review L1: aws:SourceArn keeps another project's jobs (any ML-account trainer's) out, unless turned off.
    expect(decision(guarded, "rekognition.amazonaws.com -> read training data for another project of the ML account").decision).to.equal("ImplicitlyDenied");
    const anyProject = await rowsOf(await mlTopology((d) => Object.assign(d, { rekognitionServicePrincipal: true, requireSourceArn: false })));
    expect(anyProject.filter((r) => r.mismatch)).to.deep.equal([]);
    expect(decision(anyProject, "rekognition.amazonaws.com -> read training data for another project of the ML account").decision).to.equal("Allowed");
  });

  it("in merge mode reads the synthesized bucket policy, foreign statements included", async () => {
    const lakeAdmins = { Sid: "LakeAdmins", Effect: "Allow", Principal: { AWS: "arn:aws:iam::444444444444:root" }, Action: "s3:*", Resource: "*" };
    const topology = await mlTopology((d) => (d.mode = "merge"), { Statement: [lakeAdmins] });
    expect(bySid(topology, "ModelsharedefectdetectorTrainingRead")).to.not.equal(undefined);
    expect((await rowsOf(topology)).filter((r) => r.mismatch)).to.deep.equal([]);
  });

  it("shows a widened or unconditioned grant as an unexpected Allowed (defects injected into the bucket policy)", async () => {
    const topology = await mlTopology();
    const read = bySid(topology, "ModelsharedefectdetectorTrainingRead");
    const defects: [string, () => void, string][] = [
      ["a read widened to the whole bucket", () => (read.Resource = "arn:aws:s3:::example-corp-data-lake/*"), "training principal -> read another team's data"],
      ["the principal condition dropped", () => delete read.Condition.ArnEquals, "ML-account administrator (not the training principal) -> read training data"],
      ["the TLS condition dropped", () => delete read.Condition.Bool, "training principal -> read training data over plain HTTP"],
    ];
    for (const [defect, inject, scenario] of defects) {
      const saved = JSON.parse(JSON.stringify(read));
      inject();
      const row = decision(await rowsOf(topology), scenario);
      expect(row.mismatch, defect).to.equal(true);
      expect(row.decision, defect).to.equal("Allowed");
      Object.keys(read).forEach((k) => delete read[k]);
      Object.assign(read, saved);
    }
  });
});
