import { expect } from "chai";
import { buildAccessMatrix, MatrixRow } from "../../src/matrix";
import { installMocks } from "../../src/synth/mocks";
import { problemsOf } from "../helpers/config";
import { exampleConfig, recorder, withConfig } from "../helpers/pulumi";
import { synthesizeExample } from "../matrix/helpers";
import { sharedSimulator } from "../helpers/simulator";

/**
 * Security review L2 (role admins: who may create and rotate the exempt and deploy roles, explicit and protected) and
 * M5's export rows (the project policies the config accepts, and how far they reach).
 */

const STACKSETS = "arn:aws:iam::*:role/stacksets-exec-*";
const DR_ACCOUNT = "777777777777";
const COPY_POLICY = {
  name: "copy-to-dr",
  document: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${DR_ACCOUNT}:root`, "arn:aws:iam::333333333333:root"] }, Action: "rekognition:CopyProjectVersion", Resource: "*" }],
  },
};

describe("security review L2 and M5: role admins and accepted project policies", () => {
  let rows: readonly MatrixRow[];
  before(async () => {
    const stacks = await synthesizeExample({
      ml: (c) => {
        c["modelshare:guardrail"].roleAdminPrincipalArns = [STACKSETS];
        c["modelshare:model"].existingProjectPolicies = [COPY_POLICY];
      },
    });
    rows = (await buildAccessMatrix(stacks, await sharedSimulator(), { categories: ["guardrails", "export"] })).rows;
  });
  after(async () => installMocks(recorder, "modelshare", "test"));

  it("refuses a role-admin pattern that covers a role the guardrails exempt or the shared roles trust, naming the key", () => {
    const problems = problemsOf(withConfig(exampleConfig("ml"), (c) => (c["modelshare:guardrail"].roleAdminPrincipalArns = ["arn:aws:iam::*:role/modelshare-*", STACKSETS])));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include("modelshare:guardrail.roleAdminPrincipalArns[0]").and.to.include("pipelineRoleArn").and.to.include("guardrail.consumerDeployRoleNames");
    expect(problemsOf(withConfig(exampleConfig("ml"), (c) => (c["modelshare:guardrail"].roleAdminPrincipalArns = ["arn:aws:iam::*:role/*"])))[0]).to.include("must be a role ARN");
  });

  it("lets a role admin rotate the exempt and deploy roles, and protects the role admin itself, in both guardrails", () => {
    expect(rows.filter((r) => r.mismatch)).to.deep.equal([]);
    const roleAdmin = rows.filter((r) => r.kind === "role-admin");
    expect(roleAdmin.filter((r) => r.principal.includes("stacksets-exec-x")).map((r) => r.decision)).to.deep.equal(["Allowed", "Allowed", "Allowed"]);
    const protectedRows = roleAdmin.filter((r) => r.principal.includes("administrator"));
    expect(protectedRows).to.have.length(3);
    expect(protectedRows.every((r) => r.decision === "ExplicitlyDenied")).to.equal(true);
  });

  it("shows how far an accepted project policy reaches: the account it names copies, a consumer it names is stopped by its guardrail", () => {
    const copies = rows.filter((r) => r.kind === "project-policy-copy");
    expect(copies.map((r) => `${r.principal.split(":")[4]} ${r.decision}`)).to.deep.equal([`333333333333 ExplicitlyDenied`, `${DR_ACCOUNT} Allowed`]);
    expect(rows.find((r) => r.kind === "outsider-copy")?.decision).to.equal("ImplicitlyDenied");
  });
});
