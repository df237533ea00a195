import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { runSynth } from "../../src/cli/synth";
import { ConfigError } from "../../src/config/problems";
import { CUSTOM_LABELS_REGIONS, partitionOfRegion, REKOGNITION_FIPS_REGIONS } from "../../src/config/regions";
import { problemsOf } from "../helpers/config";
import { exampleConfig, PROJECT_ROOT, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

/** The ML example moved to another region, with its ARNs moved along so only the region itself is at stake. */
function mlIn(region: string, partition?: string): Record<string, unknown> {
  const moved = JSON.parse(JSON.stringify(exampleConfig("ml")).replaceAll(":us-east-1:", `:${region}:`));
  moved["aws:region"] = region;
  if (partition !== undefined) {
    moved["modelshare:partition"] = partition;
    return JSON.parse(JSON.stringify(moved).replaceAll("arn:aws:", `arn:${partition}:`));
  }
  return moved;
}

describe("regions: where the shared model can live", () => {
  it("accepts every Custom Labels region for the ML stack", () => {
    for (const region of CUSTOM_LABELS_REGIONS) expect(problemsOf(mlIn(region)), region).to.deep.equal([]);
  });

  it("refuses a Rekognition region without Custom Labels, and an unknown region, naming aws:region and the allowed regions", () => {
    for (const region of ["us-west-1", "ca-central-1", "xx-east-9"]) {
      const problems = problemsOf(mlIn(region));
      expect(problems, region).to.have.length(1);
      expect(problems[0]).to.match(new RegExp(`^aws:region = "${region}": Rekognition Custom Labels is not offered in ${region}; allowed: us-east-1, `));
    }
    const consumer = problemsOf(withConfig(exampleConfig("qa"), (c) => (c["aws:region"] = "sa-east-1")));
    expect(consumer.some((p) => p.startsWith('aws:region = "sa-east-1": Rekognition Custom Labels is not offered'))).to.equal(true);
  });

  it("checks the partition against the region", () => {
    expect(partitionOfRegion("us-gov-west-1")).to.equal("aws-us-gov");
    expect(partitionOfRegion("cn-north-1")).to.equal("aws-cn");
    expect(partitionOfRegion("eu-west-1")).to.equal("aws");
    const wrong = problemsOf(withConfig(exampleConfig("ml"), (c) => (c["modelshare:partition"] = "aws-cn")));
    expect(wrong).to.include('modelshare:partition = "aws-cn": does not match aws:region us-east-1, which is in partition aws');
    // GovCloud has Rekognition but not Custom Labels: the region is refused, and the partition is consistent with it.
    const gov = problemsOf(mlIn("us-gov-west-1", "aws-us-gov"));
    expect(gov.some((p) => p.startsWith('aws:region = "us-gov-west-1": Rekognition Custom Labels is not offered'))).to.equal(true);
    expect(gov.some((p) => p.startsWith("modelshare:partition"))).to.equal(false);
    const consumer = problemsOf(withConfig(exampleConfig("qa"), (c) => (c["modelshare:partition"] = "aws-us-gov")));
    expect(consumer).to.include('modelshare:partition = "aws-us-gov": does not match aws:region us-east-1, which is in partition aws');
  });

  it("refuses network.fips outside the regions with a rekognition-fips endpoint, before any resource is registered", async () => {
    expect(REKOGNITION_FIPS_REGIONS).to.include.members(["us-east-1", "us-east-2", "us-west-2"]);
    const config = withConfig(exampleConfig("qa"), (c) => {
      c["aws:region"] = "eu-west-1";
      c["modelshare:modelVersionArn"] = c["modelshare:modelVersionArn"].replace(":us-east-1:", ":eu-west-1:");
      c["modelshare:network"].availabilityZones = ["eu-west-1a", "eu-west-1b"];
      c["modelshare:network"].fips = true;
    });
    expect(problemsOf(config)).to.deep.equal([
      "modelshare:network.fips = true: is true, but Rekognition has no FIPS endpoint (rekognition-fips) in eu-west-1; FIPS is possible for a Custom Labels model only in us-east-1, us-east-2, us-west-2",
    ]);
    expect(await rejection(runProgram(config))).to.be.instanceOf(ConfigError);
    expect(recorder.resources).to.be.empty;
    expect(problemsOf(withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].fips = true)))).to.deep.equal([]);
  });

  it("`modelshare synth` exits 2 on bad values of the new settings, each named with its file, key, value and what is allowed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "modelshare-settings-"));
    try {
      const edits: Record<string, (config: Record<string, any>) => void> = {
        ml: (c) => {
          c["aws:region"] = "sa-east-1";
          c["modelshare:dataLake"].mode = "overwrite";
          c["modelshare:rolePrefixMigration"] = { fromPrefix: "old prefix" };
        },
        qa: (c) => {
          c["modelshare:network"].fips = "yes";
          c["modelshare:network"].adoptEndpoints = ["s3"];
        },
      };
      for (const stack of ["ml", "qa", "prod"]) {
        const document = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, any> };
        edits[stack]?.(document.config);
        writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(document));
      }
      const err: string[] = [];
      const io = { cwd: dir, stdout: () => {}, stderr: (t: string) => err.push(t), progress: { step() {}, waiting() {}, done() {} }, now: Date.now, loadSimulator: async () => ({ simulate: async () => ({ decision: "Allowed" as const, grants: [], denials: [] }) }) };
      expect(await runSynth({ configDir: dir, out: path.join(dir, "out") }, io)).to.equal(2);
      const text = err.join("");
      expect(text).to.include("invalid configuration in Pulumi.ml.yaml");
      expect(text).to.include('modelshare:dataLake.mode = "overwrite"');
      expect(text).to.match(/modelshare:dataLake\.mode = "overwrite": .*"statements".*"merge"/);
      expect(text).to.include('modelshare:rolePrefixMigration.fromPrefix = "old prefix": must be 1-62 characters of letters, digits');
      expect(text).to.include("invalid configuration in Pulumi.qa.yaml");
      expect(text).to.include('modelshare:network.fips = "yes"');
      expect(text).to.match(/modelshare:network\.adoptEndpoints\[0\] = "s3": .*"rekognition".*"sts".*"ssm"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
