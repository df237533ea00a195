/**
 * Errors of the client library. Each names what was refused, the value, and what to do about it, so an
 * application's log line is enough to fix the problem without reading this code. Every class extends
 * ModelClientError, so an application can tell "modelshare said no" apart from its own bugs with one instanceof.
 */

/** Base class of every error ModelClient throws on purpose. `hint` says what to do; it is also in `message`. */
export class ModelClientError extends Error {
  readonly hint: string | undefined;

  constructor(summary: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${summary}\n  hint: ${options.hint}` : summary, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** A value handed to the library (an option, an environment name, an S3 location) is not allowed. */
export class InvalidArgumentError extends ModelClientError {
  constructor(
    readonly argument: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`${argument} = ${describeValue(value)}: must be ${allowed}`);
  }
}

/** A short, printable form of any value (JSON when possible; never throws, even on circular objects). */
function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Which image limit a problem is about. */
export type ImageCheck = "format" | "header" | "bytes" | "width" | "height" | "aspect-ratio" | "s3-location";

/** One reason an image cannot be sent to DetectCustomLabels, found before any call. */
export interface ImageProblem {
  readonly check: ImageCheck;
  /** What is allowed, e.g. "at most 4,194,304 bytes". */
  readonly limit: string;
  /** What was measured, e.g. "5,000,000 bytes". */
  readonly measured: string;
  /** Full sentence naming both. */
  readonly message: string;
}

/** The image breaks one or more DetectCustomLabels limits; every problem found is listed at once. */
export class ImageValidationError extends ModelClientError {
  constructor(
    readonly problems: readonly ImageProblem[],
    /** Where the image came from: a path, "s3://bucket/key" or "image bytes". */
    readonly source: string,
  ) {
    super(
      `image ${source} cannot be sent to DetectCustomLabels (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.message}`).join("\n"),
    );
  }
}

/** The image file could not be read. */
export class ImageReadError extends ModelClientError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`image ${path} cannot be read: ${reason}`, { cause });
  }
}

/** What a call was made with, so errors can name it. */
export interface CallTarget {
  /** Undefined when the client was built from explicit values. */
  readonly environment: string | undefined;
  readonly modelVersionArn: string;
  readonly sharedRoleArn: string;
  readonly region: string;
}

function environmentText(target: CallTarget): string {
  return target.environment === undefined ? "this environment" : `environment "${target.environment}"`;
}

/** STS refused (or could not be reached for) AssumeRole on the shared role: no Rekognition call was made. */
export class AssumeRoleError extends ModelClientError {
  constructor(
    readonly roleArn: string,
    readonly stsEndpoint: string,
    readonly denied: boolean,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`AssumeRole on ${roleArn} through ${stsEndpoint} failed (${reason})`, {
      cause,
      hint: denied
        ? "this application's principal is not trusted by the shared role: check the ML stack's trustedPrincipalArns " +
          "for this environment, the consumer's SCPs, and (when the role is private-only) that the call goes through " +
          "the consumer VPC's STS endpoint"
        : `the regional STS endpoint ${stsEndpoint} did not answer: in private subnets it needs the STS interface ` +
          "endpoint (com.amazonaws.REGION.sts) with private DNS, or set endpoints.sts to its DNS name",
    });
  }
}

/** DetectCustomLabels was denied: the version is not granted to the environment's shared role. */
export class NotGrantedError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    cause: unknown,
  ) {
    super(`DetectCustomLabels on ${target.modelVersionArn} was denied to ${target.sharedRoleArn}`, {
      cause,
      hint:
        `model version not granted to ${environmentText(target)}: grant it in the ML stack (grantedVersions) or ` +
        `promote a granted version; if it is granted, the consumer VPC's Rekognition endpoint policy must allow it too`,
    });
  }
}

/** The model version exists but is not deployed (Rekognition's ResourceNotReadyException). */
export class ModelNotRunningError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    cause: unknown,
  ) {
    super(`model version ${target.modelVersionArn} is not ready for DetectCustomLabels`, {
      cause,
      hint: `model not RUNNING: start it with \`modelshare model start --version ${target.modelVersionArn}\``,
    });
  }
}

/** The model version does not exist (deleted, or a wrong ARN in the parameters). */
export class ModelVersionNotFoundError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    cause: unknown,
  ) {
    super(`model version ${target.modelVersionArn} was not found in ${target.region}`, {
      cause,
      hint: "the version was deleted or the parameter names a wrong ARN: point the model-version-arn parameter at a granted, running version",
    });
  }
}

/** Rekognition rejected the image itself (a limit the local checks cannot see, e.g. an S3 object over 15 MB). */
export class ImageRejectedError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    readonly reason: string,
    cause: unknown,
  ) {
    super(`Rekognition rejected the image: ${reason}`, {
      cause,
      hint:
        "PNG or JPEG, 64-4096 px per side, aspect ratio at most 20:1, at most 4 MB as bytes or 15 MB as an S3 object; " +
        `an S3 object must be in ${target.region} and readable by the shared role ${target.sharedRoleArn}`,
    });
  }
}

/** Still throttled after the SDK's retries. */
export class ThrottledError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    readonly attempts: number | undefined,
    cause: unknown,
  ) {
    super(
      `DetectCustomLabels on ${target.modelVersionArn} was throttled` +
        (attempts === undefined ? "" : ` after ${attempts} attempt${attempts === 1 ? "" : "s"}`),
      {
        cause,
        hint: "the model's inference units are saturated: lower the call rate, or start it with more (or auto-scaling) inference units",
      },
    );
  }
}

// Rekognition error names (the SDK sets `name` to the modelled exception name).
const THROTTLING = new Set(["ThrottlingException", "ProvisionedThroughputExceededException", "LimitExceededException"]);
const IMAGE_REJECTED = new Set(["InvalidImageFormatException", "ImageTooLargeException", "InvalidS3ObjectException"]);

/**
 * Errors that may mean the version in use was just replaced by a promotion: denied because it was revoked, not
 * ready because it was stopped, or not found because it was deleted. On these an SSM-backed client re-reads its
 * parameters at once and retries once if they now name another version.
 */
export function mayMeanVersionReplaced(error: unknown): boolean {
  return (
    error instanceof Error &&
    ["AccessDeniedException", "ResourceNotReadyException", "ResourceNotFoundException"].includes(error.name)
  );
}

/** Turns a DetectCustomLabels failure into one of the errors above; anything else is returned unchanged. */
export function mapDetectError(error: unknown, target: CallTarget): unknown {
  if (!(error instanceof Error) || error instanceof ModelClientError) return error;
  if (error.name === "AccessDeniedException") return new NotGrantedError(target, error);
  if (error.name === "ResourceNotReadyException") return new ModelNotRunningError(target, error);
  if (error.name === "ResourceNotFoundException") return new ModelVersionNotFoundError(target, error);
  if (THROTTLING.has(error.name)) {
    const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
    return new ThrottledError(target, attempts, error);
  }
  if (IMAGE_REJECTED.has(error.name)) return new ImageRejectedError(target, `${error.name}: ${error.message}`, error);
  return error;
}
