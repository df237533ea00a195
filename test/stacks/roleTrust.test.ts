import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { trustProblems } from "../../src/policies/roleTrust";
import { exampleConfig, publishMlOutputs, recorder, rejection, runProgram } from "../helpers/pulumi";

/** L3: the trust of the exempt roles and of the consumer deploy role is read at deploy time (mocks' call handler). */
const trust = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const allow = (principal: unknown, condition?: object) => ({ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) });

describe("deploy-time trust checks of the exempt and deploy roles (security review L3, H1)", () => {
  afterEach(() => {
    recorder.roleTrusts.clear();
    recorder.unknownRoleTrust = JSON.stringify({ Version: "2012-10-17", Statement: [] });
  });

  it("refuses, naming the key and what is allowed, a pipeline role that trusts its account root without an exact aws:PrincipalArn, a service, or a consumer-account principal", async () => {
    recorder.roleTrusts.set("modelshare-pipeline", trust(allow({ AWS: "arn:aws:iam::111111111111:root" }), allow({ Service: "codebuild.amazonaws.com" }), allow({ AWS: "arn:aws:iam::222222222222:role/qa-runner" })));
    recorder.roleTrusts.set("break-glass-admin", trust(allow("*", { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/*" } })));
    const error = await rejection(runProgram(exampleConfig("ml")));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.include('modelshare:pipelineRoleArn = "arn:aws:iam::111111111111:role/modelshare-pipeline": the pipeline role (exempt from the ML guardrail) arn:aws:iam::111111111111:role/modelshare-pipeline: trust statement #1 trusts the whole account 111111111111');
    expect(error.message).to.include("trust statement #2 trusts the service principal codebuild.amazonaws.com");
    expect(error.message).to.include('trust statement #3 trusts arn:aws:iam::222222222222:role/qa-runner, a principal of account 222222222222 (the consumer account of "qa")');
    expect(error.message).to.include("modelshare:breakGlassRoleArns[0]");
    expect(error.message).to.include("every principal (*) without an exact aws:PrincipalArn");
    expect(error.message).to.include("allowed: exact role or user ARNs");
    expect(recorder.resources.filter((r) => r.custom && r.type !== "pulumi:providers:aws"), "nothing registered").to.be.empty;
  });

  it("refuses an exempt role that does not exist (whoever creates it later would be exempt)", async () => {
    recorder.unknownRoleTrust = undefined;
    const error = await rejection(runProgram(exampleConfig("ml")));
    expect(error.message).to.match(/the pipeline role .* does not exist: create it/);
    expect(error.message).to.include("modelshare:guardrail.exemptRoleAdminArns[0]");
  });

  it("accepts exact principals and a narrowed account root, and records what it read for the rule exempt-role-trust", async () => {
    recorder.roleTrusts.set("modelshare-pipeline", trust(allow({ AWS: "arn:aws:iam::111111111111:root" }, { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/ci-runner" } }), allow({ Federated: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com" })));
    await runProgram(exampleConfig("ml"));
    const records = recorder.ofType("modelshare:index:CheckedRoleTrust");
    expect(records.map((r) => r.inputs.roleArn).sort()).to.deep.equal(["arn:aws:iam::111111111111:role/break-glass-admin", "arn:aws:iam::111111111111:role/iam-admin", "arn:aws:iam::111111111111:role/modelshare-pipeline"]);
    expect(records.find((r) => r.name === "trust-modelshare-pipeline")!.inputs.trustPolicy).to.equal(recorder.roleTrusts.get("modelshare-pipeline"));
  });

  it("refuses a consumer stack whose deploy role trusts its own account root (every consumer admin could rewrite the /modelshare/ roles)", async () => {
    await publishMlOutputs();
    recorder.roleTrusts.set("modelshare-deploy", trust(allow({ AWS: "222222222222" })));
    const error = await rejection(runProgram(exampleConfig("qa")));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.include('modelshare:deployRoleArn = "arn:aws:iam::222222222222:role/modelshare-deploy": the deploy role of "qa"');
    expect(error.message).to.include("trusts the whole account 222222222222 (222222222222)");
    expect(recorder.resources.some((r) => r.type === "aws:iam/role:Role")).to.equal(false);
  });

  it("trustProblems: ignores Deny statements, refuses NotPrincipal, an invalid document, and a wildcard aws:PrincipalArn", () => {
    const check = (policy: string) => trustProblems({ roleArn: "arn:aws:iam::111111111111:role/r", what: "role", trustPolicy: policy });
    expect(check(trust({ Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" }))).to.deep.equal([]);
    expect(check(trust({ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::111111111111:role/x" }, Action: "sts:AssumeRole" }))[0]).to.match(/NotPrincipal/);
    expect(check("{not json")[0]).to.match(/not valid JSON/);
    expect(check(trust(allow("*", { StringEquals: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/a*" } })))).to.have.length(1);
    expect(check(encodeURIComponent(trust(allow({ AWS: "arn:aws:iam::111111111111:role/ci" }))))).to.deep.equal([]);
  });
});
