import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { writeConfiguration } from "../../bench/synth";
import { buildAccessMatrix, matrixCases } from "../../src/matrix";
import { crossEnvironmentTargets, neighboursOf, policyShape, rolesReachable, rolesTrusting } from "../../src/matrix/selection";
import { topologyOf } from "../../src/matrix/topology";
import { policyDocument } from "../../src/policies/document";
import { sharedRoleTrustPolicy } from "../../src/policies/sharedRole";
import { installMocks } from "../../src/synth/mocks";
import { loadStackFiles, synthesize, SynthesizedStack } from "../../src/synth/run";
import { recorder } from "../helpers/pulumi";
import { withDocument } from "./helpers";
import { sharedSimulator } from "../helpers/simulator";

const role = (environment: string, account: string, apps: string[]) => ({
  environment,
  roleName: `modelshare-${environment}`,
  roleArn: `arn:aws:iam::111111111111:role/modelshare/modelshare-${environment}`,
  trustPolicy: sharedRoleTrustPolicy({ partition: "aws", consumerAccountId: account, organizationId: "o-a1b2c3d4e5", applicationPrincipalArns: apps }),
  inlinePolicies: [],
  tags: {},
});
const APP = (account: string, env: string) => `arn:aws:iam::${account}:role/modelshare/modelshare-${env}-app`;

describe("which pairs the matrix asks about (src/matrix/selection.ts)", () => {
  const roles = [role("a", "200000000001", [APP("200000000001", "a")]), role("b", "200000000002", [APP("200000000002", "b")]), role("c", "200000000003", [APP("200000000003", "c"), APP("200000000001", "a")])];

  it("takes the next environments in sorted order as neighbours, wrapping around", () => {
    expect(neighboursOf(["d", "a", "c", "b"], "c")).to.deep.equal(["d", "a"]);
    expect(neighboursOf(["a", "b"], "b", 5)).to.deep.equal(["a"]);
  });

  it("finds every role an identity policy could reach, by its Resource patterns", () => {
    const exact = [{ name: "p", policy: policyDocument([{ Effect: "Allow", Action: "sts:AssumeRole", Resource: roles[1].roleArn }]) }];
    expect(rolesReachable(exact, roles).map((r) => r.environment)).to.deep.equal(["b"]);
    const pattern = [{ name: "p", policy: policyDocument([{ Effect: "Allow", Action: "sts:*", Resource: "arn:aws:iam::111111111111:role/modelshare/*" }]) }];
    expect(rolesReachable(pattern, roles).map((r) => r.environment)).to.deep.equal(["a", "b", "c"]);
    const denyOnly = [{ name: "p", policy: policyDocument([{ Effect: "Deny", Action: "sts:AssumeRole", Resource: "*" }]) }];
    expect(rolesReachable(denyOnly, roles)).to.deep.equal([]);
  });

  it("finds every role whose trust names a caller", () => {
    expect(rolesTrusting(APP("200000000001", "a"), roles).map((r) => r.environment)).to.deep.equal(["a", "c"]);
    expect(rolesTrusting(APP("200000000002", "x"), roles)).to.deep.equal([]);
  });

  it("groups environments by policy shape: the same statements with other ARNs are one shape, a wildcard is another", () => {
    const granted = (versions: string[]) => [{ name: "p", policy: policyDocument([{ Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: versions }]) }];
    expect(policyShape(granted(["arn:1"]))).to.equal(policyShape(granted(["arn:2"])));
    expect(policyShape(granted(["arn:1"]))).not.to.equal(policyShape(granted(["arn:aws:rekognition:us-east-1:1:project/p/*"])));
  });

  describe("on 12 generated environments", () => {
    let dir: string;
    let stacks: SynthesizedStack[];
    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "modelshare-selection-"));
      writeConfiguration(dir, 12, { grants: 2 });
      stacks = await synthesize(loadStackFiles(dir));
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await installMocks(recorder, "modelshare", "test");
    });

    it("asks each application about two neighbours only: rows grow linearly, not with the square", async () => {
      const cases = await matrixCases(stacks);
      expect(cases.filter((c) => c.kind === "assume-other-role")).to.have.length(12 * 2);
    });

    it("still asks about a far environment a defect connects, and reports it: a proof, not a sample", async () => {
      // env000's application may assume env007's role, and env007's trust admits it: neither is a neighbour of the other.
      const far = "arn:aws:iam::111111111111:role/modelshare/modelshare-env007";
      const leaking = withDocument(
        withDocument(stacks, "env000-app-model-access", "policy", (doc) => ({ ...doc, Statement: [...doc.Statement, { Effect: "Allow", Action: "sts:AssumeRole", Resource: far }] })),
        "shared-env007-role",
        "assumeRolePolicy",
        (doc) => ({ ...doc, Statement: [...doc.Statement, ...sharedRoleTrustPolicy({ partition: "aws", consumerAccountId: "200000000000", organizationId: "o-a1b2c3d4e5", applicationPrincipalArns: ["arn:aws:iam::200000000000:role/modelshare/modelshare-env000-app"] }).Statement] }),
      );
      const topology = topologyOf(leaking);
      const consumer = topology.consumers.get("env000")!;
      expect(crossEnvironmentTargets(topology, "env000", consumer.applicationRoleArn, consumer.applicationPolicies).map((r) => r.environment)).to.deep.equal(["env001", "env002", "env007"]);
      const matrix = await buildAccessMatrix(leaking, await sharedSimulator());
      const leak = matrix.rows.find((r) => r.kind === "assume-other-role" && r.resource === far);
      expect(leak, JSON.stringify(leak)).to.include({ expected: "Denied", decision: "Allowed", mismatch: true });
    });
  });
});
