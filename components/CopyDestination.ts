import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../src/policies/document";

export interface CopyDestinationArgs {
  readonly environment: string;
  /** The destination project CopyProjectVersion copies into (it must exist before the copy). */
  readonly projectName: string;
  /** The S3 output location CopyProjectVersion requires (OutputConfig.S3Bucket). */
  readonly outputBucketName: string;
  /** TLS-only bucket policy (built by outputBucketPolicy). */
  readonly bucketPolicy: PolicyDocument;
  /** Create a customer managed key with this policy (built by copyKeyPolicy); omit for none. */
  readonly createKeyPolicy?: PolicyDocument;
  /** Or encrypt with this existing key. @default S3-managed keys (SSE-S3) when neither is given */
  readonly kmsKeyArn?: string;
  readonly tags?: Record<string, string>;
}

/**
 * What a copy environment's account holds for its copies: the destination project (protected: deleting a project
 * deletes every copied version in it), the output bucket (private, encrypted, TLS only, owner-enforced objects) and
 * optionally a customer managed KMS key. The copies themselves are made by promotion (CopyProjectVersion); @pulumi/aws
 * has no resource for project versions.
 */
export class CopyDestination extends pulumi.ComponentResource {
  readonly projectArn: pulumi.Output<string>;
  readonly bucketName: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: CopyDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:CopyDestination", name, {}, opts);
    const childOpts = { parent: this };
    const project = new aws.rekognition.Project(
      `${name}-project`,
      { name: args.projectName, feature: "CUSTOM_LABELS", tags: args.tags },
      { ...childOpts, protect: true },
    );

    const key = args.createKeyPolicy
      ? new aws.kms.Key(
          `${name}-key`,
          { description: `modelshare: copies of the model for ${args.environment}`, enableKeyRotation: true, deletionWindowInDays: 30, policy: toJson(args.createKeyPolicy), tags: args.tags },
          childOpts,
        )
      : undefined;
    const kmsKeyArn: pulumi.Input<string> | undefined = key?.arn ?? args.kmsKeyArn;

    const bucket = new aws.s3.Bucket(`${name}-output`, { bucket: args.outputBucketName, forceDestroy: false, tags: args.tags }, childOpts);
    new aws.s3.BucketPublicAccessBlock(
      `${name}-output-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      childOpts,
    );
    new aws.s3.BucketOwnershipControls(`${name}-output-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, childOpts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-output-encryption`,
      {
        bucket: bucket.id,
        rules: [
          kmsKeyArn !== undefined
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      childOpts,
    );
    new aws.s3.BucketPolicy(`${name}-output-policy`, { bucket: bucket.id, policy: toJson(args.bucketPolicy) }, childOpts);

    this.projectArn = project.arn;
    this.bucketName = bucket.bucket;
    this.kmsKeyArn = kmsKeyArn !== undefined ? pulumi.output(kmsKeyArn) : undefined;
    this.registerOutputs({ projectArn: this.projectArn, bucketName: this.bucketName, kmsKeyArn: this.kmsKeyArn });
  }
}
