import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { exampleConfig, parsedPolicy, publishMlOutputs, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

const QA_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const PROD_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000";
const ACCOUNTS = { qa: "222222222222", prod: "333333333333" } as const;
const VERSIONS = { qa: QA_VERSION, prod: PROD_VERSION } as const;
const CIDRS = { qa: "10.20.0.0/16", prod: "10.30.0.0/16" } as const;

describe("consumer stack program", () => {
  before(async () => {
    await publishMlOutputs();
  });

  for (const env of ["qa", "prod"] as const) {
    describe(`for ${env}`, () => {
      let outputs: Record<string, any>;
      const sharedRoleArn = `arn:aws:iam::111111111111:role/modelshare/modelshare-${env}`;
      const otherEnv = env === "qa" ? "prod" : "qa";
      before(async () => {
        ({ outputs } = await runProgram(exampleConfig(env)));
      });

      it("reads the ML stack by its configured name and sends every AWS resource to its own account", () => {
        const reference = recorder.ofType("pulumi:pulumi:StackReference");
        expect(reference.map((r) => r.inputs.name)).to.deep.equal(["organization/modelshare/ml"]);
        const awsResources = recorder.resources.filter((r) => r.type.startsWith("aws:"));
        expect(awsResources).not.to.be.empty;
        for (const resource of awsResources) {
          expect(resource.provider, `${resource.type} ${resource.name}`).to.equal(`${env}-account`);
          expect(resource.account, `${resource.type} ${resource.name}`).to.equal(ACCOUNTS[env]);
        }
        const provider = recorder.byName("pulumi:providers:aws", `${env}-account`);
        expect(JSON.parse(provider.inputs.allowedAccountIds as string)).to.deep.equal([ACCOUNTS[env]]);
      });

      it("creates private Rekognition, STS and SSM interface endpoints with private DNS in a DNS-enabled VPC", () => {
        const endpoints = recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => /\.(rekognition|sts|ssm)$/.test(String(e.inputs.serviceName)));
        expect(endpoints.map((e) => e.inputs.serviceName).sort()).to.deep.equal([
          "com.amazonaws.us-east-1.rekognition",
          "com.amazonaws.us-east-1.ssm",
          "com.amazonaws.us-east-1.sts",
        ]);
        for (const endpoint of endpoints) {
          expect(endpoint.inputs).to.include({ vpcEndpointType: "Interface", privateDnsEnabled: true });
          expect(endpoint.inputs.subnetIds).to.have.length(2);
          expect(endpoint.parent).to.equal(`modelshare:index:PrivateRekognitionEndpoint::${env}-endpoints`);
        }
        const vpc = recorder.byName("aws:ec2/vpc:Vpc", `${env}-endpoints-vpc`);
        expect(vpc.inputs).to.include({ cidrBlock: CIDRS[env], enableDnsSupport: true, enableDnsHostnames: true });
      });

      it("admits only HTTPS from the configured CIDR to the endpoints", () => {
        const endpointRules = (type: string) => recorder.ofType(type).filter((r) => r.parent === `modelshare:index:PrivateRekognitionEndpoint::${env}-endpoints`);
        const rules = endpointRules("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        expect(rules).to.have.length(1);
        expect(rules[0].inputs).to.include({ ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: CIDRS[env] });
        expect(endpointRules("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")).to.be.empty;
      });

      it("lets the Rekognition endpoint carry only the shared role's calls on this environment's granted versions", () => {
        const endpoint = recorder.resources.find((r) => r.inputs.serviceName === "com.amazonaws.us-east-1.rekognition");
        const policy = parsedPolicy(endpoint!);
        expect(policy.Statement).to.have.length(1);
        expect(policy.Statement[0]).to.deep.include({ Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: [VERSIONS[env]] });
        expect(policy.Statement[0].Condition).to.deep.equal({ ArnEquals: { "aws:PrincipalArn": sharedRoleArn } });
        expect(JSON.stringify(policy)).not.to.include(VERSIONS[otherEnv]);
      });

      it("lets the STS endpoint carry only this account's AssumeRole on this environment's shared role", () => {
        const endpoint = recorder.resources.find((r) => r.inputs.serviceName === "com.amazonaws.us-east-1.sts");
        const policy = parsedPolicy(endpoint!);
        expect(policy.Statement).to.deep.equal([
          { Sid: "AssumeSharedRoleOnly", Effect: "Allow", Principal: "*", Action: "sts:AssumeRole", Resource: sharedRoleArn, Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNTS[env] } } },
        ]);
      });

      it("gives the application role only AssumeRole on its own shared role and reads of its own parameters", () => {
        const role = recorder.byName("aws:iam/role:Role", `${env}-app-role`);
        expect(role.inputs.name).to.equal(`modelshare-${env}-app`);
        expect(parsedPolicy(role, "assumeRolePolicy").Statement[0].Principal).to.deep.equal({ Service: ["ecs-tasks.amazonaws.com"] });
        const policy = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", `${env}-app-model-access`));
        const assume = policy.Statement.find((s: any) => s.Action === "sts:AssumeRole");
        expect(assume.Resource).to.equal(sharedRoleArn);
        const read = policy.Statement.find((s: any) => s.Sid === "ReadModelParameters");
        expect(read.Resource).to.deep.equal(
          ["model-version-arn", "region", "shared-role-arn", "use-fips-endpoint"].map((p) => `arn:aws:ssm:us-east-1:${ACCOUNTS[env]}:parameter/modelshare/${env}/${p}`),
        );
        expect(JSON.stringify(policy)).not.to.include("*");
      });

      it("lets the SSM endpoint carry only reads of this environment's parameters, the FIPS choice included", () => {
        const endpoint = recorder.resources.find((r) => r.inputs.serviceName === "com.amazonaws.us-east-1.ssm");
        const [statement] = parsedPolicy(endpoint!).Statement;
        expect(statement.Action).to.deep.equal(["ssm:GetParameter", "ssm:GetParameters"]);
        expect(statement.Resource).to.deep.equal(
          ["model-version-arn", "region", "shared-role-arn", "use-fips-endpoint"].map((p) => `arn:aws:ssm:us-east-1:${ACCOUNTS[env]}:parameter/modelshare/${env}/${p}`),
        );
      });

      it("writes the environment's configuration store under /modelshare/<env>/", () => {
        const parameters = Object.fromEntries(recorder.ofType("aws:ssm/parameter:Parameter").map((p) => [p.inputs.name, p.inputs.value]));
        expect(parameters).to.deep.equal({
          [`/modelshare/${env}/model-version-arn`]: VERSIONS[env],
          [`/modelshare/${env}/shared-role-arn`]: sharedRoleArn,
          [`/modelshare/${env}/region`]: "us-east-1",
          [`/modelshare/${env}/use-fips-endpoint`]: "false",
        });
        expect(outputs.sharedRoleArn).to.equal(sharedRoleArn);
        expect(outputs.vpcEndpointIds.rekognition).to.match(/^vpce-[0-9a-f]{17}$/);
      });
    });
  }

  it("on FIPS, uses the rekognition-fips endpoint service and tells applications so under /modelshare/<env>/", async () => {
    const { outputs } = await runProgram(withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].fips = true)));
    const services = recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs.serviceName);
    expect(services).to.include("com.amazonaws.us-east-1.rekognition-fips").and.not.to.include("com.amazonaws.us-east-1.rekognition");
    const fips = recorder.ofType("aws:ssm/parameter:Parameter").find((p) => p.inputs.name === "/modelshare/qa/use-fips-endpoint");
    expect(fips?.inputs.value).to.equal("true");
    expect(outputs.optionalParameterNames).to.deep.equal({ useFipsEndpoint: "/modelshare/qa/use-fips-endpoint" });
  });

  it("uses an existing VPC and subnets, and an existing application role, when configured", async () => {
    // An existing role keeps its own path; the ML stack must trust that ARN (guardrail off: it protects only /modelshare/).
    await publishMlOutputs(
      withConfig(exampleConfig("ml"), (c) => {
        c["modelshare:consumers"].qa.applicationPrincipalArns.push("arn:aws:iam::222222222222:role/modelshare-qa-app");
        c["modelshare:guardrail"] = { enabled: false };
      }),
    );
    const config = withConfig(exampleConfig("qa"), (c) => {
      c["modelshare:network"] = { vpcId: "vpc-0a1b2c3d4e5f60718", subnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-1a1b2c3d4e5f60718"], allowedSecurityGroupIds: ["sg-0a1b2c3d4e5f60718"] };
      c["modelshare:application"] = { existingRoleName: "modelshare-qa-app" };
    });
    await runProgram(config);
    expect(recorder.ofType("aws:ec2/vpc:Vpc")).to.be.empty;
    expect(recorder.ofType("aws:iam/role:Role").map((r) => r.name)).to.deep.equal(["qa-smoke-test-role"]); // no application role: it exists
    const endpoint = recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")[0];
    expect(endpoint.inputs.vpcId).to.equal("vpc-0a1b2c3d4e5f60718");
    const rule = recorder.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")[0];
    expect(rule.inputs).to.include({ referencedSecurityGroupId: "sg-0a1b2c3d4e5f60718", fromPort: 443, toPort: 443 });
    expect(recorder.byName("aws:iam/rolePolicy:RolePolicy", "qa-app-model-access").inputs.role).to.equal("modelshare-qa-app");
    await publishMlOutputs();
  });

  it("refuses an existing VPC without the DNS attributes private DNS needs, before creating any endpoint", async () => {
    const vpcId = "vpc-0fedcba987654321f";
    recorder.vpcAttributes.set(vpcId, { enableDnsSupport: true, enableDnsHostnames: false });
    try {
      const config = withConfig(exampleConfig("qa"), (c) => {
        c["modelshare:network"] = { vpcId, subnetIds: ["subnet-0a1b2c3d4e5f60718"], allowedCidrs: ["10.20.0.0/16"] };
      });
      const error = await rejection(runProgram(config));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include(`modelshare:network.vpcId = "${vpcId}": has enableDnsHostnames off`);
      expect(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).to.be.empty;
    } finally {
      recorder.vpcAttributes.delete(vpcId);
    }
  });

  it("fails with the environments the ML stack defines when it has no role for this one, registering nothing else", async () => {
    const config = withConfig(exampleConfig("qa"), (c) => {
      c["modelshare:environment"] = "staging";
    });
    const error = await rejection(runProgram(config));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.include('modelshare:environment = "staging"');
    expect(error.message).to.include("it defines: prod, qa");
    expect(recorder.resources.map((r) => r.type)).to.deep.equal(["pulumi:pulumi:StackReference"]);
  });

  it("fails when the configured version is not granted to the environment, naming what is granted", async () => {
    const config = withConfig(exampleConfig("prod"), (c) => {
      c["modelshare:modelVersionArn"] = QA_VERSION;
    });
    const error = await rejection(runProgram(config));
    expect(error.message).to.include("modelshare:modelVersionArn");
    expect(error.message).to.include(`is not granted to "prod" by the ML stack; granted: ${PROD_VERSION}`);
  });

  it("fails when its application role is not one the shared role trusts", async () => {
    const config = withConfig(exampleConfig("qa"), (c) => {
      c["modelshare:application"] = { roleName: "some-other-app" };
    });
    const error = await rejection(runProgram(config));
    expect(error.message).to.include('modelshare:application.roleName = "arn:aws:iam::222222222222:role/modelshare/some-other-app"');
  });

  it("reads ML outputs that are secrets (getOutputDetails returns them as secretValue, not value)", async () => {
    for (const name of ["sharedRoleArns", "grantedVersions", "region"]) recorder.secretStackOutputs.add(name);
    try {
      await runProgram(exampleConfig("qa"));
      const parameters = Object.fromEntries(recorder.ofType("aws:ssm/parameter:Parameter").map((p) => [p.inputs.name, p.inputs.value]));
      expect(parameters["/modelshare/qa/shared-role-arn"]).to.equal("arn:aws:iam::111111111111:role/modelshare/modelshare-qa");
      expect(parameters["/modelshare/qa/region"]).to.equal("us-east-1");
    } finally {
      recorder.secretStackOutputs.clear();
    }
  });

  it("fails clearly when the ML stack it names has not been deployed", async () => {
    const config = withConfig(exampleConfig("qa"), (c) => {
      c["modelshare:mlStack"] = "organization/modelshare/ml-eu";
    });
    const error = await rejection(runProgram(config));
    expect(error.message).to.include("ml-eu");
  });
});
