import { expect } from "chai";
import { AssumeRoleError } from "@modelshare/client";
import { isPropagationError, isUnreachable } from "../../src/promotion/verify";

// Found by the engine lane (docs/engine-lane.md): an STS endpoint whose name does not resolve was retried as an
// IAM-propagation denial until the smoke test's deadline (300 s), then reported as "still cannot call".
describe("verify: an unreachable endpoint is not IAM propagation", () => {
  const role = "arn:aws:iam::111111111111:role/modelshare/modelshare-prod";
  const network = (code: string) => Object.assign(new Error(`getaddrinfo ${code} sts.us-east-1.amazonaws.com`), { code });

  it("does not retry a name that does not resolve or a refused connection, however it is wrapped", () => {
    for (const code of ["ENOTFOUND", "ECONNREFUSED"]) {
      const error = new AssumeRoleError(role, "https://sts.us-east-1.amazonaws.com", network(code));
      expect(isUnreachable(error)).to.equal(true);
      expect(isPropagationError(error)).to.equal(false);
    }
  });

  it("still retries a denied AssumeRole and a transient DNS failure", () => {
    const denied = Object.assign(new Error("not authorized to perform sts:AssumeRole"), { name: "AccessDenied" });
    expect(isPropagationError(new AssumeRoleError(role, "https://sts.us-east-1.amazonaws.com", denied))).to.equal(true);
    expect(isPropagationError(new AssumeRoleError(role, "https://sts.us-east-1.amazonaws.com", network("EAI_AGAIN")))).to.equal(true);
  });
});
