import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { toRuntimeConfig } from "../../src/config/raw";
import { problemsOf } from "../helpers/config";
import { exampleConfig, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

const OTHER_ACCOUNT_VERSION = "arn:aws:rekognition:us-east-1:999999999999:project/defect-detector/version/v1/1716196364000";

describe("stack config validation", () => {
  it("accepts the example configurations, as files and as Pulumi's runtime strings", () => {
    for (const stack of ["ml", "qa", "prod"] as const) {
      expect(problemsOf(exampleConfig(stack)), stack).to.deep.equal([]);
      expect(problemsOf(toRuntimeConfig(exampleConfig(stack))), `${stack} (runtime strings)`).to.deep.equal([]);
    }
  });

  it("names the stack kind when it is missing or unknown", () => {
    const problems = problemsOf(withConfig(exampleConfig("ml"), (c) => (c["modelshare:stackKind"] = "training")));
    expect(problems).to.deep.equal(['modelshare:stackKind = "training": must be "ml" (the ML account\'s stack) or "consumer" (qa, prod, ...)']);
  });

  it("reports every problem of an ML config at once, each with its key, value and what is allowed", () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:mlAccountId"] = "11111111111";
      c["modelshare:consumers"].qa.accountId = 222222222222;
      c["modelshare:consumers"].prod.applicationPrincipalArns = ["arn:aws:iam::333333333333:role/*"];
      c["modelshare:pipelineRoleArn"] = "not-an-arn";
    });
    const problems = problemsOf(config);
    expect(problems).to.have.length(4);
    expect(problems).to.include('modelshare:mlAccountId = "11111111111": must be an AWS account id of exactly 12 digits');
    expect(problems.find((p) => p.startsWith("modelshare:consumers.qa.accountId = 222222222222"))).to.include("quote it in the stack file");
    expect(problems.find((p) => p.startsWith("modelshare:consumers.prod.applicationPrincipalArns[0]"))).to.include("wildcard");
    expect(problems.find((p) => p.startsWith('modelshare:pipelineRoleArn = "not-an-arn"'))).to.include("not an exact IAM role ARN");
  });

  it("refuses version ARNs of another account, region or project, and grants of unknown versions", () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:model"].versions.push(OTHER_ACCOUNT_VERSION);
      c["modelshare:model"].versions.push("arn:aws:rekognition:eu-west-1:111111111111:project/other-project/version/v2/1716196364000");
      c["modelshare:consumers"].qa.grantedVersions.push("arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/never-listed/1716196364000");
    });
    const problems = problemsOf(config);
    expect(problems.find((p) => p.startsWith("modelshare:model.versions[2]"))).to.include("account 999999999999 (mlAccountId is 111111111111)");
    const third = problems.find((p) => p.startsWith("modelshare:model.versions[3]"));
    expect(third).to.include("region eu-west-1").and.to.include("project other-project (the model's project is defect-detector)");
    expect(problems.find((p) => p.startsWith("modelshare:consumers.qa.grantedVersions[1]"))).to.include("is not one of model.versions");
  });

  it("refuses ARNs that do not parse as project versions", () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:model"].versions = ["arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/v1"];
      c["modelshare:consumers"].qa.grantedVersions = [];
      c["modelshare:consumers"].prod.grantedVersions = [];
    });
    const [problem] = problemsOf(config);
    expect(problem).to.include("modelshare:model.versions[0]").and.to.include("expected project/NAME/version/VERSION_NAME/CREATION_TIMESTAMP");
  });

  it("refuses an empty consumer list, duplicate environments and the ML account as a consumer", () => {
    expect(problemsOf(withConfig(exampleConfig("ml"), (c) => (c["modelshare:consumers"] = {})))).to.include(
      "modelshare:consumers = {}: is empty; define at least one consumer environment (e.g. qa)",
    );
    const duplicate = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:consumers"].QA = { ...c["modelshare:consumers"].qa };
    });
    const problems = problemsOf(duplicate);
    expect(problems.some((p) => p.includes("modelshare:consumers.QA") && p.includes("lowercase"))).to.equal(true);
    expect(problems.some((p) => p.includes("duplicates environment"))).to.equal(true);
    const mlAsConsumer = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:consumers"].qa.accountId = "111111111111";
      c["modelshare:consumers"].qa.applicationPrincipalArns = ["arn:aws:iam::111111111111:role/app"];
    });
    expect(problemsOf(mlAsConsumer)).to.include('modelshare:consumers.qa.accountId = "111111111111": is the ML account; a consumer must be another account');
  });

  it("refuses application principals from another account than the environment's", () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:consumers"].qa.applicationPrincipalArns = ["arn:aws:iam::333333333333:role/modelshare-prod-app"];
    });
    expect(problemsOf(config)).to.deep.equal([
      'modelshare:consumers.qa.applicationPrincipalArns[0] = "arn:aws:iam::333333333333:role/modelshare-prod-app": is in account 333333333333, but this environment\'s accountId is 222222222222',
    ]);
  });

  it("requires the management role while the guardrail is on, and catches typos in keys", () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:guardrail"] = { enabled: true, consumerTargetIds: ["ou-ab12-qa000001", "ou-ab12-prod0001"], managmentRoleArn: "arn:aws:iam::999999999999:role/x" };
    });
    const problems = problemsOf(config);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include("modelshare:guardrail").and.to.include('unknown key "managmentRoleArn"');
    const missing = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:guardrail"] = { enabled: true, consumerTargetIds: ["ou-ab12-qa000001", "ou-ab12-prod0001"] };
    });
    expect(problemsOf(missing)[0]).to.include("modelshare:guardrail.managementRoleArn").and.to.include("is required while guardrail.enabled is true");
  });

  it("refuses wildcards where a name is required and an open security group", () => {
    const ml = withConfig(exampleConfig("ml"), (c) => (c["modelshare:dataLake"].trainingPrefix = "training/*"));
    expect(problemsOf(ml)[0]).to.include("modelshare:dataLake.trainingPrefix").and.to.include("exact name, not a wildcard");
    const qa = withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].allowedCidrs = ["0.0.0.0/0"]));
    expect(problemsOf(qa)[0]).to.include("modelshare:network.allowedCidrs[0]").and.to.include("whole internet");
  });

  it("checks a consumer config's network and version on its own", () => {
    const config = withConfig(exampleConfig("qa"), (c) => {
      c["aws:region"] = "eu-west-1";
      c["modelshare:network"] = { vpcId: "vpc-0a1b2c3d4e5f60718", allowedCidrs: [] };
    });
    const problems = problemsOf(config);
    expect(problems.some((p) => p.startsWith("modelshare:modelVersionArn") && p.includes("region us-east-1"))).to.equal(true);
    expect(problems.some((p) => p.startsWith("modelshare:network.subnetIds") && p.includes("go together"))).to.equal(true);
    expect(problems.some((p) => p.startsWith("modelshare:network.allowedCidrs") && p.includes("nothing could reach"))).to.equal(true);
  });

  it("refuses a created VPC that cannot be split into subnets, naming the key, the value and what is allowed", () => {
    const noZones = withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].availabilityZones = []));
    expect(problemsOf(noZones)).to.deep.equal([
      "modelshare:network.availabilityZones = []: is empty; name at least one AZ (two or more for availability), or omit it for the region's first two",
    ]);
    for (const vpcCidr of ["10.20.0.0/27", "10.0.0.0/8"]) {
      const problems = problemsOf(withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].vpcCidr = vpcCidr)));
      expect(problems, vpcCidr).to.have.length(1);
      expect(problems[0], vpcCidr).to.include(`modelshare:network.vpcCidr = "${vpcCidr}": must have a prefix from /16 to /24`);
    }
    expect(problemsOf(withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].vpcCidr = "10.20.0.0/24")))).to.deep.equal([]);
  });

  it("accepts EKS Pod Identity's principal for the application role, not the EKS cluster's", () => {
    const pods = withConfig(exampleConfig("qa"), (c) => (c["modelshare:application"].trustedServices = ["pods.eks.amazonaws.com"]));
    expect(problemsOf(pods)).to.deep.equal([]);
    const cluster = withConfig(exampleConfig("qa"), (c) => (c["modelshare:application"].trustedServices = ["eks.amazonaws.com"]));
    const [problem] = problemsOf(cluster);
    expect(problem).to.include('modelshare:application.trustedServices[0] = "eks.amazonaws.com"').and.to.include("pods.eks.amazonaws.com");
  });

  it("validates the data-lake settings: mode, the training principal's account, merge mode's role in another account", () => {
    const problems = problemsOf(
      withConfig(exampleConfig("ml"), (c) => {
        c["modelshare:dataLake"].mode = "replace";
        c["modelshare:dataLake"].trainingPrincipalArn = "arn:aws:iam::444444444444:role/trainer";
        c["modelshare:dataLake"].rekognitionServicePrincipal = "yes";
      }),
    );
    expect(problems).to.have.length(2);
    expect(problems[0]).to.include('modelshare:dataLake.mode = "replace"').and.to.include('"statements"').and.to.include('"merge"');
    expect(problems[1]).to.include('modelshare:dataLake.rekognitionServicePrincipal = "yes"');
    const wrongAccount = problemsOf(withConfig(exampleConfig("ml"), (c) => (c["modelshare:dataLake"].trainingPrincipalArn = "arn:aws:iam::444444444444:role/trainer")));
    expect(wrongAccount).to.deep.equal([
      'modelshare:dataLake.trainingPrincipalArn = "arn:aws:iam::444444444444:role/trainer": is in account 444444444444; the training principal must be in the ML account 111111111111',
    ]);
    const mergeWithoutRole = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:dataLake"].mode = "merge";
      delete c["modelshare:dataLake"].roleArn;
    });
    expect(problemsOf(mergeWithoutRole)).to.deep.equal([
      "modelshare:dataLake.roleArn = undefined: is required in merge mode when the bucket's account (444444444444) is not the ML account",
    ]);
    const statementsWithoutRole = withConfig(exampleConfig("ml"), (c) => delete c["modelshare:dataLake"].roleArn);
    expect(problemsOf(statementsWithoutRole)).to.deep.equal([]);
  });

  it("validates the endpoint settings: adoption only in an existing VPC and of known services, compute endpoints only in a created one", () => {
    const created = problemsOf(withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].adoptEndpoints = ["sts", "kms"])));
    expect(created).to.have.length(1);
    expect(created[0]).to.include('modelshare:network.adoptEndpoints[1] = "kms"').and.to.include('"rekognition"');
    const noVpc = problemsOf(withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].adoptEndpoints = ["sts"])));
    expect(noVpc).to.deep.equal(['modelshare:network.adoptEndpoints = ["sts"]: applies only to an existing VPC (network.vpcId): a VPC modelshare creates has no endpoints to adopt']);
    const existing = problemsOf(
      withConfig(exampleConfig("qa"), (c) => {
        c["modelshare:network"] = { vpcId: "vpc-0a1b2c3d4e5f60718", subnetIds: ["subnet-0a1b2c3d4e5f60718"], allowedCidrs: ["10.0.0.0/16"], adoptEndpoints: ["ssm", "ssm"], computeEndpoints: true };
      }),
    );
    expect(existing).to.include('modelshare:network.adoptEndpoints[1] = "ssm": is listed twice');
    expect(existing.some((p) => p.startsWith('modelshare:network.adoptEndpoints[0] = "ssm": is listed, but network.ssmEndpoint is false'))).to.equal(true);
    expect(existing.some((p) => p.startsWith("modelshare:network.computeEndpoints = true: applies only to a created VPC"))).to.equal(true);
  });

  it("refuses an s3:// smoke-test image: the shared role may not read S3, so Rekognition could not fetch it", () => {
    const config = withConfig(exampleConfig("qa"), (c) => (c["modelshare:smokeTest"].image = "s3://qa-images/part-0042.jpg"));
    const [problem, ...others] = problemsOf(config);
    expect(others).to.deep.equal([]);
    expect(problem).to.include('modelshare:smokeTest.image = "s3://qa-images/part-0042.jpg"');
    expect(problem).to.include("a path to a JPEG or PNG file relative to the config directory");
  });

  it("registers no resource at all when the config is invalid", async () => {
    const config = withConfig(exampleConfig("ml"), (c) => (c["modelshare:mlAccountId"] = "abc"));
    const error = await rejection(runProgram(config));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.include('modelshare:mlAccountId = "abc"');
    expect(recorder.resources).to.be.empty;
  });
});
