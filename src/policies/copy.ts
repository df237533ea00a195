import { accountRootArn } from "../arn";
import { DETECT_ACTION } from "./sharedRole";
import { PolicyDocument, policyDocument, uniqueSorted } from "./document";

/**
 * The consumer-side documents of a copy environment (sharing: copy): the application calls the environment's own
 * copies with its own credentials, so there is no shared role, no STS endpoint and no cross-account trust here.
 * DetectCustomLabels acts on the projectversion resource (IAM service authorization reference): exact copy ARNs only,
 * never `project/NAME/version/*`, which would also admit a version copied in later by someone else.
 */

const READ_PARAMETERS = ["ssm:GetParameter", "ssm:GetParameters"];

/** The application role's permissions: call exactly the environment's copies, read its own parameters. */
export function copyApplicationPolicy(input: { readonly copiedVersionArns: readonly string[]; readonly parameterArns: readonly string[] }): PolicyDocument {
  const copies = uniqueSorted(input.copiedVersionArns);
  return policyDocument([
    ...(copies.length > 0 ? [{ Sid: "DetectWithOwnCopies", Effect: "Allow" as const, Action: DETECT_ACTION, Resource: copies }] : []),
    { Sid: "ReadModelParameters", Effect: "Allow", Action: READ_PARAMETERS, Resource: uniqueSorted(input.parameterArns) },
  ]);
}

/**
 * The Rekognition endpoint policy of a copy environment: principals of this account may call DetectCustomLabels on
 * this environment's copies, nothing else through the endpoint.
 */
export function copyRekognitionEndpointPolicy(input: { readonly copiedVersionArns: readonly string[]; readonly consumerAccountId: string }): PolicyDocument {
  const copies = uniqueSorted(input.copiedVersionArns);
  if (copies.length === 0) return policyDocument([{ Sid: "NothingCopiedYet", Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }]);
  return policyDocument([
    {
      Sid: "DetectOwnCopiesFromThisAccount",
      Effect: "Allow",
      Principal: "*",
      Action: DETECT_ACTION,
      Resource: copies,
      Condition: { StringEquals: { "aws:PrincipalAccount": input.consumerAccountId } },
    },
  ]);
}

/** The smoke-test role of a copy environment: `verify` calls the new copy directly, as the application will. */
export function copySmokeTestPolicy(input: { readonly copiedVersionArns: readonly string[] }): PolicyDocument {
  const copies = uniqueSorted(input.copiedVersionArns);
  if (copies.length === 0) return policyDocument([{ Sid: "NothingCopiedYet", Effect: "Deny", Action: "*", Resource: "*" }]);
  return policyDocument([{ Sid: "DetectWithOwnCopies", Effect: "Allow", Action: DETECT_ACTION, Resource: copies }]);
}

/**
 * The copy's output bucket: refuse every request that is not TLS (aws:SecureTransport), the S3 User Guide's
 * "Enforce encryption in transit" pattern. Public access is blocked and encryption set by the bucket's own settings.
 */
export function outputBucketPolicy(input: { readonly partition: string; readonly bucketName: string }): PolicyDocument {
  const bucket = `arn:${input.partition}:s3:::${input.bucketName}`;
  return policyDocument([
    {
      // "Modelshare..." so the rules judge it as modelshare's (rules/documents.ts keeps only such bucket statements).
      Sid: "ModelshareCopyOutputDenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucket, `${bucket}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ]);
}

/**
 * The optional customer managed key's policy: the account administers and uses it through IAM (the KMS default key
 * policy; without the account statement the key becomes unmanageable). The deploy role's IAM policy then needs
 * kms:CreateGrant, DescribeKey, GenerateDataKey and Decrypt, which CopyProjectVersion requires of the caller
 * (Rekognition API Reference, CopyProjectVersion, KmsKeyId).
 */
export function copyKeyPolicy(input: { readonly partition: string; readonly accountId: string }): PolicyDocument {
  return policyDocument([
    { Sid: "AccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: accountRootArn(input.partition, input.accountId) }, Action: "kms:*", Resource: "*" },
  ]);
}
