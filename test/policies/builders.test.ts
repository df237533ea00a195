import { expect } from "chai";
import { parseProjectVersionArn, parseRoleArn } from "../../src/arn";
import { rawConfigFromFlat } from "../../src/config/raw";
import { MlConfig, parseMlConfig } from "../../src/config/schema";
import { subnetCidrs } from "../../src/network";
import { checkMlBudgets, planMl } from "../../src/plan";
import { policyDocument, policySize } from "../../src/policies/document";
import { applicationTrustPolicy } from "../../src/policies/consumer";
import { sharedRolePermissionsPolicy, sharedRoleTrustPolicy } from "../../src/policies/sharedRole";
import { exampleConfig, withConfig } from "../helpers/pulumi";

function mlConfig(edit: (c: Record<string, any>) => void = () => {}): MlConfig {
  return parseMlConfig(rawConfigFromFlat(withConfig(exampleConfig("ml"), edit)), "Pulumi.ml.yaml");
}

describe("policy builders and budgets (pure)", () => {
  it("lets EKS Pod Identity tag its session when it assumes the application role, and nothing else", () => {
    expect(applicationTrustPolicy({ services: ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"] }).Statement).to.deep.equal([
      { Sid: "RunApplication", Effect: "Allow", Principal: { Service: ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"] }, Action: "sts:AssumeRole" },
    ]);
    expect(applicationTrustPolicy({ services: ["pods.eks.amazonaws.com", "ecs-tasks.amazonaws.com"] }).Statement).to.deep.equal([
      { Sid: "RunApplication", Effect: "Allow", Principal: { Service: ["ecs-tasks.amazonaws.com"] }, Action: "sts:AssumeRole" },
      { Sid: "RunApplicationInEksPods", Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
    ]);
  });

  it("adds sts:ExternalId to the trust policy only when configured", () => {
    const base = { partition: "aws", consumerAccountId: "222222222222", organizationId: "o-a1b2c3d4e5", applicationPrincipalArns: ["arn:aws:iam::222222222222:role/app"] };
    expect(sharedRoleTrustPolicy(base).Statement[0].Condition?.StringEquals).to.deep.equal({ "aws:PrincipalOrgID": "o-a1b2c3d4e5" });
    expect(sharedRoleTrustPolicy({ ...base, externalId: "modelshare-qa" }).Statement[0].Condition?.StringEquals).to.deep.equal({
      "aws:PrincipalOrgID": "o-a1b2c3d4e5",
      "sts:ExternalId": "modelshare-qa",
    });
  });

  it("uses the endpoint ids with aws:SourceVpce, and no network condition when private access is off", () => {
    const granted = ["arn:aws:rekognition:us-east-1:111111111111:project/p/version/v/1716196364000"];
    const viaSourceVpce = sharedRolePermissionsPolicy({ grantedVersionArns: granted, privateAccess: { enabled: true, conditionKey: "aws:SourceVpce", vpcEndpointIds: ["vpce-0b", "vpce-0a"] } });
    expect(viaSourceVpce.Statement[0].Condition).to.deep.equal({ StringEquals: { "aws:SourceVpce": ["vpce-0a", "vpce-0b"] } });
    const open = sharedRolePermissionsPolicy({ grantedVersionArns: granted, privateAccess: { enabled: false } });
    expect(open.Statement).to.have.length(1);
    expect(open.Statement[0].Condition).to.equal(undefined);
  });

  it("measures policy size on minified JSON, as AWS counts it", () => {
    const document = policyDocument([{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k" }]);
    expect(policySize(document)).to.equal(JSON.stringify(document).length);
    expect(policySize(document)).to.be.lessThan(JSON.stringify(document, null, 2).length);
  });

  it("keeps both SCPs the same size whatever the number of environments", () => {
    const two = planMl(mlConfig());
    const many = planMl(
      mlConfig((c) => {
        for (let i = 0; i < 30; i++) {
          const account = String(500000000000 + i);
          c["modelshare:consumers"][`env${i}`] = { accountId: account, organizationalUnitIds: ["ou-ab12-qa000001"], applicationPrincipalArns: [`arn:aws:iam::${account}:role/app`] };
        }
      }),
    );
    expect(many.sharedRoles).to.have.length(32);
    expect(many.scps.map((s) => policySize(s.document))).to.deep.equal(two.scps.map((s) => policySize(s.document)));
  });

  it("counts SCPs per target with the ones already attached there", () => {
    const plan = planMl(mlConfig());
    const quotas = mlConfig().quotas;
    expect(checkMlBudgets(plan, quotas, {})).to.deep.equal([]);
    expect(checkMlBudgets(plan, quotas, { "111111111111": 4 })).to.deep.equal([]);
    const problems = checkMlBudgets(plan, quotas, { "111111111111": 5 });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.deep.include({ size: 6, limit: 5, unit: "attached SCPs", quotaKey: "scpsPerTarget" });
    expect(problems[0].subject).to.include("111111111111");
  });

  it("reports an inline policy over budget with its environment", () => {
    const quotas = { ...mlConfig().quotas, inlinePoliciesChars: 300 };
    const problems = checkMlBudgets(planMl(mlConfig()), quotas, {});
    expect(problems.map((p) => p.subject)).to.deep.equal([
      'shared role for environment "prod": inline policies together',
      'shared role for environment "qa": inline policies together',
    ]);
    expect(problems[0].size).to.be.greaterThan(300);
  });

  it("parses version and role ARNs, and says why one is refused", () => {
    const version = parseProjectVersionArn("arn:aws:rekognition:us-east-1:111111111111:project/p/version/p.2024/1716196364000");
    expect(version).to.deep.include({ projectName: "p", versionName: "p.2024", creationTimestamp: "1716196364000", accountId: "111111111111" });
    expect(parseProjectVersionArn("arn:aws:s3:::bucket")).to.be.a("string").and.include("service");
    expect(parseRoleArn("arn:aws:iam::111111111111:role/modelshare/modelshare-qa")).to.deep.include({ path: "/modelshare/", roleName: "modelshare-qa" });
    expect(parseRoleArn("arn:aws:iam::111111111111:user/alice")).to.be.a("string").and.include("role/[PATH/]NAME");
  });

  it("splits a VPC CIDR into aligned subnets and refuses one too small", () => {
    expect(subnetCidrs("10.20.0.0/16", 3)).to.deep.equal(["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"]);
    expect(subnetCidrs("10.20.5.0/24", 2)).to.deep.equal(["10.20.5.0/28", "10.20.5.16/28"]);
    expect(() => subnetCidrs("10.20.5.0/26", 2)).to.throw(/too small/);
  });
});
