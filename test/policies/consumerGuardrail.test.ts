import { expect } from "chai";
import { consumerGuardrailPolicy } from "../../src/policies/guardrail";
import { policySize } from "../../src/policies/document";
import { ADMINISTRATOR, attempt } from "./simulate";

const QA = "222222222222";
const APP = `arn:aws:iam::${QA}:role/modelshare/modelshare-qa-app`;
const SMOKE_TEST = `arn:aws:iam::${QA}:role/modelshare/modelshare-qa-smoke-test`;
const DEPLOY = `arn:aws:iam::${QA}:role/modelshare-deploy`;
const ADMIN = `arn:aws:iam::${QA}:role/administrator`;
const guardrail = consumerGuardrailPolicy({ partition: "aws", deployRoleNames: ["modelshare-deploy"] });

async function decision(caller: string, action: string, resource: string, scp = guardrail) {
  return (await attempt({ roleArn: caller, action, resource, resourceAccount: QA, identity: [ADMINISTRATOR], scps: [scp] })).decision;
}

const TAKEOVER = ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole", "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:UntagRole"];

describe("consumer guardrail: the names the shared roles trust (issue 8, hole 3)", () => {
  for (const trusted of [APP, SMOKE_TEST]) {
    it(`denies a consumer administrator every takeover of ${trusted.split("/").pop()}, including re-creating it`, async () => {
      for (const action of TAKEOVER) expect(await decision(ADMIN, action, trusted), action).to.equal("ExplicitlyDenied");
    });
  }

  it("denies creating any role under /modelshare/, so a trusted name that does not exist yet cannot be claimed", async () => {
    expect(await decision(ADMIN, "iam:CreateRole", `arn:aws:iam::${QA}:role/modelshare/modelshare-staging-app`)).to.equal("ExplicitlyDenied");
  });

  it("lets the deploy role manage the roles under /modelshare/, and nobody in the account change the deploy role itself", async () => {
    expect(await decision(DEPLOY, "iam:UpdateAssumeRolePolicy", APP)).to.equal("Allowed");
    expect(await decision(DEPLOY, "iam:CreateRole", SMOKE_TEST)).to.equal("Allowed");
    for (const caller of [ADMIN, DEPLOY]) {
      for (const action of [...TAKEOVER, "iam:PassRole"]) expect(await decision(caller, action, DEPLOY), `${caller} ${action}`).to.equal("ExplicitlyDenied");
    }
  });

  it("leaves the account's other roles alone", async () => {
    expect(await decision(ADMIN, "iam:UpdateAssumeRolePolicy", `arn:aws:iam::${QA}:role/other-workload`)).to.equal("Allowed");
  });

  it("keeps denying model management, and stays one size whatever the number of environments", async () => {
    expect(await decision(ADMIN, "rekognition:CopyProjectVersion", `arn:aws:rekognition:us-east-1:${QA}:project/copy/1716196364001`)).to.equal("ExplicitlyDenied");
    // The smoke-test function and role statements (H1) added ~600 characters, the /modelshare/ parameters and the
    // protected policies (security review M3, M4) ~700; still well under the 5,120 of an SCP.
    expect(policySize(guardrail)).to.be.lessThan(3200);
  });
});
