import { expect } from "chai";
import { mlOutputsFor } from "../../src/config/crossStack";

const ML_OUTPUTS = {
  mlAccountId: "111111111111",
  region: "us-east-1",
  organizationId: "o-a1b2c3d4e5",
  projectArn: "arn:aws:rekognition:us-east-1:111111111111:project/p/1714387200000",
  sharedRoleArns: { qa: "arn:aws:iam::111111111111:role/modelshare/modelshare-qa", prod: "arn:aws:iam::111111111111:role/modelshare/modelshare-prod" },
  grantedVersions: { qa: ["v-qa"], prod: ["v-prod"] },
  trustedPrincipalArns: { qa: ["arn:aws:iam::222222222222:role/app"], prod: ["arn:aws:iam::333333333333:role/app"] },
  privateOnly: { qa: true, prod: false },
  eksPodIdentity: { qa: false, prod: true },
};

describe("the ML outputs a consumer is served offline", () => {
  it("keeps only the environment's own entry of each per-environment map, and every other output", () => {
    expect(mlOutputsFor("qa", ML_OUTPUTS)).to.deep.equal({
      ...ML_OUTPUTS,
      sharedRoleArns: { qa: ML_OUTPUTS.sharedRoleArns.qa },
      grantedVersions: { qa: ["v-qa"] },
      trustedPrincipalArns: { qa: ["arn:aws:iam::222222222222:role/app"] },
      privateOnly: { qa: true },
      eksPodIdentity: { qa: false },
    });
  });

  it("keeps the maps whole for an environment the ML stack does not define, so the error can list them", () => {
    expect(mlOutputsFor("staging", ML_OUTPUTS)).to.deep.equal(ML_OUTPUTS);
  });
});
