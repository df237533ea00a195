import * as aws from "@pulumi/aws";
import { BucketPolicyJson, parseBucketPolicy } from "../../src/policies/dataLake";

/**
 * The bucket's current policy, read at deploy time through the data-lake account's provider, or undefined when the
 * bucket has none. GetBucketPolicy answers NoSuchBucketPolicy for a bucket without a policy, which the provider's
 * data source reports as an error (terraform-provider-aws internal/service/s3 findBucketPolicy); a missing bucket
 * (NoSuchBucket) or a denied read stays an error.
 */
export async function currentBucketPolicy(bucket: string, provider: aws.Provider): Promise<BucketPolicyJson | undefined> {
  let text: string;
  try {
    text = (await aws.s3.getBucketPolicy({ bucket }, { provider })).policy;
  } catch (error) {
    if (/NoSuchBucketPolicy/.test(error instanceof Error ? error.message : String(error))) return undefined;
    throw error;
  }
  const parsed = parseBucketPolicy(text);
  if (typeof parsed === "string") throw new Error(`the current policy of bucket ${bucket} ${parsed}; fix it before modelshare merges into it`);
  return parsed;
}
