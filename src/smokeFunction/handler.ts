import { DetectCustomLabelsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";

/**
 * The smoke-test function's code. It runs in the consumer account's private subnets as the smoke-test role, so its
 * calls take the path an application's do: regional STS through the consumer's STS endpoint into the environment's
 * shared role, then DetectCustomLabels through the consumer's Rekognition endpoint. In a copy environment
 * (MODELSHARE_SHARING=copy, no shared role) it calls the environment's own copy as the smoke-test role itself, which
 * may call only the copies the stack lists. The ML pipeline only invokes it (from the ML account) and reads the
 * labels: no ML-account credentials are ever needed in the consumer account.
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
  /**
   * The mode the caller expects this environment to be in; a function deployed for the other mode refuses the event
   * before any AWS call (a verify of a copy must not pass through a shared role, nor the reverse). Absent: not checked
   * (callers older than copy mode).
   */
  readonly sharing?: SharingMode;
}

export type SharingMode = "share" | "copy";

/** What the Lambda runtime passes as the handler's second argument (only what is read here). */
export interface InvocationContext {
  readonly invokedFunctionArn?: string;
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

interface FunctionSettings {
  /** Undefined in copy mode: the function calls as its own role. */
  readonly sharedRoleArn: string | undefined;
  readonly sharing: SharingMode;
  readonly region: string;
  readonly useFipsEndpoint: boolean;
  readonly environment: string;
}

/**
 * The function's configuration (set by the consumer stack). The mode is explicit: copy mode needs
 * MODELSHARE_SHARING=copy AND no shared role; without MODELSHARE_SHARING (share mode, and functions deployed before
 * copy mode existed) a shared role is required. So a share-mode function whose role variable went missing fails,
 * instead of silently calling as its own role.
 */
function settings(env: NodeJS.ProcessEnv): FunctionSettings {
  const sharedRoleArn = env.MODELSHARE_SHARED_ROLE_ARN || undefined;
  const region = env.MODELSHARE_MODEL_REGION;
  const sharing = env.MODELSHARE_SHARING ?? "share";
  if (sharing !== "share" && sharing !== "copy") throw new SmokeTestInputError(`the function's MODELSHARE_SHARING is ${JSON.stringify(sharing)}; allowed: "share", "copy" (redeploy the consumer stack)`);
  if (!region) throw new SmokeTestInputError("the function's environment lacks MODELSHARE_MODEL_REGION: redeploy the consumer stack");
  if (sharing === "share" && sharedRoleArn === undefined) throw new SmokeTestInputError("the function's environment lacks MODELSHARE_SHARED_ROLE_ARN (share mode): redeploy the consumer stack");
  if (sharing === "copy" && sharedRoleArn !== undefined) throw new SmokeTestInputError("the function's environment sets MODELSHARE_SHARED_ROLE_ARN in copy mode (MODELSHARE_SHARING=copy), where there is no shared role: redeploy the consumer stack");
  return { sharedRoleArn, sharing, region, useFipsEndpoint: env.MODELSHARE_USE_FIPS_ENDPOINT === "true", environment: env.MODELSHARE_ENVIRONMENT ?? "unknown" };
}

/**
 * Copy mode calls as the function's own role, which reaches only versions of its own account: a version of another
 * account (the ML account's, passed by a caller that still thinks the environment shares) is refused before the call.
 */
function checkCopyTarget(modelVersionArn: string, context: InvocationContext | undefined): void {
  const functionAccount = context?.invokedFunctionArn?.split(":")[4];
  const versionAccount = modelVersionArn.split(":")[4];
  if (!functionAccount) throw new SmokeTestInputError("copy mode: the invocation context names no function ARN, so the copy's account cannot be checked");
  if (versionAccount !== functionAccount) {
    throw new SmokeTestInputError(`copy mode: modelVersionArn is a version of account ${versionAccount}, but this function (account ${functionAccount}) calls only its own account's copies; pass the copy's ARN`);
  }
}

/** The event as sent by promotion's verify step; anything else is refused. */
export function parseEvent(event: unknown): { modelVersionArn: string; image: Uint8Array; minConfidence: number; sharing: SharingMode | undefined } {
  const e = (event ?? {}) as Partial<Record<keyof SmokeTestEvent, unknown>>;
  if (e.sharing !== undefined && e.sharing !== "share" && e.sharing !== "copy") throw new SmokeTestInputError('sharing must be "share" or "copy" (or left out)');
  if (typeof e.modelVersionArn !== "string" || !VERSION_ARN.test(e.modelVersionArn)) throw new SmokeTestInputError("modelVersionArn must be a Rekognition project version ARN");
  if (typeof e.minConfidence !== "number" || !(e.minConfidence >= 0 && e.minConfidence <= 100)) throw new SmokeTestInputError("minConfidence must be a number from 0 to 100");
  if (typeof e.imageBase64 !== "string" || e.imageBase64.length === 0) throw new SmokeTestInputError("imageBase64 must be a non-empty base64 string");
  const image = Buffer.from(e.imageBase64, "base64");
  if (image.length > MAX_IMAGE_BYTES) throw new SmokeTestInputError(`the image is ${image.length} bytes; DetectCustomLabels takes at most ${MAX_IMAGE_BYTES}`);
  return { modelVersionArn: e.modelVersionArn, image, minConfidence: e.minConfidence, sharing: e.sharing };
}

/**
 * One smoke test. Errors from STS and Rekognition are rethrown unchanged: Lambda reports their name as the
 * invocation's errorType, and the verify step decides from it whether IAM propagation explains the failure.
 */
export async function handler(event: unknown, context?: InvocationContext): Promise<SmokeTestResult> {
  const request = parseEvent(event);
  const config = settings(process.env);
  if (request.sharing !== undefined && request.sharing !== config.sharing) {
    throw new SmokeTestInputError(`the caller expects ${config.environment} to ${request.sharing} the model, but this function is deployed for ${config.sharing} mode: deploy the consumer stack, then verify again`);
  }
  if (config.sharedRoleArn === undefined) {
    checkCopyTarget(request.modelVersionArn, context);
    // The function's own role (the Lambda runtime's credentials): DetectCustomLabels on the listed copies only.
    return detect(new RekognitionClient({ region: config.region, useFipsEndpoint: config.useFipsEndpoint }), request);
  }
  // Regional STS (the SDK's default): with the STS endpoint's private DNS it stays inside the VPC.
  const sts = new STSClient({ region: config.region });
  try {
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: config.sharedRoleArn, RoleSessionName: `modelshare-smoke-test-${config.environment}`.slice(0, 64), DurationSeconds: 900 }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole on ${config.sharedRoleArn} returned no credentials`);
    return await detect(
      new RekognitionClient({
        region: config.region,
        useFipsEndpoint: config.useFipsEndpoint,
        credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
      }),
      request,
    );
  } finally {
    sts.destroy();
  }
}

/** DetectCustomLabels with the client given, which it then closes. */
async function detect(rekognition: RekognitionClient, request: { modelVersionArn: string; image: Uint8Array; minConfidence: number }): Promise<SmokeTestResult> {
  try {
    const answer = await rekognition.send(new DetectCustomLabelsCommand({ ProjectVersionArn: request.modelVersionArn, Image: { Bytes: request.image }, MinConfidence: request.minConfidence }));
    return { labels: (answer.CustomLabels ?? []).map((label) => ({ name: label.Name ?? "", confidence: label.Confidence ?? 0 })) };
  } finally {
    rekognition.destroy();
  }
}
