import { expect } from "chai";
import { providerConfig } from "../../tools/aws-standin/aws";
import { changedKeys, checkInputs, DEFAULTS_KEY, planDiff, UNKNOWN } from "../../tools/aws-standin/diff";
import { RESOURCES } from "../../tools/aws-standin/registry";
import { ResourceType } from "../../tools/aws-standin/types";

// The stand-in provider's own decisions (tools/aws-standin): what it replaces, what it names, which config it
// honours. Its AWS calls are exercised by the engine lane against the emulator.
describe("stand-in aws provider: diffs, names and configuration", () => {
  const role = RESOURCES["aws:iam/role:Role"];
  const urn = "urn:pulumi:qa::modelshare::modelshare:index:PrivateRekognitionEndpoint$aws:ec2/securityGroup:SecurityGroup::qa-endpoints-sg";

  it("updates a role's policy in place but replaces it, deleting first, when its name or path changes", () => {
    const old = { name: "modelshare-qa", path: "/modelshare/", assumeRolePolicy: "{}" };
    expect(planDiff(role, old, { ...old, assumeRolePolicy: '{"Statement":[]}' })).to.deep.equal({ diffs: ["assumeRolePolicy"], replaces: [], deleteBeforeReplace: false });
    expect(planDiff(role, old, { ...old, path: "/other/" })).to.deep.equal({ diffs: ["path"], replaces: ["path"], deleteBeforeReplace: true });
  });

  it("replaces a type without update on any change, and sees no change in key order or absent values", () => {
    const attachment = RESOURCES["aws:organizations/policyAttachment:PolicyAttachment"];
    expect(planDiff(attachment, { policyId: "p-1", targetId: "ou-1" }, { policyId: "p-1", targetId: "ou-2" }).replaces).to.deep.equal(["targetId"]);
    expect(changedKeys({ tags: { a: "1", b: "2" }, description: undefined }, { tags: { b: "2", a: "1" } })).to.deep.equal([]);
  });

  it("updates a model alarm in place (PutMetricAlarm overwrites it) and replaces it, deleting first, when its name changes", () => {
    const alarm = RESOURCES["aws:cloudwatch/metricAlarm:MetricAlarm"];
    const old = { name: "modelshare-model-v1-throttled", threshold: 0, alarmActions: ["arn:aws:sns:us-east-1:111111111111:t"] };
    expect(planDiff(alarm, old, { ...old, threshold: 5 })).to.deep.equal({ diffs: ["threshold"], replaces: [], deleteBeforeReplace: false });
    expect(planDiff(alarm, old, { ...old, name: "modelshare-model-v2-throttled" })).to.deep.equal({ diffs: ["name"], replaces: ["name"], deleteBeforeReplace: true });
  });

  it("counts a value not known yet (preview) as a change, and so as a replacement of a replaceOn property", () => {
    const endpoint = RESOURCES["aws:ec2/vpcEndpoint:VpcEndpoint"];
    expect(planDiff(endpoint, { vpcId: "vpc-1", policy: "{}" }, { vpcId: UNKNOWN, policy: "{}" }).replaces).to.deep.equal(["vpcId"]);
  });

  it("autonames a resource the program did not name, keeps that name on later updates, and leaves given names alone", () => {
    const group: ResourceType = RESOURCES["aws:ec2/securityGroup:SecurityGroup"];
    const first = checkInputs(group, urn, {}, { description: "d" }, () => "abc1234");
    expect(first).to.deep.equal({ description: "d", name: "qa-endpoints-sg-abc1234", [DEFAULTS_KEY]: ["name"] });
    expect(checkInputs(group, urn, first, { description: "e" }, () => "zzzzzzz").name).to.equal("qa-endpoints-sg-abc1234");
    expect(checkInputs(group, urn, first, { description: "e", name: "given" }, () => "zzzzzzz")).to.deep.equal({ description: "e", name: "given" });
  });

  it("honours the provider's region, assumeRoles and allowedAccountIds, and refuses a provider without a region", () => {
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(
        providerConfig({ region: "us-east-1", assumeRoles: JSON.stringify([{ roleArn: "arn:aws:iam::222222222222:role/deploy", sessionName: "s" }]), allowedAccountIds: ["222222222222"] }),
      ).to.deep.equal({ region: "us-east-1", assumeRoles: [{ roleArn: "arn:aws:iam::222222222222:role/deploy", sessionName: "s", externalId: undefined }], allowedAccountIds: ["222222222222"], forbiddenAccountIds: [] });
      expect(() => providerConfig({})).to.throw(/needs a region/);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
    }
  });
});
