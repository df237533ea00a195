import { classifyFailure, describeFailure, FailureFacts, FailureKind } from "./failures";

/**
 * Errors of the client library. Each names what was refused, the value, and what to do about it, so an
 * application's log line is enough to fix the problem without reading this code. Every class extends
 * ModelClientError, so an application can tell "modelshare said no" apart from its own bugs with one instanceof.
 */

/** Base class of every error ModelClient throws on purpose. `hint` says what to do; it is also in `message`. */
export class ModelClientError extends Error {
  readonly hint: string | undefined;
  /** For failures of an AWS call or of the call itself: what kind (throttled, denied, server, network, timeout, ...). */
  readonly kind: FailureKind | undefined;

  constructor(summary: string, options: { hint?: string; cause?: unknown; kind?: FailureKind } = {}) {
    super(options.hint ? `${summary}\n  hint: ${options.hint}` : summary, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.kind = options.kind;
  }
}

/** A value handed to the library (an option, an environment name, an image input) is not allowed. */
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
export type ImageCheck = "format" | "header" | "bytes" | "width" | "height" | "aspect-ratio";

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
    /** Where the image came from: a path or "image bytes". */
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
  /** The shared role the call went through; undefined in copy mode (the application's own credentials). */
  readonly sharedRoleArn?: string | undefined;
  readonly region: string;
  /** Whether the call went to Rekognition's FIPS endpoint (the environment's use-fips-endpoint parameter). */
  readonly useFipsEndpoint?: boolean | undefined;
}

function environmentText(target: CallTarget): string {
  return target.environment === undefined ? "this environment" : `environment "${target.environment}"`;
}

/** Who made a call: the shared role's session, or (copy mode) the application's own credentials. */
function callerText(target: CallTarget): string {
  return target.sharedRoleArn ?? "the application's own credentials (no shared role: copy mode)";
}

/** What went wrong with the application's own credentials, in words shared by the SSM and STS hints. */
/** The SDK's default chain found nothing: the application runs without an identity (nothing was sent to AWS). */
const NO_CREDENTIALS =
  "the application has no AWS credentials: the SDK's default chain (environment, profile, ECS/EKS/EC2 role) found " +
  "none; give it a role (task role, execution role, instance profile, EKS Pod Identity) or pass baseCredentials";

const BASE_CREDENTIALS_REFUSED =
  "the application's own credentials (baseCredentials, else the SDK's default chain: environment, profile, " +
  "ECS/EKS/EC2 role) were refused: they have expired, were revoked, or belong to another partition";

/** STS refused (or could not be reached for) AssumeRole on the shared role: no Rekognition call was made. */
export class AssumeRoleError extends ModelClientError {
  /** STS refused the application's principal (AccessDenied): the trust policy, an SCP or an endpoint policy. */
  readonly denied: boolean;
  readonly failure: FailureFacts;

  constructor(
    readonly roleArn: string,
    readonly stsEndpoint: string,
    cause: unknown,
  ) {
    const failure = classifyFailure(cause);
    super(`AssumeRole on ${roleArn} through ${stsEndpoint} failed (${describeFailure(failure)})`, {
      cause,
      kind: failure.kind,
      hint: assumeRoleHint(failure, stsEndpoint),
    });
    this.denied = failure.kind === "denied";
    this.failure = failure;
  }
}

function assumeRoleHint(failure: FailureFacts, stsEndpoint: string): string {
  switch (failure.kind) {
    case "denied":
      return (
        "this application's principal is not trusted by the shared role: check the ML stack's trustedPrincipalArns " +
        "for this environment, the consumer's SCPs, and (when the role is private-only) that the call goes through " +
        "the consumer VPC's STS endpoint"
      );
    case "throttled":
      return (
        "STS is rate-limiting AssumeRole for this account: each client assumes the role once per session and backs off " +
        "after a failure, so this comes from many processes starting at once; stagger start-ups or share clients"
      );
    case "server":
      return (
        `STS at ${stsEndpoint} answered HTTP ${failure.status}: a failure on the STS side, not the network; valid ` +
        "cached credentials stay in use and AssumeRole is retried with backoff; check the AWS Health Dashboard for STS"
      );
    case "expired-token":
    case "invalid-token":
    case "signature":
      return `${BASE_CREDENTIALS_REFUSED}${failure.kind === "signature" ? ", or this host's clock is off by more than 5 minutes" : ""}`;
    case "no-credentials":
      return NO_CREDENTIALS;
    case "region-disabled":
      return "STS is not activated for this account in the model's region: activate the region under IAM > Account settings > Security Token Service";
    case "invalid-request":
      return (
        "STS refused the request itself: check roleSessionName, externalId and sessionDurationSeconds (at most the " +
        "role's MaxSessionDuration, and 3600 when this process itself runs on an assumed role)"
      );
    case "timeout":
    case "network":
    case "aborted":
    case "unknown":
      return (
        `the regional STS endpoint ${stsEndpoint} did not answer: in private subnets it needs the STS interface ` +
        "endpoint (com.amazonaws.REGION.sts) with private DNS, or set endpoints.sts (or AWS_ENDPOINT_URL_STS) to its DNS name"
      );
  }
}

/** The environment's SSM parameters could not be read (the call to SSM failed; see ConfigError for bad values). */
export class ParameterReadError extends ModelClientError {
  readonly failure: FailureFacts;

  constructor(
    readonly environment: string,
    readonly parameterNames: readonly string[],
    cause: unknown,
  ) {
    const failure = classifyFailure(cause);
    super(`reading the SSM parameters ${parameterNames.join(", ")} failed (${describeFailure(failure)})`, {
      cause,
      kind: failure.kind,
      hint: parameterReadHint(failure, environment),
    });
    this.failure = failure;
  }
}

function parameterReadHint(failure: FailureFacts, environment: string): string {
  switch (failure.kind) {
    case "denied":
      return (
        `this application's role needs ssm:GetParameters on the /modelshare/${environment}/ parameters (the consumer ` +
        "stack's application role has it), and the SSM VPC endpoint's policy must allow them too"
      );
    case "throttled":
      return "SSM is rate-limiting GetParameters for this account: raise parameterTtlMs, or share one ModelClient per process";
    case "server":
      return `SSM answered HTTP ${failure.status}: a failure on the SSM side, not the network; the read is retried with backoff`;
    case "expired-token":
    case "invalid-token":
    case "signature":
      return BASE_CREDENTIALS_REFUSED;
    case "no-credentials":
      return NO_CREDENTIALS;
    case "region-disabled":
    case "invalid-request":
      return "SSM refused the request: check the region option (the parameters live in the consumer account's region)";
    case "timeout":
    case "network":
    case "aborted":
    case "unknown":
      return (
        "the SSM endpoint did not answer: in private subnets it needs the SSM interface endpoint " +
        "(com.amazonaws.REGION.ssm) with private DNS, or set endpoints.ssm (or AWS_ENDPOINT_URL_SSM) to its DNS name"
      );
  }
}

/** What a call was waiting for when its deadline passed or it was cancelled. */
export type CallPhase = "parameters" | "credentials" | "rekognition";

const WAITING_FOR: Record<CallPhase, string> = {
  parameters: "the SSM parameters",
  credentials: "the shared role's credentials (STS AssumeRole)",
  rekognition: "DetectCustomLabels",
};

/** The call did not finish within its deadline (timeoutMs); it was abandoned, its connection closed. */
export class CallTimeoutError extends ModelClientError {
  constructor(
    readonly timeoutMs: number,
    readonly waitingFor: CallPhase,
    cause?: unknown,
  ) {
    super(`the call did not finish within its ${timeoutMs} ms deadline (waiting for ${WAITING_FOR[waitingFor]})`, {
      cause,
      kind: "timeout",
      hint:
        waitingFor === "rekognition"
          ? "Rekognition answered too slowly or not at all: the model's inference units may be saturated (add units or " +
            "auto-scaling), the endpoint unreachable, or the image large for this deadline (raise timeoutMs)"
          : `${WAITING_FOR[waitingFor]} did not arrive in time; later calls reuse them once they do`,
    });
  }
}

/** The caller's AbortSignal fired. */
export class CallAbortedError extends ModelClientError {
  constructor(
    readonly waitingFor: CallPhase,
    cause?: unknown,
  ) {
    super(`the call was cancelled by its AbortSignal (waiting for ${WAITING_FOR[waitingFor]})`, { cause, kind: "aborted" });
  }
}

/** DetectCustomLabels was denied: the version is not granted to the environment's shared role. */
export class NotGrantedError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    cause: unknown,
  ) {
    super(`DetectCustomLabels on ${target.modelVersionArn} was denied to ${callerText(target)}`, {
      cause,
      kind: "denied",
      hint:
        target.sharedRoleArn === undefined
          ? `copy not callable by ${environmentText(target)}: the application role may call only the copies its consumer stack ` +
            "lists (modelshare:copy.versions), so promote the version into this environment (modelshare promote); the consumer " +
            "VPC's Rekognition endpoint policy must allow it too. A version of another account (the ML account's) is never " +
            "callable without the shared role"
          : `model version not granted to ${environmentText(target)}: grant it in the ML stack (grantedVersions) or ` +
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
      hint:
        target.sharedRoleArn === undefined
          ? "copy not RUNNING in this account: promotion starts it (modelshare promote); " +
            "under the consumer guardrail only the deploy roles may start or stop it"
          : `model not RUNNING: start it with \`modelshare model start --version ${target.modelVersionArn}\``,
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

/** Rekognition rejected the image itself (a problem the local checks cannot see, e.g. corrupt image data after a valid header). */
export class ImageRejectedError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    readonly reason: string,
    cause: unknown,
  ) {
    super(`Rekognition rejected the image: ${reason}`, {
      cause,
      hint:
        "a whole, decodable PNG or JPEG, 64-4096 px per side, aspect ratio at most 20:1, at most 4 MB; the local checks read only " +
        `its header, so damaged image data is found by Rekognition (model ${target.modelVersionArn})`,
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
        kind: "throttled",
        hint: "the model's inference units are saturated: lower the call rate, or start it with more (or auto-scaling) inference units",
      },
    );
  }
}

/**
 * The shared-role session was refused (expired, revoked or unknown token; or a refused signature) even after the
 * client dropped it and assumed the role again.
 */
export class SessionRejectedError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    readonly failure: FailureFacts,
    cause: unknown,
  ) {
    super(`DetectCustomLabels refused ${target.sharedRoleArn === undefined ? "the application's own credentials" : "the shared role's session"} (${describeFailure(failure)})`, {
      cause,
      kind: failure.kind,
      hint:
        failure.kind === "signature"
          ? "the request signature was refused: this host's clock is off by more than 5 minutes, or a proxy rewrites requests"
          : target.sharedRoleArn === undefined
            ? BASE_CREDENTIALS_REFUSED
            : `the session of ${target.sharedRoleArn} is refused even when fresh: look for a session-revocation policy ` +
              "(AWSRevokeOlderSessions) on the shared role, and check this host's clock",
    });
  }
}

/**
 * The environment's model-version-arn says nothing has been copied into it yet (NOT_COPIED_YET: a copy environment
 * deployed before its first promotion). No AWS call is made with that value; an SSM-backed client re-reads the
 * parameters after its failure backoff, so it follows the first promotion without a restart.
 */
export class NotCopiedYetError extends ModelClientError {
  constructor(
    /** Undefined when the client was built from explicit values. */
    readonly environment: string | undefined,
    /** Where the value came from: the SSM parameter's name, or fromExplicit's option name. */
    readonly key: string,
    readonly value: string,
  ) {
    super(`${key} = ${JSON.stringify(value)}: no model version has been copied into ${environment === undefined ? "this environment" : `environment "${environment}"`} yet, so there is nothing to call`, {
      hint:
        `run \`modelshare promote --env ${environment ?? "ENV"} --version <granted ML version ARN>\` (or --from another environment): ` +
        `it copies the version into the environment's account, starts it and points ${key} at the copy`,
    });
  }
}

/** Any other DetectCustomLabels failure, with a hint for its kind (server error, network, invalid request). */
export class RekognitionCallError extends ModelClientError {
  constructor(
    readonly target: CallTarget,
    readonly failure: FailureFacts,
    cause: unknown,
  ) {
    super(`DetectCustomLabels on ${target.modelVersionArn} failed (${describeFailure(failure)})`, {
      cause,
      kind: failure.kind,
      hint: rekognitionHint(failure, target),
    });
  }
}

// Regions with a rekognition-fips endpoint (AWS General Reference, "Amazon Rekognition endpoints and quotas",
// https://docs.aws.amazon.com/general/latest/gr/rekognition.html; Custom Labels is not offered in GovCloud).
const FIPS_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"];

function rekognitionHint(failure: FailureFacts, target: CallTarget): string {
  switch (failure.kind) {
    case "server":
      return `Rekognition answered HTTP ${failure.status}: a failure on the Rekognition side, not the network; the SDK retried it`;
    case "network":
    case "timeout":
    case "aborted":
    case "unknown": {
      const service = target.useFipsEndpoint ? "rekognition-fips" : "rekognition";
      const fips =
        target.useFipsEndpoint && !FIPS_REGIONS.includes(target.region)
          ? `; the environment asks for FIPS (use-fips-endpoint), but Rekognition has FIPS endpoints only in ${FIPS_REGIONS.join(", ")}`
          : "";
      return (
        `the Rekognition endpoint did not answer: in private subnets it needs the interface endpoint ` +
        `com.amazonaws.${target.region}.${service} with private DNS, or set endpoints.rekognition (or AWS_ENDPOINT_URL_REKOGNITION)${fips}`
      );
    }
    case "no-credentials":
      return NO_CREDENTIALS;
    case "region-disabled":
    case "invalid-request":
      return "Rekognition refused the request itself: check minConfidence, maxResults and the image";
    case "denied":
    case "throttled":
    case "expired-token":
    case "invalid-token":
    case "signature":
      return `Rekognition refused the call (${failure.code})`;
  }
}

// Rekognition error names (the SDK sets `name` to the modelled exception name).
const IMAGE_REJECTED = new Set(["InvalidImageFormatException", "ImageTooLargeException", "InvalidS3ObjectException", "InvalidImageException"]);

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

/** Turns any DetectCustomLabels failure into a ModelClientError with a hint naming its cause. */
export function mapDetectError(error: unknown, target: CallTarget): ModelClientError {
  if (error instanceof ModelClientError) return error;
  const failure = classifyFailure(error);
  const name = error instanceof Error ? error.name : "";
  if (name === "ResourceNotReadyException") return new ModelNotRunningError(target, error);
  if (name === "ResourceNotFoundException") return new ModelVersionNotFoundError(target, error);
  if (IMAGE_REJECTED.has(name)) return new ImageRejectedError(target, `${name}: ${failure.message}`, error);
  switch (failure.kind) {
    case "denied":
      return new NotGrantedError(target, error);
    case "throttled":
      return new ThrottledError(target, failure.attempts, error);
    case "expired-token":
    case "invalid-token":
    case "signature":
      return new SessionRejectedError(target, failure, error);
    default:
      return new RekognitionCallError(target, failure, error);
  }
}
