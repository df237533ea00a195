import { Condition, PolicyDocument, policyDocument, Statement } from "./document";

export const REKOGNITION_SERVICE = "rekognition.amazonaws.com";

export interface DataLakePolicyInput {
  readonly partition: string;
  readonly bucketName: string;
  readonly trainingPrefix: string;
  readonly outputPrefix?: string;
  readonly mlAccountId: string;
  /** aws:SourceAccount on Rekognition's statements (confused-deputy protection). */
  readonly requireSourceAccount: boolean;
}

/**
 * Bucket policy that lets Rekognition read training data (and write training output) for the ML account.
 * Whether Rekognition sets aws:SourceAccount when reading training data is not documented, so the condition is
 * configurable (default on); turn it off only if training fails with access denied on the bucket.
 * Note: a bucket has one policy; this document replaces whatever the bucket had.
 */
export function dataLakeBucketPolicy(input: DataLakePolicyInput): PolicyDocument {
  const bucketArn = `arn:${input.partition}:s3:::${input.bucketName}`;
  // aws:SourceAccount on every Rekognition statement, merged with a statement's own StringEquals.
  const condition = (stringEquals: Record<string, string> = {}): { Condition?: Condition } => {
    const merged = { ...stringEquals, ...(input.requireSourceAccount ? { "aws:SourceAccount": input.mlAccountId } : {}) };
    return Object.keys(merged).length > 0 ? { Condition: { StringEquals: merged } } : {};
  };
  const principal = { Service: REKOGNITION_SERVICE };
  const statements: Statement[] = [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "RekognitionReadsBucket",
      Effect: "Allow",
      Principal: principal,
      Action: ["s3:GetBucketAcl", "s3:GetBucketLocation"],
      Resource: bucketArn,
      ...condition(),
    },
    {
      Sid: "RekognitionReadsTrainingData",
      Effect: "Allow",
      Principal: principal,
      Action: ["s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectTagging", "s3:GetObjectVersion"],
      Resource: `${bucketArn}/${input.trainingPrefix}*`,
      ...condition(),
    },
  ];
  if (input.outputPrefix !== undefined) {
    statements.push({
      Sid: "RekognitionWritesTrainingOutput",
      Effect: "Allow",
      Principal: principal,
      Action: "s3:PutObject",
      Resource: `${bucketArn}/${input.outputPrefix}*`,
      ...condition({ "s3:x-amz-acl": "bucket-owner-full-control" }),
    });
  }
  return policyDocument(statements);
}
