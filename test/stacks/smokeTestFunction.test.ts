import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { exampleConfig, parsedPolicy, publishMlOutputs, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

const FUNCTION_ARN = "arn:aws:lambda:us-east-1:222222222222:function:modelshare-qa-smoke-test";

/** H1: the smoke test runs in the consumer account as a function the ML pipeline only invokes. */
describe("consumer stack: the smoke-test function (security review H1)", () => {
  it("creates the function in the endpoints' subnets, as the smoke-test role, reaching only the endpoints, invocable only by the pipeline role in the organization", async () => {
    await publishMlOutputs();
    const { outputs } = await runProgram(exampleConfig("qa"));
    const fn = recorder.byName("aws:lambda/function:Function", "qa-smoke-test-function");
    expect(fn.inputs).to.deep.include({ name: "modelshare-qa-smoke-test", runtime: "nodejs22.x", handler: "index.handler", role: "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-smoke-test" });
    expect(fn.parent).to.equal("modelshare:index:SmokeTestFunction::qa-smoke-test");
    const vpc = fn.inputs.vpcConfig as { subnetIds: string[]; securityGroupIds: string[] };
    const endpoint = recorder.resources.find((r) => r.inputs.serviceName === "com.amazonaws.us-east-1.rekognition")!;
    expect(vpc.subnetIds).to.deep.equal(endpoint.inputs.subnetIds);
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables).to.deep.equal({
      MODELSHARE_SHARED_ROLE_ARN: "arn:aws:iam::111111111111:role/modelshare/modelshare-qa",
      MODELSHARE_MODEL_REGION: "us-east-1",
      MODELSHARE_USE_FIPS_ENDPOINT: "false",
      MODELSHARE_ENVIRONMENT: "qa",
    });
    const fnSg = recorder.byName("aws:ec2/securityGroup:SecurityGroup", "qa-smoke-test-sg");
    expect(vpc.securityGroupIds).to.deep.equal([fnSg.id]);
    const endpointSg = recorder.byName("aws:ec2/securityGroup:SecurityGroup", "qa-endpoints-sg");
    expect(recorder.byName("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "qa-smoke-test-https-to-endpoints").inputs).to.deep.include({ securityGroupId: fnSg.id, fromPort: 443, toPort: 443, referencedSecurityGroupId: endpointSg.id });
    expect(recorder.byName("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "qa-smoke-test-https-from-function").inputs).to.deep.include({ securityGroupId: endpointSg.id, fromPort: 443, toPort: 443, referencedSecurityGroupId: fnSg.id });
    const permissions = recorder.ofType("aws:lambda/permission:Permission");
    expect(permissions).to.have.length(1);
    expect(permissions[0].inputs).to.deep.include({ function: "modelshare-qa-smoke-test", action: "lambda:InvokeFunction", principal: "arn:aws:iam::111111111111:role/modelshare-pipeline", principalOrgId: "o-a1b2c3d4e5" });
    expect(permissions[0].inputs).not.to.have.any.keys("sourceAccount", "sourceArn", "functionUrlAuthType");
    expect(recorder.byName("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "qa-smoke-test-AWSLambdaVPCAccessExecutionRole").inputs.policyArn).to.equal("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");
    expect(outputs.smokeTestFunctionArn).to.equal(FUNCTION_ARN);
    // The role the shared role trusts admits Lambda for this account's function only: no ML principal.
    expect(JSON.stringify(parsedPolicy(recorder.byName("aws:iam/role:Role", "qa-smoke-test-role"), "assumeRolePolicy"))).not.to.include("111111111111");
  });

  it("in direct mode (an explicit opt-in) creates no function, and the role trusts the pipeline role as before", async () => {
    await publishMlOutputs();
    await runProgram(withConfig(exampleConfig("qa"), (c) => (c["modelshare:smokeTest"].runner = "direct")));
    expect(recorder.ofType("aws:lambda/function:Function")).to.be.empty;
    expect(recorder.ofType("aws:lambda/permission:Permission")).to.be.empty;
    const trust = parsedPolicy(recorder.byName("aws:iam/role:Role", "qa-smoke-test-role"), "assumeRolePolicy");
    expect(trust.Statement[0].Condition.ArnEquals).to.deep.equal({ "aws:PrincipalArn": "arn:aws:iam::111111111111:role/modelshare-pipeline" });
  });

  it("refuses, before any resource, a function runner without the stack's own role, and a smoke-test role not named …-smoke-test", async () => {
    await publishMlOutputs();
    const error = await rejection(
      runProgram(
        withConfig(exampleConfig("qa"), (c) => {
          c["modelshare:smokeTest"].createRole = false;
        }),
      ),
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.include('modelshare:smokeTest.createRole = false: must be true with smokeTest.runner "function"');
    const named = await rejection(runProgram(withConfig(exampleConfig("qa"), (c) => (c["modelshare:smokeTest"].principalRoleArn = "arn:aws:iam::222222222222:role/modelshare/qa-verifier"))));
    expect(named.message).to.include('names role "qa-verifier"; a smoke-test role this stack creates must be named <name>-smoke-test');
    expect(recorder.resources.filter((r) => r.type.startsWith("aws:lambda") || r.type === "aws:iam/role:Role")).to.be.empty;
  });
});
