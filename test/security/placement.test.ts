import { expect } from "chai";
import { organizationPlacementProblems, declaredOrganization } from "../../src/config/placement";
import { rawConfigFromFlat } from "../../src/config/raw";
import { MlConfig, parseMlConfig } from "../../src/config/schema";
import { ConfigError } from "../../src/config/problems";
import { scpLevels } from "../../src/matrix/callers";
import { topologyOf } from "../../src/matrix/topology";
import { installMocks } from "../../src/synth/mocks";
import { problemsOf } from "../helpers/config";
import { exampleConfig, rejection, recorder, runProgram, withConfig } from "../helpers/pulumi";
import { exampleStacks } from "../matrix/helpers";

/**
 * Security review M1 (a guarded account that is the organization's management account, which SCPs never restrict)
 * and M2 (guardrail placement by OU, assumed and never checked), offline and at deploy time.
 */

const ML = (edit: (c: Record<string, any>) => void = () => {}) => withConfig(exampleConfig("ml"), edit);
const parsed = (edit: (c: Record<string, any>) => void = () => {}): MlConfig => parseMlConfig(rawConfigFromFlat(ML(edit)), "Pulumi.ml.yaml");

describe("security review M1: the management account is never a guarded account", () => {
  // exampleStacks (when it synthesizes) installs a recorder of its own: the program runs below need the shared one back.
  after(async () => installMocks(recorder, "modelshare", "test"));

  it("refuses (exit 2, naming the key) an ML account, a consumer account or a target account that is guardrail.managementRoleArn's account", () => {
    const asMl = problemsOf(ML((c) => (c["modelshare:guardrail"].managementRoleArn = "arn:aws:iam::111111111111:role/modelshare-scp-admin")));
    expect(asMl.join("\n")).to.include("modelshare:mlAccountId").and.to.include("management account");
    const asConsumer = problemsOf(ML((c) => (c["modelshare:guardrail"].managementRoleArn = "arn:aws:iam::333333333333:role/modelshare-scp-admin")));
    expect(asConsumer.join("\n")).to.include("modelshare:consumers.prod.accountId").and.to.include("SCPs never restrict");
    const asTarget = problemsOf(
      ML((c) => {
        c["modelshare:guardrail"].consumerTargetIds.push("999999999999");
      }),
    );
    expect(asTarget.join("\n")).to.include("modelshare:guardrail.consumerTargetIds[2]");
  });

  it("refuses at deploy time when Organizations names another management account than the config implies", () => {
    const config = parsed();
    const organization = { ...declaredOrganization(config), managementAccountId: "222222222222" };
    const problems = organizationPlacementProblems(config, organization);
    expect(problems.map((p) => p.key)).to.deep.equal(["modelshare:consumers.qa.accountId"]);
    expect(problems[0].message).to.include("Organizations DescribeOrganization");
  });

  it("gives a management-account principal no SCP levels in the matrix (the simulator then applies none)", async () => {
    const stacks = await exampleStacks();
    const topology = topologyOf(stacks);
    expect(scpLevels(topology, "111111111111", "ml").length).to.be.greaterThan(0);
    const asManagement = topologyOf(stacks.map((s) => (s.config.stackKind === "ml" ? { ...s, config: { ...(s.config as MlConfig), guardrail: { ...(s.config as MlConfig).guardrail, managementRoleArn: "arn:aws:iam::111111111111:role/x" } } } : s)));
    expect(scpLevels(asManagement, "111111111111", "ml")).to.deep.equal([]);
  });
});

describe("security review M2: a guardrail reaches only the accounts under its OUs", () => {
  after(async () => installMocks(recorder, "modelshare", "test"));

  it("refuses a consumer account that no consumer target reaches (the review's /tmp/cfg-ou: the prod OU dropped)", () => {
    const problems = problemsOf(ML((c) => (c["modelshare:guardrail"].consumerTargetIds = ["ou-ab12-qa000001"])));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include("modelshare:consumers.prod.organizationalUnitIds").and.to.include("under no consumer guardrail target");
  });

  it("requires the OUs of an account reached only through OUs, and accepts an account or root target without them", () => {
    const undeclared = problemsOf(ML((c) => delete c["modelshare:consumers"].qa.organizationalUnitIds));
    expect(undeclared.join("\n")).to.include("modelshare:consumers.qa.organizationalUnitIds = undefined: is required");
    expect(problemsOf(ML((c) => { delete c["modelshare:consumers"].qa.organizationalUnitIds; c["modelshare:guardrail"].consumerTargetIds.push("222222222222"); }))).to.deep.equal([]);
    expect(problemsOf(ML((c) => { delete c["modelshare:consumers"].qa.organizationalUnitIds; c["modelshare:guardrail"].consumerTargetIds = ["r-ab12"]; }))).to.deep.equal([]);
    const mlViaOu = problemsOf(ML((c) => (c["modelshare:guardrail"].mlTargetIds = ["ou-ab12-mlacct01"])));
    expect(mlViaOu.join("\n")).to.include("modelshare:guardrail.mlOrganizationalUnitIds = undefined: is required");
    expect(problemsOf(ML((c) => { c["modelshare:guardrail"].mlTargetIds = ["ou-ab12-mlacct01"]; c["modelshare:guardrail"].mlOrganizationalUnitIds = ["ou-ab12-mlacct01"]; }))).to.deep.equal([]);
  });

  it("refuses at deploy time, before any resource, an account the organization does not hold where the config says", async () => {
    const config = parsed();
    const moved = { ...declaredOrganization(config), accountsUnder: new Map([["ou-ab12-qa000001", ["222222222222"]], ["ou-ab12-prod0001", ["444444444444"]]]) };
    const problems = organizationPlacementProblems(config, moved);
    expect(problems.map((p) => p.key)).to.deep.equal(["modelshare:consumers.prod.organizationalUnitIds", "modelshare:consumers.prod.organizationalUnitIds[0]"]);
    recorder.organization = moved;
    try {
      const error = await rejection(runProgram(exampleConfig("ml")));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include("checked against the organization").and.to.include("consumers.prod.organizationalUnitIds");
      expect(recorder.resources.filter((r) => r.type !== "pulumi:providers:aws").map((r) => r.type)).to.deep.equal([]);
      expect(recorder.lookups.map((l) => l.token)).to.include("aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts");
    } finally {
      recorder.organization = undefined;
    }
  });

  it("applies an OU's SCP in the matrix only to the accounts under it", async () => {
    const topology = topologyOf(await exampleStacks());
    const names = (account: string) => scpLevels(topology, account, "consumer").flatMap((level) => level.policies.map((p) => `${level.orgIdentifier}:${p.name}`));
    expect(names("333333333333")).to.include("ou (ou-ab12-prod0001):modelshare-consumer-guardrail");
    const detached = { ...topology, scps: topology.scps.map((scp) => ({ ...scp, targets: scp.targets.filter((t) => t !== "ou-ab12-prod0001") })) };
    expect(scpLevels(detached, "333333333333", "consumer").flatMap((l) => l.policies.map((p) => p.name))).not.to.include("modelshare-consumer-guardrail");
    expect(scpLevels(detached, "222222222222", "consumer").flatMap((l) => l.policies.map((p) => p.name))).to.include("modelshare-consumer-guardrail");
  });
});
