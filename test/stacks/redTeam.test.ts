import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { exampleConfig, parsedPolicy, publishMlOutputs, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

/** The stacks' side of issue 8's holes: what the programs create and refuse, under Pulumi's mocks. */

const withPodIdentity = (c: Record<string, any>) => {
  c["modelshare:consumers"].prod.eksPodIdentity = true;
};
const prodOnEks = (c: Record<string, any>) => {
  c["modelshare:application"].trustedServices = ["pods.eks.amazonaws.com"];
};

describe("stacks against issue 8's red team", () => {
  describe("hole 3: every principal the shared role trusts is owned by the consumer stack and protected", () => {
    it("creates the application role and the smoke-test role under /modelshare/; the smoke-test role trusts only Lambda, for its own function", async () => {
      await publishMlOutputs();
      const { outputs } = await runProgram(exampleConfig("qa"));
      expect(recorder.byName("aws:iam/role:Role", "qa-app-role").inputs).to.include({ name: "modelshare-qa-app", path: "/modelshare/" });
      expect(outputs.applicationRoleArn).to.equal("arn:aws:iam::222222222222:role/modelshare/modelshare-qa-app");
      const smoke = recorder.byName("aws:iam/role:Role", "qa-smoke-test-role");
      expect(smoke.inputs).to.include({ name: "modelshare-qa-smoke-test", path: "/modelshare/" });
      expect(smoke.parent).to.equal("modelshare:index:SmokeTestRole::qa-smoke-test");
      expect(parsedPolicy(smoke, "assumeRolePolicy").Statement).to.deep.equal([
        {
          Sid: "RunSmokeTestFunction",
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "222222222222" }, ArnLikeIfExists: { "aws:SourceArn": "arn:aws:lambda:us-east-1:222222222222:function:modelshare-qa-smoke-test" } },
        },
      ]);
      expect(parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", "qa-smoke-test-assume-shared-role")).Statement).to.deep.equal([
        { Sid: "AssumeSharedModelRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111111111:role/modelshare/modelshare-qa" },
      ]);
    });

    it("lets the consumer guardrail protect /modelshare/ roles in every consumer account, changed only by the deploy role", async () => {
      await runProgram(exampleConfig("ml"));
      const scp = parsedPolicy(recorder.byName("aws:organizations/policy:Policy", "modelshare-consumer-guardrail-policy"), "content");
      const bySid = Object.fromEntries(scp.Statement.map((s: any) => [s.Sid, s]));
      expect(bySid.ProtectTrustedRoles.Resource).to.deep.equal(["arn:aws:iam::*:role/modelshare/*"]);
      expect(bySid.ProtectTrustedRoles.Condition).to.deep.equal({ ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/modelshare-deploy"] } });
      expect(bySid.ProtectDeployRoles.Resource).to.deep.equal(["arn:aws:iam::*:role/modelshare-deploy"]);
      expect(bySid.ProtectDeployRoles.Condition).to.equal(undefined);
    });

    it("refuses a smoke-test role outside /modelshare/ or not trusted by the ML stack, and a deploy role the guardrail does not name", async () => {
      await publishMlOutputs();
      const error = await rejection(
        runProgram(
          withConfig(exampleConfig("qa"), (c) => {
            c["modelshare:smokeTest"].principalRoleArn = "arn:aws:iam::222222222222:role/x-smoke-test";
            c["modelshare:deployRoleArn"] = "arn:aws:iam::222222222222:role/someone-else";
          }),
        ),
      );
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include('modelshare:smokeTest.principalRoleArn = "arn:aws:iam::222222222222:role/x-smoke-test": must be a role of this account (222222222222) under /modelshare/');
      expect(error.message).to.include('is not trusted by the shared role of "qa"');
      expect(error.message).to.include('modelshare:deployRoleArn = "arn:aws:iam::222222222222:role/someone-else": is not one of the deploy roles');
      expect(recorder.resources.map((r) => r.type)).to.deep.equal(["pulumi:pulumi:StackReference"]);
    });
  });

  describe("hole 4: EKS Pod Identity", () => {
    it("lets the shared role's trust allow sts:TagSession only for the environment configured for it", async () => {
      await runProgram(withConfig(exampleConfig("ml"), withPodIdentity));
      const prod = parsedPolicy(recorder.byName("aws:iam/role:Role", "shared-prod-role"), "assumeRolePolicy");
      const tagSession = prod.Statement.find((s: any) => s.Action === "sts:TagSession");
      expect(tagSession.Condition["ForAllValues:StringEquals"]["aws:TagKeys"]).to.include("kubernetes-namespace");
      expect(tagSession.Condition.StringEquals["aws:PrincipalOrgID"]).to.equal("o-a1b2c3d4e5");
      const qa = parsedPolicy(recorder.byName("aws:iam/role:Role", "shared-qa-role"), "assumeRolePolicy");
      expect(JSON.stringify(qa)).not.to.include("TagSession");
    });

    it("gives a consumer on Pod Identity TagSession in its application policy and its STS endpoint policy", async () => {
      await publishMlOutputs(withConfig(exampleConfig("ml"), withPodIdentity));
      await runProgram(withConfig(exampleConfig("prod"), prodOnEks));
      const app = parsedPolicy(recorder.byName("aws:iam/rolePolicy:RolePolicy", "prod-app-model-access"));
      expect(app.Statement.find((s: any) => s.Sid === "AssumeSharedModelRole").Action).to.deep.equal(["sts:AssumeRole", "sts:TagSession"]);
      const sts = recorder.resources.find((r) => r.inputs.serviceName === "com.amazonaws.us-east-1.sts")!;
      expect(parsedPolicy(sts).Statement[0].Action).to.deep.equal(["sts:AssumeRole", "sts:TagSession"]);
    });

    it("refuses a consumer on Pod Identity whose shared role does not allow TagSession, naming both keys, before creating anything", async () => {
      await publishMlOutputs();
      const error = await rejection(runProgram(withConfig(exampleConfig("prod"), prodOnEks)));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include("modelshare:application.trustedServices");
      expect(error.message).to.include("modelshare:consumers.prod.eksPodIdentity: true");
      expect(recorder.resources.map((r) => r.type)).to.deep.equal(["pulumi:pulumi:StackReference"]);
    });
  });
});
