import { expect } from "chai";
import { ML_PROMOTION_OUTPUTS, promotionLeaseTableName } from "../../src/contract";
import { exampleConfig, parsedPolicy, recorder, runProgram, withConfig } from "../helpers/pulumi";

describe("ML stack: the promotion lease table", () => {
  let outputs: Record<string, any>;
  before(async () => {
    ({ outputs } = await runProgram(exampleConfig("ml")));
  });

  it("creates one pay-per-request table with TTL, no point-in-time recovery and deletion protection, tagged, in the ML account", () => {
    const [table] = recorder.ofType("aws:dynamodb/table:Table");
    expect(recorder.ofType("aws:dynamodb/table:Table")).to.have.length(1);
    expect(table.provider).to.equal("ml-account");
    expect(table.account).to.equal("111111111111");
    expect(table.parent).to.equal("modelshare:index:PromotionLease::promotion-lease");
    expect(table.inputs).to.deep.include({
      name: "modelshare-promotion-lease",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      deletionProtectionEnabled: true,
    });
    expect(table.inputs.attributes).to.deep.equal([{ name: "pk", type: "S" }]);
    expect(table.inputs.ttl).to.deep.equal({ attributeName: "ttl", enabled: true });
    expect(table.inputs.pointInTimeRecovery).to.deep.equal({ enabled: false });
    expect(table.inputs.tags).to.deep.include({ "modelshare:managed-by": "pulumi" });
    // A rolePrefix rename creates a table with the new name: the old one is forgotten, not deleted (its deletion
    // protection would fail the update).
    expect(table.retainOnDelete).to.equal(true);
  });

  it("exports the table's name (as the contract names it) and ARN for the CLI", () => {
    expect(outputs[ML_PROMOTION_OUTPUTS.promotionLeaseTable]).to.equal(promotionLeaseTableName("modelshare"));
    expect(outputs).to.have.property(ML_PROMOTION_OUTPUTS.promotionLeaseTableArn); // the ARN is known after a real create
  });

  it("the ML guardrail denies writes to the lease and changes to its table to everyone but the pipeline and break-glass roles", () => {
    const scp = parsedPolicy(recorder.byName("aws:organizations/policy:Policy", "modelshare-ml-guardrail-policy"), "content");
    const statement = scp.Statement.find((s: any) => s.Sid === "ProtectPromotionLease");
    expect(statement.Effect).to.equal("Deny");
    expect(statement.Resource).to.deep.equal(["arn:aws:dynamodb:us-east-1:111111111111:table/modelshare-promotion-lease"]);
    expect(statement.Action).to.include.members(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:PartiQLUpdate"]);
    expect(statement.Action).to.not.include("dynamodb:GetItem"); // `lease show` and `status` read it
    expect(statement.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal(["arn:aws:iam::111111111111:role/break-glass-admin", "arn:aws:iam::111111111111:role/modelshare-pipeline"]);
  });

  it("names the table after modelshare:rolePrefix, so two installations in one account do not share a lease", async () => {
    await runProgram(withConfig(exampleConfig("ml"), (c) => (c["modelshare:rolePrefix"] = "vision")));
    expect(recorder.ofType("aws:dynamodb/table:Table")[0].inputs.name).to.equal("vision-promotion-lease");
  });
});
