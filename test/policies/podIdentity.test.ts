import { expect } from "chai";
import { applicationPolicy, stsEndpointPolicy } from "../../src/policies/consumer";
import { EKS_POD_IDENTITY_TAG_KEYS, sharedRoleTrustPolicy } from "../../src/policies/sharedRole";
import { attempt } from "./simulate";

const QA = "222222222222";
const APP = `arn:aws:iam::${QA}:role/modelshare/modelshare-qa-app`;
const SHARED = "arn:aws:iam::111111111111:role/modelshare/modelshare-qa";
const PARAMETERS = [`arn:aws:ssm:us-east-1:${QA}:parameter/modelshare/qa/region`];

/** The tags EKS Pod Identity puts on the application's session, all transitive. */
const podTags = Object.fromEntries(EKS_POD_IDENTITY_TAG_KEYS.map((key) => [key, `value-of-${key}`]));

/** The context of the chained AssumeRole from a Pod Identity session: its transitive tags travel with it. */
function chainedFromPod(tags: Record<string, string>): Record<string, string | string[]> {
  return {
    "aws:TagKeys": Object.keys(tags),
    ...Object.fromEntries(Object.entries(tags).flatMap(([key, value]) => [[`aws:RequestTag/${key}`, value], [`aws:PrincipalTag/${key}`, value]])),
  };
}

const trust = (eksPodIdentity: boolean) =>
  sharedRoleTrustPolicy({ partition: "aws", consumerAccountId: QA, organizationId: "o-a1b2c3d4e5", applicationPrincipalArns: [APP], eksPodIdentity });

async function decision(action: string, options: { eksPodIdentity: boolean; tags?: Record<string, string> }) {
  const tagSession = options.eksPodIdentity;
  const outcome = await attempt({
    roleArn: APP,
    action,
    resource: SHARED,
    resourceAccount: "111111111111",
    identity: [applicationPolicy({ sharedRoleArn: SHARED, parameterArns: PARAMETERS, tagSession })],
    trust: trust(options.eksPodIdentity),
    endpoint: stsEndpointPolicy({ sharedRoleArn: SHARED, consumerAccountId: QA, tagSession }),
    context: chainedFromPod(options.tags ?? podTags),
  });
  return outcome.decision;
}

describe("EKS Pod Identity reaches the shared role (issue 8, hole 4)", () => {
  it("allows the chained AssumeRole and its sts:TagSession through the trust, the application policy and the STS endpoint", async () => {
    expect(await decision("sts:AssumeRole", { eksPodIdentity: true })).to.equal("Allowed");
    expect(await decision("sts:TagSession", { eksPodIdentity: true })).to.equal("Allowed");
  });

  it("lets only Pod Identity's own tag keys through: a session that adds its own tags is refused", async () => {
    expect(await decision("sts:TagSession", { eksPodIdentity: true, tags: { ...podTags, team: "payments" } })).to.not.equal("Allowed");
  });

  it("is off by default: without it the trust admits no tagged session (least privilege)", async () => {
    expect(await decision("sts:TagSession", { eksPodIdentity: false })).to.not.equal("Allowed");
    expect(trust(false).Statement.flatMap((s) => [s.Action].flat())).to.deep.equal(["sts:AssumeRole"]);
    expect(JSON.stringify(applicationPolicy({ sharedRoleArn: SHARED, parameterArns: PARAMETERS }))).not.to.include("TagSession");
    expect(JSON.stringify(stsEndpointPolicy({ sharedRoleArn: SHARED, consumerAccountId: QA }))).not.to.include("TagSession");
  });
});
