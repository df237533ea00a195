import { isAbsolute, resolve } from "node:path";
import { Progress } from "../cli/common";

/**
 * The `verify` step: prove, through the path applications use, that an environment can call a version.
 * IAM is eventually consistent (a new grant can take seconds to tens of seconds to apply), so denials are retried
 * with bounded exponential backoff until the environment's deadline; there is no fixed sleep anywhere.
 */

export interface DetectedLabel {
  readonly name: string;
  readonly confidence: number;
}

/**
 * The test image: a file (relative paths are resolved against the project directory). Never an S3 object: Rekognition
 * reads an `s3://` image with the caller's permissions, and the caller is the shared role, which may call only
 * DetectCustomLabels (FACTS.md; the config schema refuses `s3://` too).
 */
export interface SmokeImage {
  readonly path: string;
}

export interface SmokeTestRequest {
  readonly environment: string;
  readonly region: string;
  readonly modelVersionArn: string;
  /**
   * The environment's shared role in the ML account (ML stack output sharedRoleArns[env]). Undefined for a copy
   * environment: modelVersionArn is then the copy in the consumer account, called directly as the smoke-test role.
   */
  readonly sharedRoleArn?: string | undefined;
  /** The consumer-account principal the call starts from (the smoke-test role). */
  readonly principalRoleArn: string;
  /**
   * Where the call starts (smokeTest.runner): `function`, the consumer's smoke-test function, invoked from here
   * (functionArn); `direct`, this process assumes principalRoleArn itself (it must run in the consumer's network).
   */
  readonly runner: "function" | "direct";
  /** The smoke-test function (contract.smokeTestFunctionArn), for runner "function". */
  readonly functionArn?: string;
  readonly image: SmokeImage;
  readonly minConfidence: number;
}

/**
 * One smoke-test call. The real ones: ./lambdaSmokeTester invokes the consumer's smoke-test function;
 * ./smokeTestAdapter (direct mode) assumes the principal role with regional STS and calls through ModelClient;
 * RunnerSmokeTester picks one by the request's runner. It throws on denial; isPropagationError decides what is retried.
 */
export interface SmokeTester {
  detectLabels(request: SmokeTestRequest): Promise<readonly DetectedLabel[]>;
}

/** The smoke tester each runner kind uses: the configured mode decides, not the caller. */
export class RunnerSmokeTester implements SmokeTester {
  constructor(private readonly testers: Readonly<Record<SmokeTestRequest["runner"], SmokeTester>>) {}

  detectLabels(request: SmokeTestRequest): Promise<readonly DetectedLabel[]> {
    return this.testers[request.runner].detectLabels(request);
  }
}

/** The smoke test's image file, resolved against `baseDir`; an `s3://` location is refused, saying why. */
export function smokeImageFile(image: string, baseDir: string): SmokeImage {
  if (/^s3:\/\//i.test(image)) {
    throw new VerifyFailedError(
      `modelshare:smokeTest.image = ${JSON.stringify(image)}: an s3:// image cannot be used: Rekognition reads it with the caller's permissions and the shared role may call only DetectCustomLabels; use a local JPEG or PNG file`,
    );
  }
  return { path: isAbsolute(image) ? image : resolve(baseDir, image) };
}

const PROPAGATION_NAMES = /AccessDenied|NotAuthorized|Unauthorized|NotGranted|AssumeRole|InvalidClientTokenId|Throttl|TooManyRequests|ProvisionedThroughputExceeded|ModelNotRunning|ResourceNotReady/i;

/**
 * True for errors a fresh grant or a just-started model explain and time cures: access denied while a policy
 * propagates (from the SDK or ModelClient's own classes), throttling, and "not ready" right after RUNNING.
 * A wrong label, a bad image or a missing version are not retried: waiting would not change them.
 */
export function isPropagationError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (depth === 0 && isUnreachable(error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: unknown; Code?: unknown }).code ?? (error as { Code?: unknown }).Code;
  if (status === 403 || status === 429) return true;
  if (PROPAGATION_NAMES.test(error.name) || (typeof code === "string" && PROPAGATION_NAMES.test(code))) return true;
  return isPropagationError((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * A name that does not resolve or a port that refuses connections, anywhere in the cause chain: waiting for IAM
 * does not change them (found by the engine lane: an unreachable STS endpoint was retried for the whole deadline
 * as "denied").
 */
export function isUnreachable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  const code = (error as { code?: unknown }).code;
  if (code === "ENOTFOUND" || code === "ECONNREFUSED") return true;
  return isUnreachable((error as { cause?: unknown }).cause, depth + 1);
}

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 15000, factor: 2 };

/** Delay before retry number `attempt` (1-based), never past the deadline. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, remainingMs: number): number {
  const exponential = policy.initialMs * policy.factor ** Math.max(0, attempt - 1);
  return Math.max(0, Math.min(policy.maxMs, exponential, remainingMs));
}

/** Does the answer contain the expected label with enough confidence? */
export function findExpectedLabel(labels: readonly DetectedLabel[], expected: string, minConfidence: number): DetectedLabel | undefined {
  return labels.find((l) => l.name.toLowerCase() === expected.toLowerCase() && l.confidence >= minConfidence);
}

export class VerifyFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "VerifyFailedError";
  }
}

export interface VerifyOptions {
  readonly tester: SmokeTester;
  readonly request: SmokeTestRequest;
  readonly expectedLabel: string;
  readonly deadlineSeconds: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: Progress;
  readonly backoff?: BackoffPolicy;
}

/** Calls until the expected label comes back, a non-transient error happens, or the deadline passes. */
export async function verifyWithRetry(options: VerifyOptions): Promise<{ label: DetectedLabel; attempts: number }> {
  const policy = options.backoff ?? DEFAULT_BACKOFF;
  const deadline = options.now() + options.deadlineSeconds * 1000;
  const { request } = options;
  for (let attempt = 1; ; attempt++) {
    let lastError: unknown;
    try {
      const labels = await options.tester.detectLabels(request);
      const label = findExpectedLabel(labels, options.expectedLabel, request.minConfidence);
      if (label) return { label, attempts: attempt };
      const seen = labels.length === 0 ? "no label" : labels.map((l) => `${l.name} ${l.confidence.toFixed(1)}%`).join(", ");
      throw new VerifyFailedError(
        `${request.environment} reached ${request.modelVersionArn} but the answer lacks "${options.expectedLabel}" >= ${request.minConfidence}% (got ${seen}); check modelshare:smokeTest.image and expectedLabel`,
      );
    } catch (error) {
      if (error instanceof VerifyFailedError || !isPropagationError(error)) {
        if (error instanceof VerifyFailedError) throw error;
        throw new VerifyFailedError(`smoke test of ${request.environment} failed: ${errorText(error)}`, { cause: error });
      }
      lastError = error;
    }
    const remaining = deadline - options.now();
    if (remaining <= 0) {
      throw new VerifyFailedError(
        `${request.environment} still cannot call ${request.modelVersionArn} after ${options.deadlineSeconds}s and ${attempt} attempt(s) (modelshare:smokeTest.deadlineSeconds): ${errorText(lastError)}`,
        { cause: lastError },
      );
    }
    const delay = backoffDelay(policy, attempt, remaining);
    options.progress.waiting(`IAM propagation: attempt ${attempt} was denied (${shortName(lastError)}); retrying in ${(delay / 1000).toFixed(1)}s, ${Math.ceil(remaining / 1000)}s left`);
    await options.sleep(delay);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : String(error);
}

function shortName(error: unknown): string {
  return error instanceof Error ? error.name : "error";
}
