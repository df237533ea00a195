import { expect } from "chai";
import { exampleConfig, publishMlOutputs, runProgram } from "../helpers/pulumi";

describe("smoke", () => {
  it("runs ml and qa", async () => {
    const ml = await publishMlOutputs();
    console.log(JSON.stringify(ml, null, 1));
    const qa = await runProgram(exampleConfig("qa"));
    console.log(qa.resources.map((r) => `${r.type} ${r.name} parent=${r.parent} provider=${r.provider} account=${r.account}`).join("\n"));
    console.log(JSON.stringify(qa.outputs, null, 1));
    expect(qa.resources.length).to.be.greaterThan(3);
  });
});
