import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { exampleConfig, parsedPolicy, publishMlOutputs, recorder, runProgram, withConfig } from "../helpers/pulumi";

/** The stacks' side of issue 8's holes: what the programs create and refuse, under Pulumi's mocks. */

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the program to fail");
}

const withPodIdentity = (c: Record<string, any>) => {
  c["modelshare:consumers"].prod.eksPodIdentity = true;
};
const prodOnEks = (c: Record<string, any>) => {
  c["modelshare:application"].trustedServices = ["pods.eks.amazonaws.com"];
};

describe("stacks against issue 8's red team", () => {
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
