import { expect } from "chai";
import { allowedResources } from "./checks";

// The lane's checks read grants out of policy documents: a wildcard action or a second statement must not hide one.
describe("engine lane checks: the resources a policy allows an action on", () => {
  const document = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: ["arn:v1"] },
      { Effect: "Allow", Action: ["rekognition:Detect*"], Resource: "arn:v2" },
      { Effect: "Deny", Action: "rekognition:DetectCustomLabels", Resource: "arn:v3" },
      { Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:role" },
    ],
  });

  it("collects every Allow whose action pattern matches, and no Deny", () => {
    expect(allowedResources(document, "rekognition:DetectCustomLabels")).to.deep.equal(["arn:v1", "arn:v2"]);
    expect(allowedResources(document, "sts:AssumeRole")).to.deep.equal(["arn:role"]);
    expect(allowedResources(document, "ssm:GetParameter")).to.deep.equal([]);
  });

  it("reads a single statement given as an object", () => {
    expect(allowedResources(JSON.stringify({ Statement: { Effect: "Allow", Action: "*", Resource: "*" } }), "rekognition:StopProjectVersion")).to.deep.equal(["*"]);
  });
});
