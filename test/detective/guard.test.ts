import { expect } from "chai";
import { GUARD_POLICY_RUNTIME, GUARD_POLICY_TEXT_MAX, guardRuleText, providerNormalizedPolicy, roleConfigurationItem, RoleConfigurationItemInput } from "../../src/detective/guard";
import { evaluateGuard, GuardSyntaxError, parseGuard } from "../../src/detective/guardEvaluator";
import { sharedRolePermissionsPolicy, sharedRoleTrustPolicy } from "../../src/policies/sharedRole";

/**
 * The Config rule's Guard text, judged offline by src/detective/guardEvaluator.ts (the subset the generator writes).
 * The same text and configuration items were also run through the real cfn-guard 3.1.1 binary on 2026-11-29 with the
 * same PASS / FAIL / SKIP (docs/detective.md); AWS Config itself runs guard-2.x.x, which this machine cannot run.
 */

const INPUT = { partition: "aws", region: "us-east-1", mlAccountId: "111111111111", projectName: "defect-detector", organizationId: "o-a1b2c3d4e5", rolePath: "/modelshare/" };
const V1 = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000";
const V2 = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const APP = "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-app";
const SMOKE = "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-smoke-test";

const rules = parseGuard(guardRuleText(INPUT));

function trust(options: { externalId?: string; eksPodIdentity?: boolean } = {}): any {
  return sharedRoleTrustPolicy({ partition: "aws", consumerAccountId: "222222222222", organizationId: INPUT.organizationId, applicationPrincipalArns: [APP, SMOKE], ...options });
}

function permissions(privateAccess: Parameters<typeof sharedRolePermissionsPolicy>[0]["privateAccess"] = { enabled: true, conditionKey: "aws:VpceAccount", consumerAccountId: "222222222222" }, granted = [V1, V2]): any {
  return sharedRolePermissionsPolicy({ grantedVersionArns: granted, privateAccess });
}

/** A role's configuration item with its documents as the AWS provider sends them to IAM (keys sorted). */
function role(overrides: Partial<RoleConfigurationItemInput> & { trustDoc?: unknown; policyDoc?: unknown } = {}): Record<string, unknown> {
  const { trustDoc, policyDoc, ...rest } = overrides;
  return roleConfigurationItem({
    path: "/modelshare/",
    roleName: "modelshare-qa",
    trustPolicy: providerNormalizedPolicy(JSON.stringify(trustDoc ?? trust()), "trust"),
    inlinePolicies: [{ name: "detect-granted-versions", document: providerNormalizedPolicy(JSON.stringify(policyDoc ?? permissions()), "role-policy") }],
    ...rest,
  });
}

const clone = (value: unknown): any => JSON.parse(JSON.stringify(value));
const status = (document: unknown) => evaluateGuard(rules, document).status;

describe("the AWS Config rule (Guard): roles under /modelshare/ keep their design", () => {
  it("is a custom policy rule for Config's only Guard runtime, well under the 10,000-character PolicyText limit", () => {
    const text = guardRuleText(INPUT);
    expect(GUARD_POLICY_RUNTIME).to.equal("guard-2.x.x");
    expect(text.length).to.be.lessThan(GUARD_POLICY_TEXT_MAX / 2);
    // The longest project name Custom Labels allows (255 characters) still fits.
    expect(guardRuleText({ ...INPUT, projectName: "p".repeat(255) }).length).to.be.lessThan(GUARD_POLICY_TEXT_MAX);
    expect(rules.map((r) => r.name)).to.deep.equal(["modelshare_shared_role_design"]);
    // Guard's regex literals end at the first '/': every slash of the documents is URL-encoded, none is in a pattern.
    for (const line of text.split("\n").filter((l) => l.includes("== /"))) expect(line.slice(line.indexOf("== /") + 4, line.lastIndexOf("/"))).not.to.include("/");
  });

  describe("COMPLIANT: every shape modelshare writes", () => {
    it("private access by aws:VpceAccount, by aws:SourceVpce, none, and nothing granted yet", () => {
      expect(status(role())).to.equal("PASS");
      expect(status(role({ policyDoc: permissions({ enabled: true, conditionKey: "aws:SourceVpce", vpcEndpointIds: ["vpce-0a1b2c3d", "vpce-0a1b2c3e"] }) }))).to.equal("PASS");
      expect(status(role({ policyDoc: permissions({ enabled: false }) }))).to.equal("PASS");
      expect(status(role({ policyDoc: permissions({ enabled: false }, []) }))).to.equal("PASS");
    });

    it("as the AWS provider sends them to IAM: keys sorted, a role policy's Version first", () => {
      const sent = providerNormalizedPolicy(JSON.stringify(permissions()), "role-policy");
      expect(sent.startsWith('{"Version":"2012-10-17","Statement":[{"Action":"rekognition:DetectCustomLabels","Condition"')).to.equal(true);
      expect(providerNormalizedPolicy(JSON.stringify(trust()), "trust")).to.match(/^\{"Statement":\[\{"Action":"sts:AssumeRole","Condition":\{"ArnLike".*\],"Version":"2012-10-17"\}$/);
      expect(status(role())).to.equal("PASS");
    });

    it("a trust with an external id and with EKS Pod Identity's TagSession statement", () => {
      expect(status(role({ trustDoc: trust({ externalId: "modelshare-qa:ext/1" }) }))).to.equal("PASS");
      expect(status(role({ trustDoc: trust({ eksPodIdentity: true }) }))).to.equal("PASS");
    });
  });

  describe("NON_COMPLIANT: each hand edit an attacker or a hurried administrator would make", () => {
    const withStatement = (edit: (s: any) => void) => {
      const doc = clone(permissions());
      edit(doc.Statement[0]);
      return doc;
    };
    const defects: Record<string, () => Record<string, unknown>> = {
      "versions widened to project/NAME/*": () => role({ policyDoc: withStatement((s) => (s.Resource = ["arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/*"])) }),
      "versions widened to * in the Allow": () => role({ policyDoc: withStatement((s) => (s.Resource = "*")) }),
      "a version of another project": () => role({ policyDoc: withStatement((s) => (s.Resource = [V1.replace("project/defect-detector/version", "project/other/version")])) }),
      "a version wildcard in the name": () => role({ policyDoc: withStatement((s) => (s.Resource = [V1.replace("1716196364000", "*")])) }),
      "action widened to rekognition:*": () => role({ policyDoc: withStatement((s) => (s.Action = "rekognition:*")) }),
      "an extra action": () => role({ policyDoc: withStatement((s) => (s.Action = ["rekognition:DetectCustomLabels", "rekognition:StopProjectVersion"])) }),
      "an extra Allow statement (s3:GetObject)": () => {
        const doc = clone(permissions());
        doc.Statement.push({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" });
        return role({ policyDoc: doc });
      },
      "a second inline policy": () => {
        const document = providerNormalizedPolicy(JSON.stringify(permissions()), "role-policy");
        return role({ inlinePolicies: [{ name: "detect-granted-versions", document }, { name: "debug", document }] });
      },
      "a managed policy attached": () => role({ attachedManagedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }),
      "the inline policy removed": () => role({ inlinePolicies: [] }),
      "aws:PrincipalOrgID dropped from the trust": () => {
        const doc = clone(trust());
        delete doc.Statement[0].Condition.StringEquals["aws:PrincipalOrgID"];
        return role({ trustDoc: doc });
      },
      "aws:PrincipalOrgID turned into StringEqualsIfExists": () => {
        const doc = clone(trust());
        delete doc.Statement[0].Condition.StringEquals;
        doc.Statement[0].Condition.StringEqualsIfExists = { "aws:PrincipalOrgID": INPUT.organizationId };
        return role({ trustDoc: doc });
      },
      "another organization": () => role({ trustDoc: JSON.parse(JSON.stringify(trust()).replace(INPUT.organizationId, "o-zzzzzzzzzz")) }),
      "a trusted role widened to role/*": () => role({ trustDoc: JSON.parse(JSON.stringify(trust()).replace("role/modelshare/modelshare-qa-app", "role/*")) }),
      "the trust's principal widened to *": () => {
        const doc = clone(trust());
        doc.Statement[0].Principal = "*";
        return role({ trustDoc: doc });
      },
      "a second trust statement": () => {
        const doc = clone(trust());
        doc.Statement.push({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" });
        return role({ trustDoc: doc });
      },
      "the document re-formatted by a console edit (whitespace)": () => role({ inlinePolicies: [{ name: "detect-granted-versions", document: JSON.stringify(permissions(), null, 2) }] }),
    };
    for (const [defect, build] of Object.entries(defects)) {
      it(defect, () => {
        const result = evaluateGuard(rules, build());
        expect(result.status).to.equal("FAIL");
        expect(result.failures.length).to.be.greaterThan(0);
      });
    }
  });

  it("NOT_APPLICABLE: roles outside the path and resources that are not roles", () => {
    const outside = role({ path: "/", trustDoc: { Version: "2012-10-17", Statement: [] } });
    expect(status(outside)).to.equal("SKIP");
    expect(status({ resourceType: "AWS::S3::Bucket", configuration: {} })).to.equal("SKIP");
  });

  describe("the evaluator (the offline stand-in for Guard)", () => {
    it("refuses syntax outside the subset instead of guessing", () => {
      expect(() => parseGuard('rule r { some configuration.x[*] == "a" }\n')).to.throw(GuardSyntaxError);
      expect(() => parseGuard("rule r {\n  configuration.x IN [\"a\"]\n}\n")).to.throw(GuardSyntaxError, /line 2/);
      expect(() => parseGuard("rule r {\n  configuration.x == /(/\n}\n")).to.throw(GuardSyntaxError, /invalid regex/);
      expect(() => parseGuard("rule r {\n  configuration.x empty\n")).to.throw(GuardSyntaxError, /not closed/);
    });

    it("fails a comparison on a query that selects nothing, and holds a comparison only when every value holds", () => {
      const r = parseGuard('rule r {\n  configuration.list[*].name == "a"\n}\n');
      expect(evaluateGuard(r, { configuration: { list: [] } }).status).to.equal("FAIL");
      expect(evaluateGuard(r, { configuration: { list: [{ name: "a" }, { name: "a" }] } }).status).to.equal("PASS");
      expect(evaluateGuard(r, { configuration: { list: [{ name: "a" }, { name: "b" }] } }).status).to.equal("FAIL");
    });
  });
});
