import { expect } from "chai";
import { rawConfigFromFlat } from "../../src/config/raw";
import { ConsumerConfig, MlConfig, parseStackConfig } from "../../src/config/schema";
import { projectProblems } from "../../src/config/projectChecks";
import { crossCheckWithMl, MlStackOutputs } from "../../src/config/crossStack";
import { problemsOf } from "../helpers/config";
import { withConfig } from "../helpers/pulumi";
import { COPY_DIR, copyExample } from "./helpers";

const parse = (config: Record<string, unknown>) => parseStackConfig(rawConfigFromFlat(config), "Pulumi.test.yaml");

/** Project-level problems (ML file vs staging file) as `file: key: message` lines. */
function projectLines(ml: Record<string, unknown>, staging: Record<string, unknown>): string[] {
  const stacks = [
    { stack: "ml", file: "Pulumi.ml.yaml", config: parse(ml) },
    { stack: "staging", file: "Pulumi.staging.yaml", config: parse(staging) },
  ];
  return projectProblems(stacks, { project: "modelshare", dir: COPY_DIR }).flatMap((e) => e.problems.map((p) => `${e.source}: ${p.key}: ${p.message}`));
}

describe("copy mode: config and validation (issue 14)", () => {
  it("accepts the copy example: staging copies, qa and prod share; sharing defaults to share", () => {
    for (const stack of ["ml", "qa", "prod", "staging"] as const) expect(problemsOf(copyExample(stack)), stack).to.deep.equal([]);
    const ml = parse(copyExample("ml")) as MlConfig;
    expect(Object.fromEntries(Object.entries(ml.consumers).map(([env, c]) => [env, c.sharing]))).to.deep.equal({ qa: "share", prod: "share", staging: "copy" });
    expect(projectLines(copyExample("ml"), copyExample("staging"))).to.deep.equal([]);
  });

  it("refuses a copy environment in another region than the model's, naming aws:region", () => {
    const staging = withConfig(copyExample("staging"), (c) => {
      c["aws:region"] = "eu-west-1";
      c["modelshare:network"].availabilityZones = ["eu-west-1a", "eu-west-1b"];
      c["modelshare:copy"].versions = [];
    });
    const problems = problemsOf(staging);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^aws:region = "eu-west-1": differs from the model's region us-east-1 .*same region/);
  });

  it("refuses sharing: copy without an output location, naming modelshare:copy.outputBucketName", () => {
    const staging = withConfig(copyExample("staging"), (c) => delete c["modelshare:copy"]);
    expect(projectLines(copyExample("ml"), staging)).to.deep.equal([
      "Pulumi.staging.yaml: modelshare:copy.outputBucketName: is missing: modelshare:consumers.staging.sharing in Pulumi.ml.yaml is copy, which needs modelshare:copy with projectName (the destination project) and outputBucketName (the S3 output location CopyProjectVersion writes to)",
    ]);
    const noBucket = withConfig(copyExample("staging"), (c) => delete c["modelshare:copy"].outputBucketName);
    expect(problemsOf(noBucket)).to.deep.equal(["modelshare:copy.outputBucketName = undefined: is missing; it is required"]);
  });

  it("refuses a destination project name Rekognition refuses, and bucket names S3 refuses, naming each key", () => {
    const bad = withConfig(copyExample("staging"), (c) => {
      c["modelshare:copy"].projectName = "defect detector/staging";
      c["modelshare:copy"].outputBucketName = "Example_Bucket";
    });
    const problems = problemsOf(bad);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.include('modelshare:copy.projectName = "defect detector/staging": must be 1-255 characters of a-z A-Z 0-9 _ . -');
    expect(problems[1]).to.include('modelshare:copy.outputBucketName = "Example_Bucket": must be an S3 bucket name');
    for (const name of ["xn--bucket", "192.168.1.10", "my..bucket", "bucket-s3alias"]) {
      const problem = problemsOf(withConfig(copyExample("staging"), (c) => (c["modelshare:copy"].outputBucketName = name)));
      expect(problem, name).to.have.length(1);
      expect(problem[0], name).to.match(/^modelshare:copy\.outputBucketName/);
    }
    const longName = "p".repeat(256);
    expect(problemsOf(withConfig(copyExample("staging"), (c) => (c["modelshare:copy"].projectName = longName)))[0]).to.match(/^modelshare:copy\.projectName/);
  });

  it("refuses a copy block where the ML stack shares, and a copy block that contradicts itself, all at once", () => {
    const ml = withConfig(copyExample("ml"), (c) => (c["modelshare:consumers"].staging.sharing = "share"));
    expect(problemsOf(ml)[0]).to.include("modelshare:consumers.staging.applicationPrincipalArns = []: name at least one application role ARN");
    const mlShared = withConfig(ml, (c) => (c["modelshare:consumers"].staging.applicationPrincipalArns = ["arn:aws:iam::555555555555:role/modelshare/modelshare-staging-app"]));
    expect(projectLines(mlShared, copyExample("staging")).join("\n")).to.include("Pulumi.staging.yaml: modelshare:copy: is set (projectName defect-detector-staging), but modelshare:consumers.staging.sharing in Pulumi.ml.yaml is share");

    const contradictory = withConfig(copyExample("staging"), (c) => {
      c["modelshare:copy"].kmsKeyArn = "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      c["modelshare:copy"].versions.push({ ...c["modelshare:copy"].versions[0] });
      c["modelshare:copy"].versions[0].copy = "arn:aws:rekognition:us-east-1:666666666666:project/other/version/v1/1727000000000";
      delete c["modelshare:deployRoleArn"];
    });
    const keys = problemsOf(contradictory).map((p) => p.split(" = ")[0].split(":").slice(0, 2).join(":"));
    expect(keys).to.have.members([
      "modelshare:copy.kmsKeyArn",
      "modelshare:copy.kmsKeyArn",
      "modelshare:deployRoleArn",
      "modelshare:copy.versions[0].copy",
      "modelshare:copy.versions[1].source",
    ]);
  });

  it("refuses a listed copy whose source is not a version of the shared model (model.versions), naming the entry", () => {
    const foreign = "arn:aws:rekognition:us-east-1:777777777777:project/other/version/other.v1/1727000000000";
    const staging = withConfig(copyExample("staging"), (c) => (c["modelshare:copy"].versions[0].source = foreign));
    expect(projectLines(copyExample("ml"), staging)).to.deep.equal([`Pulumi.staging.yaml: modelshare:copy.versions[0].source: is not a version of the shared model (modelshare:model.versions in Pulumi.ml.yaml); allowed: one of its versions`]);
  });

  it("refuses application principals on a copy environment: it has no shared role to trust them", () => {
    const ml = withConfig(copyExample("ml"), (c) => (c["modelshare:consumers"].staging.applicationPrincipalArns = ["arn:aws:iam::555555555555:role/modelshare/modelshare-staging-app"]));
    expect(problemsOf(ml)).to.have.length(1);
    expect(problemsOf(ml)[0]).to.include("modelshare:consumers.staging.applicationPrincipalArns");
    expect(problemsOf(ml)[0]).to.include("a copy environment has no shared role");
  });

  it("at deploy time, checks the consumer against the ML stack's exported mode (an older ML stack exports none: share)", () => {
    const staging = parse(copyExample("staging")) as ConsumerConfig;
    const version = staging.modelVersionArn;
    const ml: MlStackOutputs = {
      mlAccountId: "111111111111",
      region: "us-east-1",
      organizationId: "o-a1b2c3d4e5",
      projectArn: "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/1714387200000",
      sharedRoleArns: {},
      grantedVersions: { staging: [version] },
      trustedPrincipalArns: { staging: [] },
      privateOnly: { staging: true },
      eksPodIdentity: { staging: false },
      pipelineRoleArn: "arn:aws:iam::111111111111:role/modelshare-pipeline",
      consumerGuardrail: { enabled: true, deployRoleNames: ["modelshare-deploy"] },
      sharing: { staging: "copy" },
    };
    expect(crossCheckWithMl(staging, ml, "ml")).to.deep.equal([]);
    const older = { ...ml, sharing: undefined };
    expect(crossCheckWithMl(staging, older, "ml").map((p) => p.key)).to.deep.equal(["modelshare:environment"]);
    const sharesNow = { ...ml, sharing: { staging: "share" as const }, sharedRoleArns: { staging: "arn:aws:iam::111111111111:role/modelshare/modelshare-staging" } };
    expect(crossCheckWithMl(staging, sharesNow, "ml").map((p) => p.key)).to.include("modelshare:copy");
  });
});
