import { expect } from "chai";
import { CHECKED_ROLE_TRUST_TYPE, exemptRoleTrust } from "../../src/rules/exemptRoleTrust";
import { smokeTestRunsInConsumer } from "../../src/rules/smokeTestRunsInConsumer";
import { smokeTestFunctionTrustPolicy, smokeTestTrustPolicy } from "../../src/policies/consumer";
import { check, resource } from "./helpers";

const PIPELINE = "arn:aws:iam::111111111111:role/modelshare-pipeline";
const record = (trustPolicy: unknown) =>
  resource(CHECKED_ROLE_TRUST_TYPE, "trust-modelshare-pipeline", { roleArn: PIPELINE, what: "the pipeline role", trustPolicy, forbiddenAccounts: [{ accountId: "222222222222", why: "the consumer account of qa" }] });
const trust = (principal: unknown, condition?: object) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) }] });

describe("rules: exempt-role-trust and smoke-test-runs-in-consumer", () => {
  it("exempt-role-trust: the pipeline role never trusts a consumer-account principal, even narrowed by aws:PrincipalArn", async () => {
    expect(await check(exemptRoleTrust, record(trust({ AWS: "arn:aws:iam::111111111111:role/ci" })))).to.deep.equal([]);
    expect(await check(exemptRoleTrust, record(trust({ AWS: "arn:aws:iam::222222222222:role/qa-runner" }))))
      .to.have.length(1).and.satisfy((d: string[]) => d[0].includes("a principal of account 222222222222 (the consumer account of qa)"));
    expect(await check(exemptRoleTrust, record(trust("*", { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:role/qa-runner" } })))).to.have.length(1);
  });

  it("exempt-role-trust: no whole account, no service principal, no missing role; other resources are not its business", async () => {
    expect(await check(exemptRoleTrust, record(trust({ AWS: "arn:aws:iam::111111111111:root" })))).to.have.length(1);
    expect(await check(exemptRoleTrust, record(trust({ Service: "codebuild.amazonaws.com" })))).to.have.length(1);
    expect((await check(exemptRoleTrust, record(undefined)))[0]).to.match(/does not exist/);
    expect(await check(exemptRoleTrust, resource("aws:iam/role:Role", "x", { assumeRolePolicy: trust("*") }))).to.deep.equal([]);
  });

  it("smoke-test-runs-in-consumer: a smoke-test role trusted by Lambda passes; one the pipeline may assume (direct mode) fails until waived", async () => {
    const role = (document: object) => resource("aws:iam/role:Role", "qa-smoke-test-role", { assumeRolePolicy: JSON.stringify(document) }, "modelshare:index:SmokeTestRole");
    const fn = smokeTestFunctionTrustPolicy({ accountId: "222222222222", functionArn: "arn:aws:lambda:us-east-1:222222222222:function:modelshare-qa-smoke-test" });
    expect(await check(smokeTestRunsInConsumer, role(fn))).to.deep.equal([]);
    const direct = smokeTestTrustPolicy({ partition: "aws", mlAccountId: "111111111111", pipelineRoleArn: PIPELINE, organizationId: "o-a1b2c3d4e5" });
    expect((await check(smokeTestRunsInConsumer, role(direct)))[0]).to.match(/smokeTest.runner "direct".*waive/);
    expect(await check(smokeTestRunsInConsumer, resource("aws:iam/role:Role", "other", { assumeRolePolicy: JSON.stringify(direct) }))).to.deep.equal([]);
  });
});
