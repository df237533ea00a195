/**
 * Where the shared model can live, as tables with their source and the date they were read. AWS adds regions over
 * time: when it does, add the region here (with the date) rather than loosening the check.
 */

/**
 * Regions where Amazon Rekognition Custom Labels is offered.
 * Source: AWS General Reference, "Amazon Rekognition endpoints and quotas", section "Amazon Rekognition Custom
 * Labels" (https://docs.aws.amazon.com/general/latest/gr/rekognition.html#endpoints-custom-labels), which the Custom
 * Labels guide ("Guidelines and quotas", Supported Regions) points to. Read 2026-11-29. Custom Labels is not
 * offered in AWS GovCloud (US) ("Amazon Rekognition in AWS GovCloud (US)", GovCloud user guide) nor listed for China.
 */
export const CUSTOM_LABELS_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "eu-west-1",
  "eu-west-2",
  "eu-central-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "ap-northeast-2",
];

/**
 * Regions with a Rekognition FIPS endpoint (`rekognition-fips.<region>.amazonaws.com`).
 * Source: AWS General Reference, "Amazon Rekognition endpoints and quotas", Service endpoints table
 * (https://docs.aws.amazon.com/general/latest/gr/rekognition.html). Read 2026-11-29. The Rekognition guide ("Using
 * Amazon Rekognition with Amazon VPC endpoints") says every Rekognition FIPS endpoint is supported by AWS
 * PrivateLink, so these are also the regions with a `com.amazonaws.<region>.rekognition-fips` endpoint service.
 * Only us-east-1, us-east-2 and us-west-2 are also Custom Labels regions.
 */
export const REKOGNITION_FIPS_REGIONS: readonly string[] = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "us-gov-west-1"];

export type Partition = "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b" | "aws-iso-e" | "aws-iso-f" | "aws-eusc";

/**
 * The partition a region belongs to, from its name (the prefixes of the partitions in the AWS SDK's partitions.json:
 * cn-, us-gov-, us-iso-, us-isob-, eu-isoe-, us-isof-, eusc-; every other region is in `aws`).
 */
export function partitionOfRegion(region: string): Partition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  if (region.startsWith("eusc-")) return "aws-eusc";
  return "aws";
}

/** Why a region cannot hold the shared model, or undefined when it can. */
export function customLabelsRegionProblem(region: string): string | undefined {
  if (CUSTOM_LABELS_REGIONS.includes(region)) return undefined;
  return `Rekognition Custom Labels is not offered in ${region}; allowed: ${CUSTOM_LABELS_REGIONS.join(", ")} (AWS General Reference, Rekognition endpoints, read 2026-11-29)`;
}

/** Why network.fips cannot be on in a region, or undefined when it can. */
export function fipsRegionProblem(region: string): string | undefined {
  if (REKOGNITION_FIPS_REGIONS.includes(region)) return undefined;
  const usable = REKOGNITION_FIPS_REGIONS.filter((r) => CUSTOM_LABELS_REGIONS.includes(r));
  return `is true, but Rekognition has no FIPS endpoint (rekognition-fips) in ${region}; FIPS is possible for a Custom Labels model only in ${usable.join(", ")}`;
}
