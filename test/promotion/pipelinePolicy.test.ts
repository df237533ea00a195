import { expect } from "chai";
import { historyWriterPolicy, pipelinePolicyForEnvironments, pipelinePolicyInputFromConfig, pipelinePromotionPolicy } from "../../src/policies/pipeline";
import { loadProjectFiles } from "../../src/promotion/project";
import { PROJECT_ARN, V1, V2, writeProject } from "./fakes";

describe("pipeline role policy (pure)", () => {
  const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }));
  const consumers = Object.values(project.consumers).map((c) => c.config);
  const statement = (document: ReturnType<typeof pipelinePromotionPolicy>, sid: string) => document.Statement.find((s) => s.Sid === sid);

  it("describes the exact project, starts and stops only that project's versions, and assumes only the named roles", () => {
    const policy = pipelinePromotionPolicy(pipelinePolicyInputFromConfig(project.ml.config, consumers));
    expect(statement(policy, "DescribeModelVersions")).to.deep.include({ Action: ["rekognition:DescribeProjectVersions", "rekognition:ListProjectPolicies"], Resource: PROJECT_ARN });
    expect(statement(policy, "StartAndStopModelVersions")).to.deep.include({
      Action: ["rekognition:StartProjectVersion", "rekognition:StopProjectVersion"],
      Resource: ["arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/*"],
    });
    // Per environment: each consumer's deploy role and smoke-test function in statements of their own.
    expect(statement(policy, "AssumeDeployRoleQa")).to.deep.include({ Action: "sts:AssumeRole", Resource: "arn:aws:iam::222222222222:role/modelshare-deploy" });
    expect(statement(policy, "AssumeDeployRoleProd")).to.deep.include({ Action: "sts:AssumeRole", Resource: "arn:aws:iam::333333333333:role/modelshare-deploy" });
    expect(statement(policy, "InvokeSmokeTestQa")).to.deep.include({ Action: "lambda:InvokeFunction", Resource: "arn:aws:lambda:us-east-1:222222222222:function:modelshare-qa-smoke-test" });
    expect(statement(policy, "InvokeSmokeTestProd")).to.deep.include({ Action: "lambda:InvokeFunction", Resource: "arn:aws:lambda:us-east-1:333333333333:function:modelshare-prod-smoke-test" });
    // H1: the pipeline assumes no smoke-test role (nothing that runs code in a consumer's network).
    const assumed = policy.Statement.filter((s) => s.Action === "sts:AssumeRole").flatMap((s) => [s.Resource].flat());
    expect(assumed.some((arn) => /smoke-test/.test(String(arn)))).to.equal(false);
    // Both consumers have a deploy role: the history is written through it, not by the pipeline role itself.
    expect(statement(policy, "WritePromotionHistory")).to.equal(undefined);
    expect(policy.Statement.flatMap((s) => [s.Resource].flat()).some((r) => r === "*")).to.equal(false);
  });

  it("assumes a smoke-test role only for an environment that opts into direct mode, and can be scoped to some environments", () => {
    const direct = consumers.map((c) => (c.environment === "qa" && c.smokeTest ? { ...c, smokeTest: { ...c.smokeTest, runner: "direct" as const } } : c));
    const input = pipelinePolicyInputFromConfig(project.ml.config, direct);
    const policy = pipelinePromotionPolicy(input);
    expect(statement(policy, "AssumeSmokeTestRoleDirectQa")?.Resource).to.equal("arn:aws:iam::222222222222:role/modelshare/modelshare-qa-smoke-test");
    expect(statement(policy, "InvokeSmokeTestQa")).to.equal(undefined);
    expect(statement(policy, "AssumeSmokeTestRoleDirectProd")).to.equal(undefined);
    const prodOnly = pipelinePolicyForEnvironments(input, ["prod"]);
    const reached = JSON.stringify(prodOnly);
    expect(reached).to.include("333333333333");
    expect(reached, "a prod-only policy reaches nothing of qa").not.to.include("222222222222");
  });

  it("pins Start/Stop to the known versions when new versions are not allowed, and writes history directly without a deploy role", () => {
    const input = pipelinePolicyInputFromConfig(project.ml.config, consumers.map(({ deployRoleArn: _omitted, ...c }) => c), { allowNewVersions: false });
    const policy = pipelinePromotionPolicy(input);
    expect(statement(policy, "StartAndStopModelVersions")?.Resource).to.deep.equal([V1, V2]);
    expect(statement(policy, "WritePromotionHistory")).to.deep.include({
      Action: ["ssm:GetParameterHistory", "ssm:PutParameter"],
      Resource: [
        "arn:aws:ssm:us-east-1:222222222222:parameter/modelshare/qa/promotion-history",
        "arn:aws:ssm:us-east-1:333333333333:parameter/modelshare/prod/promotion-history",
      ],
    });
  });

  it("uses a project pattern only when the stack creates the project (its ARN ends in an unknown timestamp)", () => {
    const policy = pipelinePromotionPolicy({ partition: "aws", region: "eu-west-1", mlAccountId: "111111111111", project: { name: "new-model" }, versionArns: [], consumers: [] });
    expect(statement(policy, "DescribeModelVersions")?.Resource).to.equal("arn:aws:rekognition:eu-west-1:111111111111:project/new-model/*");
    expect(policy.Statement.map((s) => s.Sid)).to.deep.equal(["DescribeModelVersions", "StartAndStopModelVersions"]);
  });

  it("gives a deploy role exactly its environment's history parameter", () => {
    expect(historyWriterPolicy("aws", { environment: "qa", accountId: "222222222222", region: "us-east-1" }).Statement).to.deep.equal([
      { Sid: "WritePromotionHistory", Effect: "Allow", Action: ["ssm:GetParameterHistory", "ssm:PutParameter"], Resource: "arn:aws:ssm:us-east-1:222222222222:parameter/modelshare/qa/promotion-history" },
    ]);
  });

  it("may read, take, renew and release only the promotion lease: one table, one partition key", () => {
    const policy = pipelinePromotionPolicy(pipelinePolicyInputFromConfig(project.ml.config, consumers));
    expect(statement(policy, "HoldPromotionLease")).to.deep.equal({
      Sid: "HoldPromotionLease",
      Effect: "Allow",
      Action: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      Resource: "arn:aws:dynamodb:us-east-1:111111111111:table/modelshare-promotion-lease",
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["promotion"] } },
    });
  });
});
