import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../src/policies/document";

export interface DataLakeBucketPolicyArgs {
  readonly bucketName: string;
  /** The bucket policy (built by dataLakeBucketPolicy). */
  readonly document: PolicyDocument;
}

/**
 * The data-lake bucket's policy that lets Rekognition read training data. Create it with a provider for the
 * account that owns the bucket. A bucket has a single policy: this replaces any policy it had.
 */
export class DataLakeBucketPolicy extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: DataLakeBucketPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:DataLakeBucketPolicy", name, {}, opts);
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: args.bucketName, policy: toJson(args.document) },
      { parent: this },
    );
    this.bucketName = policy.bucket;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
