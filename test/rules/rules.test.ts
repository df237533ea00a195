import { expect } from "chai";
import { consumerGuardrailPolicy, mlGuardrailPolicy } from "../../src/policies/guardrail";
import { policyDocument, toJson } from "../../src/policies/document";
import { applicationPolicy, applicationTrustPolicy, rekognitionEndpointPolicy } from "../../src/policies/consumer";
import { sharedRolePermissionsPolicy, sharedRoleTrustPolicy } from "../../src/policies/sharedRole";
import { dataLakeStatements } from "../../src/policies/dataLake";
import { RULES, runRules } from "../../src/rules";
import { chainedSessionDuration } from "../../src/rules/chainedSessionDuration";
import { conditionOperatorsKnown } from "../../src/rules/conditionOperatorsKnown";
import { endpointHttpsOnly } from "../../src/rules/endpointHttpsOnly";
import { endpointPrivateDns } from "../../src/rules/endpointPrivateDns";
import { exemptionsProtected } from "../../src/rules/exemptionsProtected";
import { iamNamesExist } from "../../src/rules/iamNamesExist";
import { DEFAULT_QUOTAS } from "../../src/rules/intent";
import { noWildcardAllow } from "../../src/rules/noWildcardAllow";
import { policyJsonValid } from "../../src/rules/policyJson";
import { quotaBudgets } from "../../src/rules/quotaBudgets";
import { sharedRoleExactVersions } from "../../src/rules/sharedRoleExactVersions";
import { trustRequiresOrgId } from "../../src/rules/trustRequiresOrgId";
import { trustedPrincipalsProtected } from "../../src/rules/trustedPrincipalsProtected";
import { check, contextFor, exampleIntent, PROD_VERSION, QA_ROLE_ARN, QA_VERSION, resource, rolePolicy } from "./helpers";

const SHARED_ROLE = "modelshare:index:SharedModelRole";
const qaPermissions = (granted: string[]) =>
  sharedRolePermissionsPolicy({ grantedVersionArns: granted, privateAccess: { enabled: true, conditionKey: "aws:VpceAccount", consumerAccountId: "222222222222" } });
const qaTrust = (organizationId = "o-a1b2c3d4e5") =>
  sharedRoleTrustPolicy({ partition: "aws", consumerAccountId: "222222222222", organizationId, applicationPrincipalArns: ["arn:aws:iam::222222222222:role/modelshare/modelshare-qa-app"] });
const sharedRole = (inputs: Record<string, unknown>) =>
  resource("aws:iam/role:Role", "shared-qa-role", { name: "modelshare-qa", path: "/modelshare/", assumeRolePolicy: toJson(qaTrust()), ...inputs }, SHARED_ROLE);

describe("rules", () => {
  it("every rule has an id, a message and a reason, and ids are unique", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const rule of RULES) {
      expect(rule.id).to.match(/^[a-z0-9-]+$/);
      expect(rule.message.length, rule.id).to.be.greaterThan(20);
      expect(rule.reason.length, rule.id).to.be.greaterThan(40);
      expect(rule.checkResource ?? rule.checkStack, rule.id).to.be.a("function");
    }
  });

  describe("policy-json-valid", () => {
    it("passes a document built by the policy builders", async () => {
      expect(await check(policyJsonValid, rolePolicy("modelshare-qa", qaPermissions([QA_VERSION])))).to.deep.equal([]);
    });
    it("fails text that is not JSON, an old Version and an empty statement list", async () => {
      expect((await check(policyJsonValid, rolePolicy("r", '{"Version": "2012-10-17", ')))[0]).to.match(/policy is not valid JSON/);
      const old = await check(policyJsonValid, rolePolicy("r", JSON.stringify({ Version: "2008-10-17", Statement: [] })));
      expect(old).to.have.length(2);
      expect(old[0]).to.include('Version "2008-10-17"');
      expect(old[1]).to.include("no statement");
    });
  });

  describe("shared-role-exact-versions", () => {
    it("passes the shared role's grant of exactly its configured versions, and its endpoint policy", async () => {
      expect(await check(sharedRoleExactVersions, rolePolicy("modelshare-qa", qaPermissions([QA_VERSION]), SHARED_ROLE))).to.deep.equal([]);
      const endpoint = resource("aws:ec2/vpcEndpoint:VpcEndpoint", "qa-endpoints-rekognition", {
        serviceName: "com.amazonaws.us-east-1.rekognition",
        policy: toJson(rekognitionEndpointPolicy({ sharedRoleArn: QA_ROLE_ARN, grantedVersionArns: [QA_VERSION] })),
      });
      expect(await check(sharedRoleExactVersions, endpoint, { environment: "qa" })).to.deep.equal([]);
    });
    it("fails a project wildcard, a version the config does not grant to the environment, and a non-version ARN", async () => {
      const wildcard = await check(sharedRoleExactVersions, rolePolicy("modelshare-qa", qaPermissions(["arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/*"]), SHARED_ROLE));
      expect(wildcard.join("\n")).to.include("matches every version, including future ones");
      const notGranted = await check(sharedRoleExactVersions, rolePolicy("modelshare-qa", qaPermissions([PROD_VERSION]), SHARED_ROLE));
      expect(notGranted.join("\n")).to.include(`allows ${PROD_VERSION}, which the config does not grant to qa`);
      const project = await check(sharedRoleExactVersions, rolePolicy("modelshare-qa", qaPermissions(["arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/1714387200000"]), SHARED_ROLE));
      expect(project.join("\n")).to.include("expected project/NAME/version/VERSION_NAME/CREATION_TIMESTAMP");
      const endpoint = resource("aws:ec2/vpcEndpoint:VpcEndpoint", "qa-endpoints-rekognition", {
        serviceName: "com.amazonaws.us-east-1.rekognition",
        policy: toJson(rekognitionEndpointPolicy({ sharedRoleArn: QA_ROLE_ARN, grantedVersionArns: [QA_VERSION, PROD_VERSION] })),
      });
      expect(await check(sharedRoleExactVersions, endpoint, { environment: "qa" })).to.have.length(1);
    });
  });

  describe("no-wildcard-allow", () => {
    it("passes narrow Allows, and Denies on * (the guardrails)", async () => {
      expect(await check(noWildcardAllow, rolePolicy("app", applicationPolicy({ sharedRoleArn: QA_ROLE_ARN, parameterArns: ["arn:aws:ssm:us-east-1:222222222222:parameter/modelshare/qa/region"] })))).to.deep.equal([]);
      const scp = resource("aws:organizations/policy:Policy", "consumer-guardrail", { type: "SERVICE_CONTROL_POLICY", content: toJson(consumerGuardrailPolicy({ partition: "aws", deployRoleNames: ["modelshare-deploy"] })) });
      expect(await check(noWildcardAllow, scp)).to.deep.equal([]);
    });
    it("checks only modelshare's statements of a merged data-lake bucket policy, not the bucket owner's", async () => {
      const ours = { Sid: "ModelsharedefectdetectorTrainingRead", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "s3:*", Resource: "arn:aws:s3:::lake/t/*" };
      const owners = { Sid: "LakeAdmins", Effect: "Allow", Principal: { AWS: "arn:aws:iam::444444444444:root" }, Action: "s3:*", Resource: "*" };
      const bucketPolicy = resource("aws:s3/bucketPolicy:BucketPolicy", "data-lake-policy", { bucket: "lake", policy: JSON.stringify({ Version: "2012-10-17", Statement: [owners, ours] }) });
      expect(await check(noWildcardAllow, bucketPolicy)).to.deep.equal(["policy statement ModelsharedefectdetectorTrainingRead allows Action s3:*"]);
    });
    it("fails Action *, a service wildcard, Resource * and NotAction in an Allow", async () => {
      const broad = rolePolicy(
        "r",
        JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Broad", Effect: "Allow", Action: ["*", "rekognition:*"], Resource: "*" }, { Effect: "Allow", NotAction: "iam:*", Resource: QA_ROLE_ARN }] }),
      );
      const findings = await check(noWildcardAllow, broad);
      expect(findings).to.deep.equal([
        "policy statement Broad allows Action *",
        "policy statement Broad allows Action rekognition:*",
        "policy statement Broad allows Resource *",
        "policy statement #2 allows NotAction (everything but the listed actions)",
      ]);
    });
  });

  describe("trust-requires-org-id", () => {
    it("passes the shared-role trust policy, and a service-only trust policy without the condition", async () => {
      expect(await check(trustRequiresOrgId, sharedRole({}))).to.deep.equal([]);
      const appRole = resource("aws:iam/role:Role", "qa-app-role", { name: "modelshare-qa-app", assumeRolePolicy: toJson(applicationTrustPolicy({ services: ["ecs-tasks.amazonaws.com"] })) });
      expect(await check(trustRequiresOrgId, appRole)).to.deep.equal([]);
    });
    it("fails a cross-account trust without aws:PrincipalOrgID, and one naming another organization", async () => {
      const open = policyDocument([{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "sts:AssumeRole" }]);
      expect((await check(trustRequiresOrgId, sharedRole({ assumeRolePolicy: toJson(open) })))[0]).to.include("has no StringEquals aws:PrincipalOrgID condition");
      const other = await check(trustRequiresOrgId, sharedRole({ assumeRolePolicy: toJson(qaTrust("o-zzzzzzzzzz")) }));
      expect(other[0]).to.include("requires aws:PrincipalOrgID o-zzzzzzzzzz, but modelshare:organizationId is o-a1b2c3d4e5");
    });
  });

  describe("chained-session-max-duration", () => {
    it("passes a shared role of 3600 s or the default, and a longer session on a role that is not shared", async () => {
      expect(await check(chainedSessionDuration, sharedRole({ maxSessionDuration: 3600 }))).to.deep.equal([]);
      expect(await check(chainedSessionDuration, sharedRole({}))).to.deep.equal([]);
      expect(await check(chainedSessionDuration, resource("aws:iam/role:Role", "ops", { name: "ops", maxSessionDuration: 7200 }))).to.deep.equal([]);
    });
    it("fails a shared role whose sessions would outlast a chained session", async () => {
      const findings = await check(chainedSessionDuration, sharedRole({ maxSessionDuration: 7200 }));
      expect(findings).to.deep.equal([
        "maxSessionDuration is 7200 s; a chained session gets at most 3600 s (modelshare:consumers.<env>.maxSessionDurationSeconds)",
      ]);
    });
  });

  describe("iam-names-exist", () => {
    it("passes every document the builders make (actions and keys known to iam-data)", async () => {
      const documents = [
        qaPermissions([QA_VERSION]),
        qaTrust(),
        mlGuardrailPolicy({ partition: "aws", region: "us-east-1", mlAccountId: "111111111111", projectName: "defect-detector", exemptRoleArns: ["arn:aws:iam::111111111111:role/p"] }),
        consumerGuardrailPolicy({ partition: "aws", deployRoleNames: ["modelshare-deploy"] }),
        policyDocument(
          dataLakeStatements({ partition: "aws", bucketName: "b-bucket", trainingPrefix: "t/", outputPrefix: "o/", mlAccountId: "111111111111", projectName: "p", trainingPrincipalArn: "arn:aws:iam::111111111111:role/t", rekognitionServicePrincipal: true, requireSourceAccount: true }),
        ),
      ];
      for (const document of documents) expect(await check(iamNamesExist, rolePolicy("r", document))).to.deep.equal([]);
    });
    it("fails a misspelled action, an unknown service, a wildcard matching nothing and keys foreign to the statement", async () => {
      const typos = rolePolicy(
        "r",
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "Typos", Effect: "Allow", Action: ["rekognition:DetectCustomLabel", "rekognitoin:DetectCustomLabels", "rekognition:Frobnicate*"], Resource: QA_VERSION },
            { Sid: "Keys", Effect: "Deny", Action: "rekognition:DetectCustomLabels", Resource: QA_VERSION, Condition: { StringEquals: { "aws:VpceAccunt": "1", "s3:x-amz-acl": "private" } } },
          ],
        }),
      );
      const findings = await check(iamNamesExist, typos);
      expect(findings).to.deep.equal([
        "policy statement Typos: rekognition:DetectCustomLabel is not an action of rekognition",
        'policy statement Typos: rekognitoin:DetectCustomLabels: IAM has no service prefix "rekognitoin"',
        "policy statement Typos: rekognition:Frobnicate* matches no action of rekognition",
        "policy statement Keys: aws:VpceAccunt is not a global condition key",
        "policy statement Keys: s3:x-amz-acl belongs to s3, but the statement's actions are on rekognition",
      ]);
    });
  });

  describe("condition-operators-known", () => {
    it("passes IAM operators with IfExists and set qualifiers", async () => {
      const document = JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { StringNotEqualsIfExists: { "aws:SourceVpce": "vpce-1" }, "ForAnyValue:StringLike": { "aws:TagKeys": "a*" }, Null: { "aws:SourceVpc": "true" } } }],
      });
      expect(await check(conditionOperatorsKnown, rolePolicy("r", document))).to.deep.equal([]);
    });
    it("fails an unknown operator (which iam-simulate would silently ignore) and wrong case", async () => {
      const document = JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "Ops", Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { StringEqual: { "aws:SourceVpce": "v" }, stringEquals: { "aws:SourceVpce": "v" } } }],
      });
      expect(await check(conditionOperatorsKnown, rolePolicy("r", document))).to.deep.equal([
        "policy statement Ops: StringEqual is not an IAM condition operator",
        "policy statement Ops: stringEquals is not an IAM condition operator (operators are case-sensitive: StringEquals)",
      ]);
    });
  });

  describe("quota-budgets", () => {
    const manyPrincipals = (count: number) =>
      sharedRoleTrustPolicy({
        partition: "aws",
        consumerAccountId: "222222222222",
        organizationId: "o-a1b2c3d4e5",
        applicationPrincipalArns: Array.from({ length: count }, (_, i) => `arn:aws:iam::222222222222:role/application-role-number-${i}`),
      });

    it("passes documents within quota, counting minified JSON (whitespace does not count)", async () => {
      const document = manyPrincipals(25);
      const pretty = JSON.stringify(document, null, 8);
      expect(pretty.length).to.be.greaterThan(DEFAULT_QUOTAS.trustPolicyChars);
      expect(JSON.stringify(document).length).to.be.lessThan(DEFAULT_QUOTAS.trustPolicyChars);
      expect(await check(quotaBudgets, sharedRole({ assumeRolePolicy: pretty }))).to.deep.equal([]);
    });
    it("fails a trust policy and an SCP over their quotas, naming the quota key", async () => {
      const trust = await check(quotaBudgets, sharedRole({ assumeRolePolicy: toJson(manyPrincipals(60)) }));
      expect(trust).to.have.length(1);
      expect(trust[0]).to.match(/^trust policy of role modelshare-qa is \d+ characters, over the limit of 2048 \(modelshare:quotas.trustPolicyChars/);
      const bigScp = policyDocument(Array.from({ length: 40 }, (_, i) => ({ Sid: `Deny${i}`, Effect: "Deny" as const, Action: "rekognition:StartProjectVersion", Resource: `arn:aws:rekognition:us-east-1:111111111111:project/p${i}/*` })));
      const scp = await check(quotaBudgets, resource("aws:organizations/policy:Policy", "big", { name: "big-scp", type: "SERVICE_CONTROL_POLICY", content: toJson(bigScp) }));
      expect(scp[0]).to.match(/^SCP big-scp is \d+ characters, over the limit of 5120 \(modelshare:quotas.scpChars/);
    });
    it("checks the inline policies of a role together, and the SCPs attached to each target (stack checks)", async () => {
      const half = policyDocument([{ Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: Array.from({ length: 50 }, (_, i) => QA_VERSION.replace("1725287405000", String(1725287405000 + i))) }]);
      const resources = [
        rolePolicy("modelshare-qa", half),
        { ...rolePolicy("modelshare-qa", half), name: "second-policy" },
        rolePolicy("modelshare-prod", half),
        ...["a", "b", "c", "d", "e"].map((s) => resource("aws:organizations/policyAttachment:PolicyAttachment", `attach-${s}`, { policyId: `p-${s}`, targetId: "ou-ab12-qa000001" })),
      ];
      const context = await contextFor(resources);
      const violations = quotaBudgets.checkStack!({ stack: "test", resources, context });
      expect(violations.map((v) => v.detail)).to.have.length(2);
      expect(violations[0].detail).to.match(/^role modelshare-qa: inline policies together is \d+ characters, over the limit of 10240/);
      expect(violations[1].detail).to.include("SCPs attached to target ou-ab12-qa000001 (5 from modelshare + existing) is 6 attached SCPs, over the limit of 5");
      // Within quota: one policy per role, two attachments per target.
      const fine = [rolePolicy("modelshare-qa", half), ...resources.slice(3, 5)];
      expect(quotaBudgets.checkStack!({ stack: "test", resources: fine, context })).to.deep.equal([]);
    });
  });

  describe("endpoint-private-dns", () => {
    const endpoint = (inputs: Record<string, unknown>) =>
      resource("aws:ec2/vpcEndpoint:VpcEndpoint", "qa-endpoints-sts", { serviceName: "com.amazonaws.us-east-1.sts", vpcEndpointType: "Interface", privateDnsEnabled: true, ...inputs });
    it("passes interface endpoints with private DNS, in a VPC with DNS support and hostnames", async () => {
      expect(await check(endpointPrivateDns, endpoint({}))).to.deep.equal([]);
      expect(await check(endpointPrivateDns, resource("aws:ec2/vpc:Vpc", "vpc", { enableDnsSupport: true, enableDnsHostnames: true }))).to.deep.equal([]);
    });
    it("fails private DNS off, a gateway-type endpoint and a VPC without DNS hostnames", async () => {
      expect(await check(endpointPrivateDns, endpoint({ privateDnsEnabled: false }))).to.deep.equal(["com.amazonaws.us-east-1.sts endpoint has privateDnsEnabled false; it must be true"]);
      expect(await check(endpointPrivateDns, endpoint({ vpcEndpointType: "Gateway" }))).to.have.length(1);
      expect(await check(endpointPrivateDns, resource("aws:ec2/vpc:Vpc", "vpc", { enableDnsSupport: true }))).to.deep.equal(["enableDnsHostnames is undefined; private DNS needs it true"]);
    });
  });

  describe("endpoint-https-from-configured-sources", () => {
    const ingress = (inputs: Record<string, unknown>) =>
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "qa-endpoints-https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, securityGroupId: "sg-1", ...inputs });
    it("passes 443 from the environment's configured CIDR", async () => {
      expect(await check(endpointHttpsOnly, ingress({ cidrIpv4: "10.20.0.0/16" }), { environment: "qa" })).to.deep.equal([]);
    });
    it("fails another port, the internet, another environment's CIDR and an unconfigured security group", async () => {
      expect(await check(endpointHttpsOnly, ingress({ fromPort: 22, toPort: 22, cidrIpv4: "10.20.0.0/16" }), { environment: "qa" })).to.deep.equal(["ingress rule opens ports 22-22; only 443 is allowed"]);
      expect(await check(endpointHttpsOnly, ingress({ cidrIpv4: "0.0.0.0/0" }), { environment: "qa" })).to.deep.equal(["ingress rule admits 0.0.0.0/0 (the whole internet)"]);
      expect(await check(endpointHttpsOnly, ingress({ cidrIpv4: "10.30.0.0/16" }), { environment: "qa" })).to.deep.equal([
        "ingress rule admits 10.30.0.0/16, which is not in modelshare:network.allowedCidrs (10.20.0.0/16)",
      ]);
      expect(await check(endpointHttpsOnly, ingress({ referencedSecurityGroupId: "sg-0badbadbad" }), { environment: "qa" })).to.have.length(1);
    });
  });

  describe("trusted-principals-protected", () => {
    it("passes a shared role that trusts only roles under /modelshare/", async () => {
      expect(await check(trustedPrincipalsProtected, sharedRole({}))).to.deep.equal([]);
    });
    it("fails a trusted role outside the path while the guardrail is on, and says nothing with it off", async () => {
      const legacy = sharedRoleTrustPolicy({ partition: "aws", consumerAccountId: "222222222222", organizationId: "o-a1b2c3d4e5", applicationPrincipalArns: ["arn:aws:iam::222222222222:role/legacy-app"] });
      const role = sharedRole({ assumeRolePolicy: toJson(legacy) });
      expect(await check(trustedPrincipalsProtected, role)).to.deep.equal([
        "assumeRolePolicy statement AssumeFromConsumerApplication trusts arn:aws:iam::222222222222:role/legacy-app, which is not a role under /modelshare/: the consumer guardrail does not protect it; let the consumer stack create it (application.roleName, smokeTest.createRole)",
      ]);
      expect(await check(trustedPrincipalsProtected, role, { intent: { ...exampleIntent(), consumerGuardrail: false } })).to.deep.equal([]);
    });
  });

  describe("exemptions-protected", () => {
    const ML_INPUT = { partition: "aws", region: "us-east-1", mlAccountId: "111111111111", projectName: "defect-detector" };
    const PIPELINE = "arn:aws:iam::111111111111:role/modelshare-pipeline";
    const scp = (document: object) => resource("aws:organizations/policy:Policy", "modelshare-ml-guardrail-policy", { type: "SERVICE_CONTROL_POLICY", content: JSON.stringify(document) });
    it("passes both guardrails: every exempted role is protected by the same SCP", async () => {
      expect(await check(exemptionsProtected, scp(mlGuardrailPolicy({ ...ML_INPUT, exemptRoleArns: [PIPELINE], exemptRoleAdminArns: ["arn:aws:iam::111111111111:role/iam-admin"] })))).to.deep.equal([]);
      expect(await check(exemptionsProtected, scp(consumerGuardrailPolicy({ partition: "aws", deployRoleNames: ["modelshare-deploy", "ci/deployer"] })))).to.deep.equal([]);
      // Role admins (guardrail.roleAdminPrincipalArns) and the training principal are exempt, so protected too.
      const stackSets = "arn:aws:iam::*:role/stacksets-exec-*";
      expect(await check(exemptionsProtected, scp(consumerGuardrailPolicy({ partition: "aws", deployRoleNames: ["modelshare-deploy"], roleAdminPrincipalArns: [stackSets] })))).to.deep.equal([]);
      expect(await check(exemptionsProtected, scp(mlGuardrailPolicy({ ...ML_INPUT, exemptRoleArns: [PIPELINE], roleAdminPrincipalArns: [stackSets], trainingPrincipalArn: "arn:aws:iam::111111111111:role/trainer" })))).to.deep.equal([]);
    });
    it("fails an SCP that exempts a role it leaves open to takeover (the guardrail before issue 8)", async () => {
      const before = policyDocument([
        { Sid: "ProtectSharedModel", Effect: "Deny", Action: ["rekognition:StartProjectVersion"], Resource: "*", Condition: { ArnNotLike: { "aws:PrincipalArn": [PIPELINE] } } },
        { Sid: "ProtectSharedRoles", Effect: "Deny", Action: ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"], Resource: "arn:aws:iam::111111111111:role/modelshare/*", Condition: { ArnNotLike: { "aws:PrincipalArn": [PIPELINE] } } },
      ]);
      const POLICIES_OPEN = "content exempts roles but does not deny iam:CreatePolicyVersion, iam:DeletePolicy, iam:DeletePolicyVersion, iam:SetDefaultPolicyVersion, iam:TagPolicy, iam:UntagPolicy on the protected policies (policy/modelshare-protected/*) their permissions come from";
      expect(await check(exemptionsProtected, scp(before))).to.deep.equal([
        `content exempts ${PIPELINE} but does not deny iam:CreateRole, iam:DeleteRole, iam:UpdateAssumeRolePolicy, iam:PutRolePolicy, iam:AttachRolePolicy, iam:PassRole on it`,
        POLICIES_OPEN,
      ]);
      const withoutPassRole = policyDocument([
        ...before.Statement,
        { Effect: "Deny", Action: "iam:*Role*", Resource: PIPELINE },
      ]);
      // The roles are protected, but their customer-managed policies are not (security review M4): still a finding.
      expect(await check(exemptionsProtected, scp(withoutPassRole))).to.deep.equal([POLICIES_OPEN]);
      const beforeReview = policyDocument([...withoutPassRole.Statement, { Effect: "Deny", Action: ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"], Resource: "arn:aws:iam::*:policy/modelshare-protected/*" }]);
      expect(await check(exemptionsProtected, scp(beforeReview))).to.deep.equal([POLICIES_OPEN.replace("iam:CreatePolicyVersion, ", "").replace("iam:SetDefaultPolicyVersion, ", "")]);
      const protectedPolicies = policyDocument([...withoutPassRole.Statement, { Effect: "Deny", Action: "iam:*Policy*", Resource: "arn:aws:iam::*:policy/modelshare-protected/*" }]);
      expect(await check(exemptionsProtected, scp(protectedPolicies))).to.deep.equal([]);
      const partial = policyDocument([...protectedPolicies.Statement.filter((s) => s.Resource !== PIPELINE), { Effect: "Deny", Action: ["iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:CreateRole"], Resource: PIPELINE }]);
      expect(await check(exemptionsProtected, scp(partial))).to.deep.equal([`content exempts ${PIPELINE} but does not deny iam:PutRolePolicy, iam:AttachRolePolicy, iam:PassRole on it`]);
    });
  });

  it("runRules reports every finding with its rule id and the resource, and counts rules passed and failed", async () => {
    const good = rolePolicy("modelshare-qa", qaPermissions([QA_VERSION]), SHARED_ROLE);
    const bad = sharedRole({ maxSessionDuration: 7200 });
    const context = await contextFor([good, bad]);
    const report = runRules([{ stack: "ml", resources: [good, bad], context }]);
    expect(report.findings).to.deep.equal([
      { ruleId: "chained-session-max-duration", policy: "chained-session-max-duration", resource: "ml/aws:iam/role:Role::shared-qa-role", detail: "maxSessionDuration is 7200 s; a chained session gets at most 3600 s (modelshare:consumers.<env>.maxSessionDurationSeconds)" },
    ]);
    expect(report.failed).to.equal(1);
    expect(report.passed).to.equal(RULES.length - 1);
  });
});
