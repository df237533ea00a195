import { DetectCustomLabelsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";

/**
 * The smoke-test function's code. It runs in the consumer account's private subnets as the smoke-test role, so its
 * calls take the path an application's do: regional STS through the consumer's STS endpoint into the environment's
 * shared role, then DetectCustomLabels through the consumer's Rekognition endpoint. The ML pipeline only invokes it
 * (from the ML account) and reads the labels: no ML-account credentials are ever needed in the consumer account.
 *
 * Self-contained on purpose: the Node.js Lambda runtime ships AWS SDK v3, so the stack uploads this one file as the
 * build compiles it to CommonJS (smokeTestFunctionCode), with no bundling and no other import. Which role it assumes and in
 * which region it calls come from the function's environment (set by the consumer stack, changeable only by the
 * deploy roles under the consumer guardrail), never from the caller's payload.
 */

export interface SmokeTestEvent {
  readonly modelVersionArn: string;
  /** The test image, base64 (DetectCustomLabels takes at most 4 MB of image bytes). */
  readonly imageBase64: string;
  readonly minConfidence: number;
}

export interface SmokeTestResult {
  readonly labels: readonly { readonly name: string; readonly confidence: number }[];
}

/** DetectCustomLabels' limit for Image.Bytes (Custom Labels guide, "Guidelines and quotas"). */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

const VERSION_ARN = /^arn:aws[a-z-]*:rekognition:[a-z0-9-]+:\d{12}:project\/[A-Za-z0-9_.-]+\/version\/[A-Za-z0-9_.-]+\/\d+$/;

/** A request the function refuses before any AWS call; its name reaches the caller as the invocation's errorType. */
export class SmokeTestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SmokeTestInputError";
  }
}

function settings(env: NodeJS.ProcessEnv): { sharedRoleArn: string; region: string; useFipsEndpoint: boolean; environment: string } {
  const sharedRoleArn = env.MODELSHARE_SHARED_ROLE_ARN;
  const region = env.MODELSHARE_MODEL_REGION;
  if (!sharedRoleArn || !region) throw new SmokeTestInputError("the function's environment lacks MODELSHARE_SHARED_ROLE_ARN or MODELSHARE_MODEL_REGION: redeploy the consumer stack");
  return { sharedRoleArn, region, useFipsEndpoint: env.MODELSHARE_USE_FIPS_ENDPOINT === "true", environment: env.MODELSHARE_ENVIRONMENT ?? "unknown" };
}

/** The event as sent by promotion's verify step; anything else is refused. */
export function parseEvent(event: unknown): { modelVersionArn: string; image: Uint8Array; minConfidence: number } {
  const e = (event ?? {}) as Partial<Record<keyof SmokeTestEvent, unknown>>;
  if (typeof e.modelVersionArn !== "string" || !VERSION_ARN.test(e.modelVersionArn)) throw new SmokeTestInputError("modelVersionArn must be a Rekognition project version ARN");
  if (typeof e.minConfidence !== "number" || !(e.minConfidence >= 0 && e.minConfidence <= 100)) throw new SmokeTestInputError("minConfidence must be a number from 0 to 100");
  if (typeof e.imageBase64 !== "string" || e.imageBase64.length === 0) throw new SmokeTestInputError("imageBase64 must be a non-empty base64 string");
  const image = Buffer.from(e.imageBase64, "base64");
  if (image.length > MAX_IMAGE_BYTES) throw new SmokeTestInputError(`the image is ${image.length} bytes; DetectCustomLabels takes at most ${MAX_IMAGE_BYTES}`);
  return { modelVersionArn: e.modelVersionArn, image, minConfidence: e.minConfidence };
}

/**
 * One smoke test. Errors from STS and Rekognition are rethrown unchanged: Lambda reports their name as the
 * invocation's errorType, and the verify step decides from it whether IAM propagation explains the failure.
 */
export async function handler(event: unknown): Promise<SmokeTestResult> {
  const request = parseEvent(event);
  const config = settings(process.env);
  // Regional STS (the SDK's default): with the STS endpoint's private DNS it stays inside the VPC.
  const sts = new STSClient({ region: config.region });
  try {
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: config.sharedRoleArn, RoleSessionName: `modelshare-smoke-test-${config.environment}`.slice(0, 64), DurationSeconds: 900 }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole on ${config.sharedRoleArn} returned no credentials`);
    const rekognition = new RekognitionClient({
      region: config.region,
      useFipsEndpoint: config.useFipsEndpoint,
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
    });
    try {
      const answer = await rekognition.send(new DetectCustomLabelsCommand({ ProjectVersionArn: request.modelVersionArn, Image: { Bytes: request.image }, MinConfidence: request.minConfidence }));
      return { labels: (answer.CustomLabels ?? []).map((label) => ({ name: label.Name ?? "", confidence: label.Confidence ?? 0 })) };
    } finally {
      rekognition.destroy();
    }
  } finally {
    sts.destroy();
  }
}
