import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import type { MatrixRow } from "../../src/matrix";
import { MATRIX_CSV_COLUMNS, matrixCsv } from "../../src/synth/matrixCsv";
import { policyDocumentFiles, PROJECT_POLICY_TYPE } from "../../src/synth/policyFiles";
import type { SynthesizedResource } from "../../src/synth/run";

const row = (overrides: Partial<MatrixRow> = {}): MatrixRow => ({
  principal: "arn:aws:sts::222222222222:assumed-role/modelshare-qa-app/modelshare-matrix",
  action: "sts:AssumeRole",
  resource: "arn:aws:iam::111111111111:role/modelshare/modelshare-qa",
  expected: "Allowed",
  decision: "Allowed",
  reason: "allowed by identity policy qa-app-model-access#AssumeSharedModelRole",
  category: "legitimate",
  scenario: "qa application -> its own shared role",
  kind: "assume",
  mismatch: false,
  ...overrides,
});

function resource(type: string, name: string, inputs: Record<string, unknown>): SynthesizedResource {
  return { type, name, parent: null, provider: "default", account: "111111111111", region: "us-east-1", inputs };
}

const trust = { Version: "2012-10-17", Statement: [{ Sid: "Trust", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "sts:AssumeRole" }] };
const permissions = { Version: "2012-10-17", Statement: [{ Sid: "Detect", Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: "arn:aws:rekognition:us-east-1:111111111111:project/p/version/v/1" }] };

describe("reviewable synth output", () => {
  describe("OUT/access-matrix.csv (src/synth/matrixCsv.ts)", () => {
    it("has a header row and one record per row, which an RFC 4180 parser reads back unchanged (commas, quotes, line breaks)", () => {
      const tricky = row({ reason: 'denied by "Deny, if not org" statement\nsecond line', scenario: "a, b and \"c\"", decision: "ExplicitlyDenied", expected: "Denied" });
      const mismatched = row({ mismatch: true, error: "simulator refused: bad ARN" });
      const text = matrixCsv([row(), tricky, mismatched]);
      expect(text.split("\r\n")[0]).to.equal(MATRIX_CSV_COLUMNS.join(","));
      // RFC 4180: records end with CRLF; a field with a comma, quote or line break is quoted and quotes are doubled.
      expect(text).to.include('"a, b and ""c"""');
      expect(text.endsWith("\r\n")).to.equal(true);
      const records: Record<string, string>[] = parseCsv(text, { columns: true, record_delimiter: "\r\n" });
      expect(records).to.have.length(3);
      expect(records[1].reason).to.equal(tricky.reason);
      expect(records[1].scenario).to.equal(tricky.scenario);
      expect(records.map((r) => r.mismatch)).to.deep.equal(["false", "false", "true"]);
      expect(records[2].error).to.equal("simulator refused: bad ARN");
      expect(records[0].error).to.equal("");
      for (const column of MATRIX_CSV_COLUMNS) expect(records[0], column).to.have.property(column);
    });

    it("writes only the header for an empty matrix", () => {
      expect(matrixCsv([])).to.equal(`${MATRIX_CSV_COLUMNS.join(",")}\r\n`);
    });
  });

  describe("OUT/policies/<stack>/<name>.json (src/synth/policyFiles.ts)", () => {
    it("writes every policy document of every stack pretty-printed, named after its resource, the whole document as deployed", () => {
      const bucketPolicy = { Version: "2012-10-17", Statement: [{ Sid: "OwnersOwn", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] };
      const files = policyDocumentFiles([
        {
          stack: "ml",
          resources: [
            resource("aws:iam/role:Role", "shared-qa-role", { name: "modelshare-qa", assumeRolePolicy: JSON.stringify(trust) }),
            resource("aws:iam/rolePolicy:RolePolicy", "shared-qa-detect", { role: "modelshare-qa", policy: JSON.stringify(permissions) }),
            resource("aws:s3/bucketPolicy:BucketPolicy", "data-lake", { bucket: "b", policy: JSON.stringify(bucketPolicy) }),
            resource("aws:ssm/parameter:Parameter", "not-a-policy", { value: "x" }),
          ],
        },
        { stack: "qa", resources: [resource("aws:ec2/vpcEndpoint:VpcEndpoint", "qa-rekognition", { policy: JSON.stringify(permissions) })] },
      ]);
      expect(files.map((f) => f.path)).to.deep.equal(["ml/shared-qa-role.json", "ml/shared-qa-detect.json", "ml/data-lake.json", "qa/qa-rekognition.json"]);
      expect(files[0]).to.deep.include({ stack: "ml", type: "aws:iam/role:Role", name: "shared-qa-role", field: "assumeRolePolicy", kind: "trust" });
      expect(files[0].text).to.equal(`${JSON.stringify(trust, null, 2)}\n`);
      expect(files[0].text.split("\n").length).to.be.greaterThan(10);
      // A merged bucket policy is written whole: the owner's statements are part of what gets deployed.
      expect(JSON.parse(files[2].text)).to.deep.equal(bucketPolicy);
    });

    it("writes the copy environments' project policies the ML stack plans (applied by the CLI, no Pulumi resource); none for a policy being deleted", () => {
      const document = { Version: "2012-10-17", Statement: [{ Sid: "CopyGrantedVersionsToStaging", Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Action: "rekognition:CopyProjectVersion", Resource: ["arn:aws:rekognition:us-east-1:111111111111:project/p/version/v/1"] }] };
      const outputs = { projectPolicies: { staging: { policyName: "modelshare-copy-staging", document }, dev: { policyName: "modelshare-copy-dev", document: null } } };
      const files = policyDocumentFiles([{ stack: "ml", resources: [resource("aws:iam/role:Role", "modelshare-copy-staging", { assumeRolePolicy: JSON.stringify(trust) })], outputs }]);
      expect(files.map((f) => f.path)).to.deep.equal(["ml/modelshare-copy-staging.json", "ml/modelshare-copy-staging.Role.json"]);
      expect(files[0]).to.deep.include({ type: PROJECT_POLICY_TYPE, name: "modelshare-copy-staging", field: "document", kind: "project" });
      expect(JSON.parse(files[0].text)).to.deep.equal(document);
    });

    it("keeps names distinct and inside the stack's directory: same names of other types, path characters, unparsable documents", () => {
      const files = policyDocumentFiles([
        {
          stack: "ml",
          resources: [
            resource("aws:iam/role:Role", "shared", { assumeRolePolicy: JSON.stringify(trust) }),
            resource("aws:iam/rolePolicy:RolePolicy", "shared", { policy: JSON.stringify(permissions) }),
            resource("aws:iam/rolePolicy:RolePolicy", "../../etc/passwd", { policy: JSON.stringify(permissions) }),
            resource("aws:iam/rolePolicy:RolePolicy", "broken", { policy: "{not json" }),
          ],
        },
      ]);
      const paths = files.map((f) => f.path);
      expect(new Set(paths).size).to.equal(paths.length);
      expect(paths).to.include("ml/shared.json");
      expect(paths).to.include("ml/shared.RolePolicy.json");
      for (const p of paths) expect(p, p).to.match(/^ml\/[A-Za-z0-9._-]+\.json$/);
      for (const p of paths) expect(p.slice(3), p).not.to.match(/^\./);
      // A document that is not JSON is written as the text the provider would get, so the reviewer sees the defect.
      const broken = files.find((f) => f.name === "broken");
      expect(broken?.text).to.equal("{not json\n");
    });
  });
});
