import { expect } from "chai";
import { parsedPolicy, recorder, runProgram, withConfig } from "../helpers/pulumi";
import { copyExample } from "./helpers";

const STAGING = "555555555555";
const COPY = `arn:aws:rekognition:us-east-1:${STAGING}:project/defect-detector-staging/version/defect-detector.2024-09-02T14.30.05/1727000000000`;

async function publishCopyMl(): Promise<void> {
  const { outputs } = await runProgram(copyExample("ml"));
  recorder.stackOutputs.set("organization/modelshare/ml", outputs);
}

/** Copy mode (issue 14): the smoke-test function verifies the environment's own copy, as the smoke-test role itself. */
describe("copy mode: the smoke-test function (issue 14)", () => {
  it("is created in a copy environment: copy mode in its environment, no shared role, invocable by the pipeline only", async () => {
    await publishCopyMl();
    const { outputs } = await runProgram(copyExample("staging"));
    const fn = recorder.byName("aws:lambda/function:Function", "staging-smoke-test-function");
    expect(fn.inputs).to.deep.include({ name: "modelshare-staging-smoke-test", role: `arn:aws:iam::${STAGING}:role/modelshare/modelshare-staging-smoke-test` });
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables).to.deep.equal({
      MODELSHARE_SHARING: "copy",
      MODELSHARE_MODEL_REGION: "us-east-1",
      MODELSHARE_USE_FIPS_ENDPOINT: "false",
      MODELSHARE_ENVIRONMENT: "staging",
    });
    expect(outputs.smokeTestFunctionArn).to.equal(`arn:aws:lambda:us-east-1:${STAGING}:function:modelshare-staging-smoke-test`);
    const permissions = recorder.ofType("aws:lambda/permission:Permission");
    expect(permissions.map((p) => p.inputs)).to.deep.equal([
      { function: "modelshare-staging-smoke-test", statementId: "InvokeFromMlPipeline", action: "lambda:InvokeFunction", principal: "arn:aws:iam::111111111111:role/modelshare-pipeline", principalOrgId: "o-a1b2c3d4e5" },
    ]);
  });

  it("runs as a role that may call exactly the listed copies (no AssumeRole, no ML-account version) and that only Lambda, for this function, may assume", async () => {
    await publishCopyMl();
    await runProgram(copyExample("staging"));
    const policy = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", "staging-smoke-test-assume-shared-role"));
    expect(policy.Statement).to.deep.equal([{ Sid: "DetectWithOwnCopies", Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: [COPY] }]);
    const trust = parsedPolicy(recorder.byName("aws:iam/role:Role", "staging-smoke-test-role"), "assumeRolePolicy");
    expect(JSON.stringify(trust)).to.include("lambda.amazonaws.com").and.include("modelshare-staging-smoke-test").and.not.include("111111111111");
  });

  it("before the first copy: the function exists and its role may call nothing", async () => {
    await publishCopyMl();
    await runProgram(withConfig(copyExample("staging"), (c) => (c["modelshare:copy"].versions = [])));
    expect(recorder.ofType("aws:lambda/function:Function").map((f) => f.inputs.name)).to.deep.equal(["modelshare-staging-smoke-test"]);
    const policy = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", "staging-smoke-test-assume-shared-role"));
    expect(policy.Statement).to.deep.equal([{ Sid: "NothingCopiedYet", Effect: "Deny", Action: "*", Resource: "*" }]);
  });

  it("a share environment of the same project keeps its function's environment as before (shared role, no mode variable)", async () => {
    await publishCopyMl();
    await runProgram(copyExample("qa"));
    const variables = (recorder.byName("aws:lambda/function:Function", "qa-smoke-test-function").inputs.environment as { variables: Record<string, string> }).variables;
    expect(variables).to.have.property("MODELSHARE_SHARED_ROLE_ARN").that.matches(/:role\/modelshare\/modelshare-qa$/);
    expect(variables).not.to.have.property("MODELSHARE_SHARING");
  });
});
