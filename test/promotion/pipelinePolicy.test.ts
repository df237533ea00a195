import { expect } from "chai";
import { historyWriterPolicy, pipelinePolicyInputFromConfig, pipelinePromotionPolicy } from "../../src/policies/pipeline";
import { loadProjectFiles } from "../../src/promotion/project";
import { PROJECT_ARN, V1, V2, writeProject } from "./fakes";

describe("pipeline role policy (pure)", () => {
  const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }));
  const consumers = Object.values(project.consumers).map((c) => c.config);
  const statement = (document: ReturnType<typeof pipelinePromotionPolicy>, sid: string) => document.Statement.find((s) => s.Sid === sid);

  it("describes the exact project, starts and stops only that project's versions, and assumes only the named roles", () => {
    const policy = pipelinePromotionPolicy(pipelinePolicyInputFromConfig(project.ml.config, consumers));
    expect(statement(policy, "DescribeModelVersions")).to.deep.include({ Action: "rekognition:DescribeProjectVersions", Resource: PROJECT_ARN });
    expect(statement(policy, "StartAndStopModelVersions")).to.deep.include({
      Action: ["rekognition:StartProjectVersion", "rekognition:StopProjectVersion"],
      Resource: ["arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/*"],
    });
    expect(statement(policy, "AssumeConsumerDeployAndSmokeTestRoles")?.Resource).to.deep.equal([
      "arn:aws:iam::222222222222:role/modelshare-deploy",
      "arn:aws:iam::222222222222:role/smoke",
      "arn:aws:iam::333333333333:role/modelshare-deploy",
      "arn:aws:iam::333333333333:role/smoke",
    ]);
    // Both consumers have a deploy role: the history is written through it, not by the pipeline role itself.
    expect(statement(policy, "WritePromotionHistory")).to.equal(undefined);
    expect(policy.Statement.flatMap((s) => [s.Resource].flat()).some((r) => r === "*")).to.equal(false);
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
