import { expect } from "chai";
import { mlGuardrailPolicy, MlGuardrailInput } from "../../src/policies/guardrail";
import { policySize } from "../../src/policies/document";
import { ADMINISTRATOR, attempt } from "./simulate";

const ML = "111111111111";
const PIPELINE = `arn:aws:iam::${ML}:role/modelshare-pipeline`;
const BREAK_GLASS = `arn:aws:iam::${ML}:role/break-glass-admin`;
const IAM_ADMIN = `arn:aws:iam::${ML}:role/iam-admin`;
const ADMIN = `arn:aws:iam::${ML}:role/ml-account-administrator`;
const SHARED_VERSION = `arn:aws:rekognition:us-east-1:${ML}:project/defect-detector/version/defect-detector.v1/1716196364000`;
const NEW_PROJECT = `arn:aws:rekognition:us-east-1:${ML}:project/exfiltration/1716196364001`;

const input: MlGuardrailInput = {
  partition: "aws",
  region: "us-east-1",
  mlAccountId: ML,
  projectName: "defect-detector",
  exemptRoleArns: [PIPELINE, BREAK_GLASS],
  exemptRoleAdminArns: [IAM_ADMIN],
};

/** What an ML-account principal holding AdministratorAccess gets under the ML guardrail. */
async function decision(caller: string, action: string, resource: string, guardrail = mlGuardrailPolicy(input)) {
  return (await attempt({ roleArn: caller, action, resource, resourceAccount: ML, identity: [ADMINISTRATOR], scps: [guardrail] })).decision;
}

describe("ML guardrail: the roles it exempts, and export of the model (issue 8, holes 1 and 2)", () => {
  describe("hole 1: nobody but the configured IAM-admin roles may change an exempt role", () => {
    const changes = [
      "iam:UpdateAssumeRolePolicy",
      "iam:PutRolePolicy",
      "iam:AttachRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:DeleteRolePermissionsBoundary",
      "iam:DeleteRole",
      "iam:CreateRole",
      "iam:UpdateRole",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:PassRole",
    ];
    for (const target of [PIPELINE, BREAK_GLASS]) {
      it(`denies a non-exempt administrator every change to ${target.split("/").pop()}, including re-creating it and handing it to a service`, async () => {
        for (const action of changes) expect(await decision(ADMIN, action, target), action).to.equal("ExplicitlyDenied");
      });
    }

    it("denies the pipeline re-permissioning itself or a break-glass role (least privilege)", async () => {
      expect(await decision(PIPELINE, "iam:UpdateAssumeRolePolicy", PIPELINE)).to.equal("ExplicitlyDenied");
      expect(await decision(PIPELINE, "iam:PutRolePolicy", BREAK_GLASS)).to.equal("ExplicitlyDenied");
      expect(await decision(BREAK_GLASS, "iam:AttachRolePolicy", PIPELINE)).to.equal("ExplicitlyDenied");
    });

    it("lets the configured IAM-admin role change the exempt roles and itself, and protects it from everyone else", async () => {
      expect(await decision(IAM_ADMIN, "iam:UpdateAssumeRolePolicy", PIPELINE)).to.equal("Allowed");
      expect(await decision(IAM_ADMIN, "iam:PutRolePolicy", IAM_ADMIN)).to.equal("Allowed");
      expect(await decision(ADMIN, "iam:UpdateAssumeRolePolicy", IAM_ADMIN)).to.equal("ExplicitlyDenied");
      expect(await decision(PIPELINE, "iam:UpdateAssumeRolePolicy", IAM_ADMIN)).to.equal("ExplicitlyDenied");
    });

    it("without an IAM-admin role, denies every change to the exempt roles inside the ML account", async () => {
      const guardrail = mlGuardrailPolicy({ ...input, exemptRoleAdminArns: [] });
      for (const caller of [ADMIN, PIPELINE, BREAK_GLASS]) {
        expect(await decision(caller, "iam:UpdateAssumeRolePolicy", PIPELINE, guardrail), caller).to.equal("ExplicitlyDenied");
      }
    });

    it("keeps exempting the pipeline and break-glass roles from the model protection, and not the IAM admin", async () => {
      expect(await decision(PIPELINE, "rekognition:StopProjectVersion", SHARED_VERSION)).to.equal("Allowed");
      expect(await decision(BREAK_GLASS, "rekognition:StartProjectVersion", SHARED_VERSION)).to.equal("Allowed");
      expect(await decision(IAM_ADMIN, "rekognition:StartProjectVersion", SHARED_VERSION)).to.equal("ExplicitlyDenied");
      expect(await decision(ADMIN, "rekognition:StartProjectVersion", SHARED_VERSION)).to.equal("ExplicitlyDenied");
    });
  });

  describe("hole 2: no copy of a version and no project policy anywhere in the ML account, except by the exempt roles", () => {
    it("denies a non-exempt administrator CopyProjectVersion into a new project and a project policy on it", async () => {
      expect(await decision(ADMIN, "rekognition:CopyProjectVersion", NEW_PROJECT)).to.equal("ExplicitlyDenied");
      expect(await decision(ADMIN, "rekognition:CopyProjectVersion", SHARED_VERSION)).to.equal("ExplicitlyDenied");
      expect(await decision(ADMIN, "rekognition:PutProjectPolicy", NEW_PROJECT)).to.equal("ExplicitlyDenied");
      expect(await decision(ADMIN, "rekognition:DeleteProjectPolicy", NEW_PROJECT)).to.equal("ExplicitlyDenied");
    });

    it("leaves copying to the exempt roles", async () => {
      expect(await decision(BREAK_GLASS, "rekognition:CopyProjectVersion", NEW_PROJECT)).to.equal("Allowed");
    });
  });

  it("does not grow with anything but the exempt and admin roles", () => {
    const size = policySize(mlGuardrailPolicy(input));
    // Since the security review: also training and datasets, and the protected policies (a fixed ~400 characters).
    expect(size).to.be.lessThan(3000);
    const longer = "a-much-longer-project-name-than-before";
    expect(policySize(mlGuardrailPolicy({ ...input, projectName: longer }))).to.equal(size + longer.length - input.projectName.length);
  });
});
