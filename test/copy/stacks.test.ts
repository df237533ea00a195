import { expect } from "chai";
import { NOT_COPIED_YET } from "../../src/config/copy";
import { parsedPolicy, recorder, runProgram, withConfig } from "../helpers/pulumi";
import { ADMINISTRATOR, attempt } from "../policies/simulate";
import { copyExample } from "./helpers";

const STAGING = "555555555555";
const SOURCE = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const OTHER_SOURCE = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000";
const COPY = `arn:aws:rekognition:us-east-1:${STAGING}:project/defect-detector-staging/version/defect-detector.2024-09-02T14.30.05/1727000000000`;

async function publishCopyMl(): Promise<Record<string, any>> {
  const { outputs } = await runProgram(copyExample("ml"));
  recorder.stackOutputs.set("organization/modelshare/ml", outputs);
  return outputs;
}

describe("copy mode: ML stack (issue 14)", () => {
  let outputs: Record<string, any>;
  before(async () => {
    outputs = await publishCopyMl();
  });

  it("creates no shared role for the copy environment, and exports each environment's mode", () => {
    const roles = recorder.ofType("aws:iam/role:Role").map((r) => r.inputs.name);
    expect(roles).to.include.members(["modelshare-qa", "modelshare-prod"]);
    expect(roles).not.to.include("modelshare-staging");
    expect(Object.keys(outputs.sharedRoleArns).sort()).to.deep.equal(["prod", "qa"]);
    expect(outputs.sharing).to.deep.equal({ prod: "share", qa: "share", staging: "copy" });
  });

  it("plans a project policy that lets exactly the copy environment's account copy exactly its granted versions", () => {
    expect(Object.keys(outputs.projectPolicies)).to.deep.equal(["staging"]);
    const { policyName, document } = outputs.projectPolicies.staging;
    expect(policyName).to.equal("modelshare-copy-staging");
    expect(document).to.deep.equal({
      Version: "2012-10-17",
      Statement: [{ Sid: "CopyGrantedVersionsToStaging", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${STAGING}:root` }, Action: "rekognition:CopyProjectVersion", Resource: [SOURCE] }],
    });
  });

  it("plans no document (the policy is deleted) when nothing is granted to the copy environment", async () => {
    const { outputs: none } = await runProgram(withConfig(copyExample("ml"), (c) => (c["modelshare:consumers"].staging.grantedVersions = [])));
    expect(none.projectPolicies.staging).to.deep.equal({ policyName: "modelshare-copy-staging", document: null });
  });

  it("consumer guardrail: only the deploy roles may copy, start, stop or delete versions in a consumer account; nobody re-permissions a project", async () => {
    const scp = recorder.ofType("aws:organizations/policy:Policy").find((p) => String(p.inputs.name).endsWith("consumer-guardrail"))!;
    const document = parsedPolicy(scp, "content");
    const decide = async (role: string, action: string, resource: string) =>
      (await attempt({ roleArn: `arn:aws:iam::${STAGING}:role/${role}`, action, resource, resourceAccount: STAGING, identity: [ADMINISTRATOR], scps: [document] })).decision;
    for (const action of ["rekognition:CopyProjectVersion", "rekognition:StartProjectVersion", "rekognition:StopProjectVersion", "rekognition:DeleteProjectVersion"]) {
      expect(await decide("administrator", action, COPY), `admin ${action}`).to.equal("ExplicitlyDenied");
      expect(await decide("modelshare-deploy", action, COPY), `deploy ${action}`).to.equal("Allowed");
    }
    for (const action of ["rekognition:PutProjectPolicy", "rekognition:CreateProjectVersion"]) {
      expect(await decide("modelshare-deploy", action, `arn:aws:rekognition:us-east-1:${STAGING}:project/defect-detector-staging/1727000000000`), action).to.equal("ExplicitlyDenied");
    }
  });
});

describe("copy mode: consumer stack (issue 14)", () => {
  let outputs: Record<string, any>;
  before(async () => {
    await publishCopyMl();
    ({ outputs } = await runProgram(copyExample("staging")));
  });

  it("creates the destination project (protected), in the consumer's account", () => {
    const project = recorder.byName("aws:rekognition/project:Project", "staging-copy-project");
    expect(project.inputs).to.include({ name: "defect-detector-staging", feature: "CUSTOM_LABELS" });
    expect(project.protect).to.equal(true);
    expect(project.account).to.equal(STAGING);
    expect(outputs.sharing).to.equal("copy");
    expect(outputs).not.to.have.property("sharedRoleArn");
  });

  it("creates the output bucket private, KMS-encrypted with its own rotating key, owner-enforced and TLS-only", () => {
    const bucket = recorder.byName("aws:s3/bucket:Bucket", "staging-copy-output");
    expect(bucket.inputs.bucket).to.equal("example-corp-staging-model-copies");
    expect(recorder.byName("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "staging-copy-output-public-access").inputs).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect((recorder.byName("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "staging-copy-output-ownership").inputs.rule as any).objectOwnership).to.equal("BucketOwnerEnforced");
    const key = recorder.byName("aws:kms/key:Key", "staging-copy-key");
    expect(key.inputs.enableKeyRotation).to.equal(true);
    const encryption = recorder.byName("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "staging-copy-output-encryption");
    expect((encryption.inputs.rules as any)[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("aws:kms");
    const policy = parsedPolicy(recorder.byName("aws:s3/bucketPolicy:BucketPolicy", "staging-copy-output-policy"));
    expect(policy.Statement).to.deep.equal([
      {
        Sid: "ModelshareCopyOutputDenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::example-corp-staging-model-copies", "arn:aws:s3:::example-corp-staging-model-copies/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("lets the application call exactly its own copies with its own credentials: no AssumeRole, no ML-account version", () => {
    const policy = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", "staging-app-model-access"));
    const actions = policy.Statement.flatMap((s: any) => [].concat(s.Action));
    expect(actions).not.to.include("sts:AssumeRole");
    const detect = policy.Statement.find((s: any) => s.Action === "rekognition:DetectCustomLabels");
    expect(detect.Resource).to.deep.equal([COPY]);
  });

  it("creates a Rekognition endpoint admitting this account's calls on its copies, and no STS endpoint", () => {
    const endpoints = recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => String(e.inputs.serviceName));
    expect(endpoints).to.include("com.amazonaws.us-east-1.rekognition");
    expect(endpoints).not.to.include("com.amazonaws.us-east-1.sts");
    const rekognition = recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => e.inputs.serviceName === "com.amazonaws.us-east-1.rekognition")!;
    const statement = parsedPolicy(rekognition).Statement[0];
    expect(statement).to.deep.include({ Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: [COPY], Condition: { StringEquals: { "aws:PrincipalAccount": STAGING } } });
  });

  it("writes the copy's ARN to model-version-arn and no shared-role-arn parameter", () => {
    const parameters = recorder.ofType("aws:ssm/parameter:Parameter").map((p) => [p.inputs.name, p.inputs.value]);
    expect(Object.fromEntries(parameters)["/modelshare/staging/model-version-arn"]).to.equal(COPY);
    expect(parameters.map(([name]) => name)).not.to.include("/modelshare/staging/shared-role-arn");
  });

  it("before the first copy: the parameter says so, and nothing may be called through the endpoint", async () => {
    await publishCopyMl();
    await runProgram(withConfig(copyExample("staging"), (c) => (c["modelshare:copy"].versions = [])));
    const parameter = recorder.ofType("aws:ssm/parameter:Parameter").find((p) => p.inputs.name === "/modelshare/staging/model-version-arn")!;
    expect(parameter.inputs.value).to.equal(NOT_COPIED_YET);
    const rekognition = recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => e.inputs.serviceName === "com.amazonaws.us-east-1.rekognition")!;
    expect(parsedPolicy(rekognition).Statement[0]).to.deep.include({ Effect: "Deny", Action: "*" });
    const app = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", "staging-app-model-access"));
    expect(app.Statement.map((s: any) => s.Action)).not.to.include("rekognition:DetectCustomLabels");
  });

  it("the copy example's other version is not callable: the app calls only the listed copies", () => {
    const policy = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", "staging-app-model-access"));
    expect(JSON.stringify(policy)).not.to.include(OTHER_SOURCE);
  });
});
