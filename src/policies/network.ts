import { PolicyDocument, policyDocument } from "./document";

/**
 * Policy of the S3 gateway endpoint of a VPC modelshare creates: only what pulling an image from ECR needs, the
 * layer bucket `prod-<region>-starport-layer-bucket` (Amazon ECR User Guide, "Amazon ECR interface VPC endpoints
 * (AWS PrivateLink)", "Create the Amazon S3 gateway endpoint", minimum policy). Every other S3 request from the VPC
 * is refused at the endpoint: the application's own buckets need a statement of their own here.
 */
export function ecrLayerBucketEndpointPolicy(partition: string, region: string): PolicyDocument {
  return policyDocument([
    { Sid: "PullImageLayersFromEcr", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:${partition}:s3:::prod-${region}-starport-layer-bucket/*` },
  ]);
}
