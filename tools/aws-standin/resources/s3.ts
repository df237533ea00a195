import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { AwsClients } from "../aws";
import { orGone, Props, ResourceType, str } from "../types";

/** The bucket's whole policy: put replaces any policy the bucket had, delete removes it (see FACTS.md). */
async function readBucketPolicy(aws: AwsClients, bucket: string): Promise<Props | undefined> {
  return orGone(async () => {
    const response = await aws.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    return response.Policy === undefined ? undefined : { bucket, policy: response.Policy };
  });
}

export const bucketPolicy: ResourceType = {
  replaceOn: ["bucket"],
  async create(aws, inputs) {
    const bucket = str(inputs, "bucket");
    await aws.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: str(inputs, "policy") }));
    return { id: bucket, outputs: (await readBucketPolicy(aws, bucket)) ?? {} };
  },
  read: (aws, id) => readBucketPolicy(aws, id),
  async update(aws, id, _olds, news) {
    await aws.s3.send(new PutBucketPolicyCommand({ Bucket: id, Policy: str(news, "policy") }));
    return (await readBucketPolicy(aws, id)) ?? {};
  },
  async delete(aws, id) {
    await aws.s3.send(new DeleteBucketPolicyCommand({ Bucket: id }));
  },
};

/** aws.s3.getBucketPolicy: the policy as AWS stores it. */
export async function getBucketPolicy(aws: AwsClients, args: Props): Promise<Props> {
  const bucket = str(args, "bucket");
  const response = await aws.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
  return { id: bucket, bucket, policy: response.Policy ?? "" };
}
