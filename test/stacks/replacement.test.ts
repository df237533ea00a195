import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { exampleConfig, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

const STACK_TAG = { "modelshare:stack": "modelshare/test" };

/** The shared roles the example ML stack deployed earlier, as IAM lists them. */
function deployedRoles(prefix: string, tags: (env: string) => Record<string, string> = (env) => ({ "modelshare:managed-by": "pulumi", "modelshare:environment": env, ...STACK_TAG })): void {
  for (const env of ["qa", "prod"]) recorder.existingRoles.push({ name: `${prefix}-${env}`, path: "/modelshare/", tags: tags(env) });
}

const withPrefix = (prefix: string, migration?: Record<string, unknown>) =>
  withConfig(exampleConfig("ml"), (c) => {
    c["modelshare:rolePrefix"] = prefix;
    if (migration) c["modelshare:rolePrefixMigration"] = migration;
  });

const roles = () => Object.fromEntries(recorder.ofType("aws:iam/role:Role").map((r) => [r.name, r.inputs.name]));

describe("ML stack: renaming the shared roles (rolePrefix)", () => {
  afterEach(() => {
    recorder.existingRoles.length = 0;
  });

  it("refuses a rolePrefix change while consumers' roles of the old prefix exist, naming the key and the migration, before registering anything", async () => {
    deployedRoles("modelshare");
    const error = await rejection(runProgram(withPrefix("ms")));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.include('modelshare:rolePrefix = "ms": would delete the shared roles modelshare-prod, modelshare-qa (prefix "modelshare")');
    expect(error.message).to.include("modelshare:rolePrefixMigration.fromPrefix: modelshare");
    expect(error.message).to.include("deploy every consumer stack");
    expect(recorder.resources.filter((r) => r.type !== "pulumi:providers:aws")).to.deep.equal([]);
  });

  it("counts roles deployed before roles carried a stack tag, but not another installation's roles", async () => {
    deployedRoles("modelshare", (env) => ({ "modelshare:managed-by": "pulumi", "modelshare:environment": env }));
    expect((await rejection(runProgram(withPrefix("ms")))).message).to.include("would delete the shared roles modelshare-prod, modelshare-qa");
    recorder.existingRoles.length = 0;
    deployedRoles("quality", (env) => ({ "modelshare:managed-by": "pulumi", "modelshare:environment": env, "modelshare:stack": "modelshare/quality-ml" }));
    await runProgram(withPrefix("ms"));
    expect(roles()).to.deep.equal({ "shared-qa-role": "ms-qa", "shared-prod-role": "ms-prod" });
  });

  it("stages the rename: the old roles stay under their logical names, the new ones are added, consumers are told the new ARNs", async () => {
    deployedRoles("modelshare");
    const { outputs } = await runProgram(withPrefix("ms", { fromPrefix: "modelshare" }));
    expect(roles()).to.deep.equal({ "shared-qa-role": "modelshare-qa", "shared-prod-role": "modelshare-prod", "shared-qa-next-role": "ms-qa", "shared-prod-next-role": "ms-prod" });
    expect(outputs.sharedRoleArns).to.deep.equal({ qa: "arn:aws:iam::111111111111:role/modelshare/ms-qa", prod: "arn:aws:iam::111111111111:role/modelshare/ms-prod" });
    const policy = (name: string) => recorder.byName("aws:iam/rolePolicy:RolePolicy", name).inputs.policy;
    expect(policy("shared-qa-detect")).to.equal(policy("shared-qa-next-detect"));
  });

  it("retires the old roles when told to, then keeps the new ones without replacing them (alias)", async () => {
    deployedRoles("modelshare");
    deployedRoles("ms");
    await runProgram(withPrefix("ms", { fromPrefix: "modelshare", retire: true }));
    expect(roles()).to.deep.equal({ "shared-qa-next-role": "ms-qa", "shared-prod-next-role": "ms-prod" });
    recorder.existingRoles.length = 0;
    deployedRoles("ms");
    await runProgram(withPrefix("ms"));
    expect(roles()).to.deep.equal({ "shared-qa-role": "ms-qa", "shared-prod-role": "ms-prod" });
    expect(recorder.byName("modelshare:index:SharedModelRole", "shared-qa").aliasNames).to.deep.equal(["shared-qa-next"]);
  });

  it("refuses to end the migration while the old roles still exist (retire them first)", async () => {
    deployedRoles("modelshare");
    deployedRoles("ms");
    const error = await rejection(runProgram(withPrefix("ms")));
    expect(error.message).to.include('would delete the shared roles modelshare-prod, modelshare-qa (prefix "modelshare")');
  });

  it("keeps the guardrail SCPs' logical names when the prefix changes, so the rename is an update in place", async () => {
    deployedRoles("modelshare");
    await runProgram(withPrefix("ms", { fromPrefix: "modelshare" }));
    const scp = recorder.byName("modelshare:index:GuardrailSCP", "modelshare-ml-guardrail");
    expect(recorder.byName("aws:organizations/policy:Policy", "modelshare-ml-guardrail-policy").inputs.name).to.equal("ms-ml-guardrail");
    expect(scp.aliasNames).to.deep.equal(["ms-ml-guardrail"]);
  });

  it("validates the migration settings", async () => {
    const same = await rejection(runProgram(withPrefix("ms", { fromPrefix: "ms" })));
    expect(same.message).to.include('modelshare:rolePrefixMigration.fromPrefix = "ms": is the current rolePrefix');
    const typo = await rejection(runProgram(withPrefix("ms", { fromPrefix: "modelshare", retired: true })));
    expect(typo.message).to.include('unknown key "retired"');
  });
});
