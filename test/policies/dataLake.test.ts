import { expect } from "chai";
import {
  checkDataLakeStatements,
  DataLakeGrantInput,
  dataLakeStatements,
  mergeBucketPolicy,
  parseBucketPolicy,
  trainingPrincipalPolicy,
} from "../../src/policies/dataLake";

const INPUT: DataLakeGrantInput = {
  partition: "aws",
  bucketName: "corp-data-lake",
  trainingPrefix: "rekognition/defect/training/",
  outputPrefix: "rekognition/defect/output/",
  mlAccountId: "111111111111",
  projectName: "defect-detector",
  trainingPrincipalArn: "arn:aws:iam::111111111111:role/modelshare-pipeline",
  rekognitionServicePrincipal: false,
  requireSourceAccount: true,
  region: "us-east-1",
};
const BUCKET = "arn:aws:s3:::corp-data-lake";

function bySid(statements: readonly any[]): Record<string, any> {
  return Object.fromEntries(statements.map((s) => [s.Sid, s]));
}

/** A statement of the data-lake team's own, with and without a Sid. */
const FOREIGN = [
  { Sid: "AnalyticsTeamRead", Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Action: "s3:GetObject", Resource: `${BUCKET}/analytics/*` },
  { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [BUCKET, `${BUCKET}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
];

describe("data-lake grant", () => {
  it("grants the training principal only: list the training prefix, read under it, write output with bucket-owner-full-control, over TLS", () => {
    const statements = bySid(dataLakeStatements(INPUT));
    expect(Object.keys(statements)).to.deep.equal(["ModelsharedefectdetectorTrainingList", "ModelsharedefectdetectorTrainingRead", "ModelsharedefectdetectorOutputWrite"]);
    for (const statement of Object.values(statements)) {
      expect(statement.Effect).to.equal("Allow");
      expect(statement.Principal).to.deep.equal({ AWS: "arn:aws:iam::111111111111:root" });
      expect(statement.Condition.ArnEquals).to.deep.equal({ "aws:PrincipalArn": INPUT.trainingPrincipalArn });
      expect(statement.Condition.Bool).to.deep.equal({ "aws:SecureTransport": "true" });
    }
    const list = statements.ModelsharedefectdetectorTrainingList;
    expect(list).to.deep.include({ Action: "s3:ListBucket", Resource: BUCKET });
    expect(list.Condition.StringLike).to.deep.equal({ "s3:prefix": "rekognition/defect/training/*" });
    expect(statements.ModelsharedefectdetectorTrainingRead).to.deep.include({ Action: "s3:GetObject", Resource: `${BUCKET}/rekognition/defect/training/*` });
    const write = statements.ModelsharedefectdetectorOutputWrite;
    expect(write).to.deep.include({ Action: "s3:PutObject", Resource: `${BUCKET}/rekognition/defect/output/*` });
    expect(write.Condition.StringEquals).to.deep.equal({ "s3:x-amz-acl": "bucket-owner-full-control" });
    expect(JSON.stringify(statements)).not.to.include("rekognition.amazonaws.com");
  });

  it("grants no write without an output prefix", () => {
    const statements = dataLakeStatements({ ...INPUT, outputPrefix: undefined });
    expect(statements.map((s) => s.Action)).to.deep.equal(["s3:ListBucket", "s3:GetObject"]);
  });

  it("adds Rekognition's service principal only when asked, with aws:SourceAccount unless turned off", () => {
    const withService = bySid(dataLakeStatements({ ...INPUT, rekognitionServicePrincipal: true }));
    const read = withService.ModelsharedefectdetectorServiceRead;
    expect(read.Principal).to.deep.equal({ Service: "rekognition.amazonaws.com" });
    expect(read.Resource).to.equal(`${BUCKET}/rekognition/defect/training/*`);
    // Security review L1: aws:SourceArn narrows the grant to jobs of the shared project, not any ML-account trainer's.
    const project = { ArnLike: { "aws:SourceArn": "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/*" } };
    expect(read.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "111111111111" }, ...project });
    expect(withService.ModelsharedefectdetectorServiceWrite.Condition.StringEquals).to.deep.equal({ "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": "111111111111" });
    expect(withService.ModelsharedefectdetectorServiceBucket.Condition.ArnLike).to.deep.equal(project.ArnLike);
    const withoutSourceArn = bySid(dataLakeStatements({ ...INPUT, rekognitionServicePrincipal: true, requireSourceArn: false }));
    expect(withoutSourceArn.ModelsharedefectdetectorServiceRead.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "111111111111" } });
    const unconditioned = bySid(dataLakeStatements({ ...INPUT, rekognitionServicePrincipal: true, requireSourceAccount: false, requireSourceArn: false }));
    expect(unconditioned.ModelsharedefectdetectorServiceRead.Condition).to.equal(undefined);
  });

  it("gives the training principal's own policy the same rights (cross-account S3 needs both sides)", () => {
    const policy = trainingPrincipalPolicy(INPUT);
    expect(policy.Statement.map((s) => [s.Action, s.Resource])).to.deep.equal(
      dataLakeStatements(INPUT).map((s) => [s.Action, s.Resource]),
    );
    expect(policy.Statement.every((s) => s.Principal === undefined)).to.equal(true);
  });

  describe("merge mode", () => {
    it("keeps every statement that is not this installation's, with and without a Sid, and the policy's Id", () => {
      const current = { Version: "2012-10-17", Id: "DataLakePolicy", Statement: FOREIGN };
      const merged = mergeBucketPolicy(current, dataLakeStatements(INPUT), INPUT.projectName);
      expect(merged.Id).to.equal("DataLakePolicy");
      expect(merged.Statement.slice(0, 2)).to.deep.equal(FOREIGN);
      expect(merged.Statement.slice(2)).to.deep.equal(dataLakeStatements(INPUT));
    });

    it("replaces its own statements from an earlier deployment, drops stale ones, and keeps another model's", () => {
      const earlier = dataLakeStatements({ ...INPUT, trainingPrefix: "old/", rekognitionServicePrincipal: true });
      const otherModel = dataLakeStatements({ ...INPUT, projectName: "defect-detector-2" });
      const current = { Statement: [...FOREIGN, ...earlier, ...otherModel] };
      const now = dataLakeStatements({ ...INPUT, outputPrefix: undefined });
      const merged = mergeBucketPolicy(current, now, INPUT.projectName);
      expect(merged.Statement).to.deep.equal([...FOREIGN, ...otherModel, ...now]);
      expect(JSON.stringify(merged)).not.to.include("old/");
    });

    it("starts a policy when the bucket has none", () => {
      expect(mergeBucketPolicy(undefined, dataLakeStatements(INPUT), INPUT.projectName)).to.deep.equal({ Version: "2012-10-17", Statement: dataLakeStatements(INPUT) });
    });
  });

  describe("check of the owner's policy", () => {
    const required = dataLakeStatements(INPUT);

    it("passes when every statement is there, whatever the order and single-value or list form", () => {
      const reshaped = required.map((s) => ({ ...s, Action: [s.Action], Resource: [s.Resource] })).reverse();
      const result = checkDataLakeStatements({ Statement: [...FOREIGN, ...reshaped] }, required);
      expect(result).to.deep.include({ ok: true, missing: [], different: [] });
      expect(result.present).to.have.length(3);
    });

    it("names what is missing and what was changed, narrowed or widened", () => {
      const [list, read, write] = required;
      const widened = { ...read, Resource: `${BUCKET}/*` };
      const result = checkDataLakeStatements({ Statement: [list, widened, ...FOREIGN] }, required);
      expect(result.ok).to.equal(false);
      expect(result.missing).to.deep.equal([write.Sid]);
      expect(result.different.map((d) => d.sid)).to.deep.equal([read.Sid]);
      expect(result.different[0].found).to.deep.equal(widened);
      const noCondition = { ...list, Condition: undefined };
      expect(checkDataLakeStatements({ Statement: [JSON.parse(JSON.stringify(noCondition)), read, write] }, required).different.map((d) => d.sid)).to.deep.equal([list.Sid]);
    });

    it("reads a policy as text and says why text is not one", () => {
      expect(parseBucketPolicy(JSON.stringify({ Statement: FOREIGN[0] }))).to.deep.equal({ Statement: [FOREIGN[0]] });
      expect(parseBucketPolicy("{nope")).to.match(/^is not valid JSON/);
      expect(parseBucketPolicy("[]")).to.equal("is not a JSON object");
      expect(parseBucketPolicy("{}")).to.equal("has no Statement");
    });
  });
});
