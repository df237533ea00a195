import { expect } from "chai";
import { BudgetError } from "../../src/errors";
import { exampleConfig, parsedPolicy, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

const QA_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const PROD_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000";

describe("ML stack program", () => {
  describe("with the example configuration", () => {
    let outputs: Record<string, any>;
    before(async () => {
      ({ outputs } = await runProgram(exampleConfig("ml")));
    });

    it("creates one SharedModelRole per consumer environment, in the ML account, under the protected path", () => {
      const components = recorder.ofType("modelshare:index:SharedModelRole").map((r) => r.name).sort();
      expect(components).to.deep.equal(["shared-prod", "shared-qa"]);
      for (const env of ["qa", "prod"]) {
        const role = recorder.byName("aws:iam/role:Role", `shared-${env}-role`);
        expect(role.inputs.name).to.equal(`modelshare-${env}`);
        expect(role.inputs.path).to.equal("/modelshare/");
        expect(role.inputs.maxSessionDuration).to.equal(3600);
        expect(role.provider).to.equal("ml-account");
        expect(role.account).to.equal("111111111111");
        expect(role.parent).to.equal(`modelshare:index:SharedModelRole::shared-${env}`);
      }
    });

    it("trusts only the environment's application principals, through the consumer account root and the organization", () => {
      const trust = parsedPolicy(recorder.byName("aws:iam/role:Role", "shared-qa-role"), "assumeRolePolicy");
      expect(trust.Statement).to.have.length(1);
      const [statement] = trust.Statement;
      expect(statement.Effect).to.equal("Allow");
      expect(statement.Action).to.equal("sts:AssumeRole");
      expect(statement.Principal).to.deep.equal({ AWS: "arn:aws:iam::222222222222:root" });
      expect(statement.Condition.ArnLike["aws:PrincipalArn"]).to.deep.equal([
        "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-app",
        "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-smoke-test",
      ]);
      expect(statement.Condition.StringEquals["aws:PrincipalOrgID"]).to.equal("o-a1b2c3d4e5");
    });

    it("allows DetectCustomLabels only on the exact versions granted to that environment, through its endpoints", () => {
      for (const [env, granted, other] of [["qa", QA_VERSION, PROD_VERSION], ["prod", PROD_VERSION, QA_VERSION]]) {
        const policy = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", `shared-${env}-detect`));
        const allows = policy.Statement.filter((s: any) => s.Effect === "Allow");
        expect(allows).to.have.length(1);
        expect(allows[0].Action).to.equal("rekognition:DetectCustomLabels");
        expect(allows[0].Resource).to.deep.equal([granted]);
        expect(JSON.stringify(policy)).not.to.include(other);
        expect(JSON.stringify(allows)).not.to.include("*");
        const account = env === "qa" ? "222222222222" : "333333333333";
        expect(allows[0].Condition).to.deep.equal({ StringEquals: { "aws:VpceAccount": account } });
        const deny = policy.Statement.find((s: any) => s.Effect === "Deny");
        expect(deny.Condition).to.deep.equal({ StringNotEquals: { "aws:VpceAccount": account } });
      }
    });

    it("creates both guardrail SCPs through the management account and attaches them to their targets", () => {
      const policies = recorder.ofType("aws:organizations/policy:Policy");
      expect(policies.map((p) => p.inputs.name).sort()).to.deep.equal(["modelshare-consumer-guardrail", "modelshare-ml-guardrail"]);
      for (const policy of policies) {
        expect(policy.provider).to.equal("organization-management");
        expect(policy.account).to.equal("999999999999");
        expect(policy.inputs.type).to.equal("SERVICE_CONTROL_POLICY");
      }
      const targets = recorder.ofType("aws:organizations/policyAttachment:PolicyAttachment").map((a) => a.inputs.targetId).sort();
      // 555555555555: the delegated administrator of the example's access analyzer, which the ML guardrail protects there.
      expect(targets).to.deep.equal(["111111111111", "555555555555", "ou-ab12-prod0001", "ou-ab12-qa000001"]);
    });

    it("exempts only the pipeline and break-glass roles from the ML guardrail, and lets only the IAM-admin role change them", () => {
      const scp = parsedPolicy(recorder.byName("aws:organizations/policy:Policy", "modelshare-ml-guardrail-policy"), "content");
      const actions = scp.Statement.flatMap((s: any) => s.Action);
      expect(actions).to.include.members(["rekognition:StartProjectVersion", "rekognition:StopProjectVersion", "rekognition:DeleteProjectVersion", "rekognition:DeleteProject", "rekognition:CopyProjectVersion", "rekognition:PutProjectPolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:PassRole"]);
      const bySid = Object.fromEntries(scp.Statement.map((s: any) => [s.Sid, s]));
      for (const sid of ["ProtectSharedModel", "DenyModelExport", "ProtectSharedRoles"]) {
        expect(bySid[sid].Effect).to.equal("Deny");
        expect(bySid[sid].Condition.ArnNotLike["aws:PrincipalArn"], sid).to.deep.equal([
          "arn:aws:iam::111111111111:role/break-glass-admin",
          "arn:aws:iam::111111111111:role/modelshare-pipeline",
        ]);
      }
      expect(bySid.DenyModelExport.Resource).to.equal("*");
      expect(bySid.ProtectSharedRoles.Resource).to.deep.equal(["arn:aws:iam::111111111111:role/modelshare/*"]);
      expect(bySid.ProtectExemptRoles.Resource).to.deep.equal([
        "arn:aws:iam::111111111111:role/break-glass-admin",
        "arn:aws:iam::111111111111:role/iam-admin",
        "arn:aws:iam::111111111111:role/modelshare-pipeline",
        // Exempt from the detective-controls statement in its own account: protected like the others.
        "arn:aws:iam::555555555555:role/modelshare-access-analyzer-admin",
        // The customer-managed policies those roles may carry (security review M4).
        "arn:aws:iam::*:policy/modelshare-protected/*",
      ]);
      expect(bySid.ProtectExemptRoles.Condition).to.deep.equal({ ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/iam-admin"] } });
    });

    it("writes nothing to the data-lake bucket by default: the statements its owner adds are a stack output", () => {
      expect(recorder.ofType("aws:s3/bucketPolicy:BucketPolicy")).to.be.empty;
      expect(recorder.ofType("pulumi:providers:aws").map((p) => p.name)).not.to.include("data-lake-account");
      const dataLake = outputs.dataLake;
      expect(dataLake).to.deep.include({ mode: "statements", bucketName: "example-corp-data-lake", bucketAccountId: "444444444444", trainingPrincipalArn: "arn:aws:iam::111111111111:role/modelshare-pipeline" });
      const statements = Object.fromEntries(dataLake.statements.map((s: any) => [s.Sid, s]));
      expect(Object.keys(statements)).to.deep.equal(["ModelsharedefectdetectorTrainingList", "ModelsharedefectdetectorTrainingRead", "ModelsharedefectdetectorOutputWrite"]);
      const read = statements.ModelsharedefectdetectorTrainingRead;
      expect(read.Principal).to.deep.equal({ AWS: "arn:aws:iam::111111111111:root" });
      expect(read.Condition.ArnEquals).to.deep.equal({ "aws:PrincipalArn": "arn:aws:iam::111111111111:role/modelshare-pipeline" });
      expect(read.Resource).to.equal("arn:aws:s3:::example-corp-data-lake/rekognition/defect-detector/training/*");
      expect(JSON.stringify(dataLake.statements)).not.to.include("rekognition.amazonaws.com");
      expect(dataLake.trainingPrincipalPolicy.Statement.map((s: any) => s.Action)).to.deep.equal(["s3:ListBucket", "s3:GetObject", "s3:PutObject"]);
    });

    it("exports the role ARN map, the project and the grants per environment", () => {
      expect(outputs.sharedRoleArns).to.deep.equal({
        prod: "arn:aws:iam::111111111111:role/modelshare/modelshare-prod",
        qa: "arn:aws:iam::111111111111:role/modelshare/modelshare-qa",
      });
      expect(outputs.projectArn).to.equal("arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/1714387200000");
      expect(outputs.grantedVersions).to.deep.equal({ qa: [QA_VERSION], prod: [PROD_VERSION] });
    });
  });

  it("creates the Rekognition project when asked to, instead of adopting one, and protects it", async () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:model"] = { createProjectName: "defect-detector", versions: c["modelshare:model"].versions };
    });
    const { outputs } = await runProgram(config);
    const project = recorder.byName("aws:rekognition/project:Project", "shared-model-project");
    expect(project.inputs).to.include({ name: "defect-detector", feature: "CUSTOM_LABELS" });
    // Deleting the project deletes every trained version: it must never go as a side effect of an update.
    expect(project.protect).to.equal(true);
    expect(recorder.byName("aws:iam/role:Role", "shared-qa-role").protect).to.equal(false);
    expect(outputs.projectArn).to.match(/^arn:aws:rekognition:us-east-1:111111111111:project\/defect-detector\/\d+$/);
  });

  describe("data lake in merge mode", () => {
    const BUCKET = "example-corp-data-lake";
    const foreign = [
      { Sid: "AnalyticsRead", Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/analytics/*` },
      { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ];
    const merge = (edit: (dataLake: Record<string, any>) => void = () => {}) =>
      withConfig(exampleConfig("ml"), (c) => {
        c["modelshare:dataLake"].mode = "merge";
        edit(c["modelshare:dataLake"]);
      });
    afterEach(() => recorder.bucketPolicies.clear());

    it("keeps every statement the bucket had, adds its own, through the data-lake account, and never deletes the policy", async () => {
      recorder.bucketPolicies.set(BUCKET, JSON.stringify({ Version: "2012-10-17", Id: "LakePolicy", Statement: foreign }));
      const { outputs } = await runProgram(merge());
      const bucketPolicy = recorder.byName("aws:s3/bucketPolicy:BucketPolicy", "data-lake-policy");
      expect(bucketPolicy.provider).to.equal("data-lake-account");
      expect(bucketPolicy.account).to.equal("444444444444");
      expect(bucketPolicy.retainOnDelete).to.equal(true);
      const policy = parsedPolicy(bucketPolicy);
      expect(policy.Id).to.equal("LakePolicy");
      expect(policy.Statement.slice(0, 2)).to.deep.equal(foreign);
      expect(policy.Statement.slice(2)).to.deep.equal(outputs.dataLake.statements);
    });

    it("replaces its own statements of an earlier deployment instead of adding them twice", async () => {
      const { outputs } = await runProgram(merge());
      recorder.bucketPolicies.set(BUCKET, JSON.stringify({ Statement: [...foreign, ...outputs.dataLake.statements] }));
      await runProgram(merge((d) => delete d.outputPrefix));
      const policy = parsedPolicy(recorder.byName("aws:s3/bucketPolicy:BucketPolicy", "data-lake-policy"));
      expect(policy.Statement.map((s: any) => s.Sid)).to.deep.equal(["AnalyticsRead", undefined, "ModelsharedefectdetectorTrainingList", "ModelsharedefectdetectorTrainingRead"]);
    });

    it("starts a policy for a bucket that has none", async () => {
      const { outputs } = await runProgram(merge());
      expect(parsedPolicy(recorder.byName("aws:s3/bucketPolicy:BucketPolicy", "data-lake-policy")).Statement).to.deep.equal(outputs.dataLake.statements);
    });

    it("stops with a budget error before writing a policy over S3's 20 KB", async () => {
      const big = Array.from({ length: 120 }, (_, i) => ({ ...foreign[0], Sid: `Team${i}`, Resource: `arn:aws:s3:::${BUCKET}/team-${i}-with-a-long-prefix-name/*` }));
      recorder.bucketPolicies.set(BUCKET, JSON.stringify({ Statement: big }));
      const error = await rejection(runProgram(merge()));
      expect(error).to.be.instanceOf(BudgetError);
      expect(error.message).to.match(/bucket policy of example-corp-data-lake .* is \d+ bytes, over the limit of 20480 \(modelshare:quotas\.bucketPolicyBytes/);
      expect(recorder.ofType("aws:s3/bucketPolicy:BucketPolicy")).to.be.empty;
    });
  });

  it("creates no SCP and no bucket policy when the guardrail and data lake are turned off", async () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:guardrail"] = { enabled: false };
      c["modelshare:dataLake"] = { enabled: false };
      c["modelshare:detective"].accessAnalyzer.enabled = false;
    });
    const { outputs } = await runProgram(config);
    expect(recorder.ofType("aws:organizations/policy:Policy")).to.be.empty;
    expect(recorder.ofType("aws:s3/bucketPolicy:BucketPolicy")).to.be.empty;
    expect(recorder.ofType("pulumi:providers:aws").map((p) => p.name)).to.deep.equal(["ml-account"]);
    expect(outputs.dataLake).to.equal(undefined);
  });

  it("denies everything for an environment that has no grant yet instead of emitting an empty policy", async () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:consumers"].qa.grantedVersions = [];
    });
    await runProgram(config);
    const policy = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", "shared-qa-detect"));
    expect(policy.Statement.map((s: any) => s.Effect)).to.deep.equal(["Deny"]);
  });

  it("stops with a budget error naming the environment, the size and the limit before registering anything", async () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:consumers"].qa.applicationPrincipalArns = Array.from({ length: 40 }, (_, i) => `arn:aws:iam::222222222222:role/application-role-with-a-long-name-${i}`);
    });
    const error = await rejection(runProgram(config));
    expect(error).to.be.instanceOf(BudgetError);
    const message = error.message;
    expect(message).to.match(/environment "qa": trust policy is \d+ characters, over the limit of 2048 \(modelshare:quotas\.trustPolicyChars/);
    expect(recorder.resources).to.be.empty;
  });

  it("accepts a raised quota from config", async () => {
    const config = withConfig(exampleConfig("ml"), (c) => {
      c["modelshare:consumers"].qa.applicationPrincipalArns = Array.from({ length: 40 }, (_, i) => `arn:aws:iam::222222222222:role/application-role-with-a-long-name-${i}`);
      c["modelshare:quotas"] = { trustPolicyChars: 4096 };
    });
    await runProgram(config);
    expect(recorder.ofType("aws:iam/role:Role")).to.have.length(2);
  });
});
