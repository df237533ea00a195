import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DataLakeBucketPolicyArgs {
  /** The data-lake bucket whose policy is read and written back (merge mode). */
  readonly bucketName: string;
  /** The whole policy to write: the bucket's current statements plus modelshare's (built by mergeBucketPolicy). */
  readonly policy: pulumi.Input<string>;
}

/**
 * The data-lake bucket's policy in merge mode, written with a provider for the account that owns the bucket.
 *
 * `aws.s3.BucketPolicy` puts the bucket's whole policy (PutBucketPolicy replaces it) and deleting the resource calls
 * DeleteBucketPolicy (pulumi-aws / terraform-provider-aws `aws_s3_bucket_policy`). So the policy written always
 * carries every statement the bucket already had, and `retainOnDelete` keeps Pulumi from ever deleting the
 * data-lake team's policy: `pulumi destroy`, turning the data lake off or a replacement only drop it from the state
 * (Pulumi resource option retainOnDelete). modelshare's own statements are then removed by hand (README, Deploying).
 */
export class DataLakeBucketPolicy extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: DataLakeBucketPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:DataLakeBucketPolicy", name, {}, opts);
    const policy = new aws.s3.BucketPolicy(`${name}-policy`, { bucket: args.bucketName, policy: args.policy }, { parent: this, retainOnDelete: true });
    this.bucketName = policy.bucket;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
