/**
 * What kind of failure an AWS SDK error is, whatever the service and protocol: the one place that knows the error
 * names and status codes of SSM (JSON 1.1), STS (query) and Rekognition (JSON 1.1), so that retries, failure
 * caching, session renewal and the hints in errors.ts all decide on the same facts.
 */

export type FailureKind =
  /** The principal may not do this (IAM, SCP, endpoint or session policy). */
  | "denied"
  /** The service is rate-limiting the caller. */
  | "throttled"
  /** The session token has expired (ExpiredToken, ExpiredTokenException). */
  | "expired-token"
  /** The access key or session token is unknown to the service (revoked session, wrong partition, deleted user). */
  | "invalid-token"
  /** The signature was refused: a clock off by minutes, or something rewrote the request. */
  | "signature"
  /** STS is not activated in this region for the calling account. */
  | "region-disabled"
  /** The service answered 5xx: its own failure, not the network's. */
  | "server"
  /** No HTTP answer: DNS, connection refused or reset, connect or socket timeout. */
  | "network"
  /** The call's own deadline passed. */
  | "timeout"
  /** The caller cancelled. */
  | "aborted"
  /** Any other 4xx: the request itself is wrong. */
  | "invalid-request"
  /** The SDK found no credentials for the application at all (CredentialsProviderError): nothing was sent. */
  | "no-credentials"
  | "unknown";

export interface FailureFacts {
  readonly kind: FailureKind;
  /** Error code (the SDK's `name`, or Node's `code` for network errors). */
  readonly code: string;
  /** HTTP status, when the service answered. */
  readonly status: number | undefined;
  /** Attempts the SDK made, retries included. */
  readonly attempts: number | undefined;
  readonly message: string;
}

// Error codes across the three services' protocols (and the SDK's own retry classification in @smithy/core/retry).
const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "RequestLimitExceeded",
  "SlowDown",
]);
const EXPIRED_TOKEN = new Set(["ExpiredToken", "ExpiredTokenException"]);
const INVALID_TOKEN = new Set(["InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "InvalidToken"]);
const SIGNATURE = new Set([
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "IncompleteSignature",
  "IncompleteSignatureException",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "RequestExpired",
  "RequestTimeTooSkewed",
  "RequestInTheFuture",
]);
const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized"]);
// Node's codes for an endpoint that never answered (see @smithy/node-http-handler and @smithy/core/retry).
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: unknown;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

function kindOf(name: string, code: string | undefined, status: number | undefined): FailureKind {
  if (name === "AbortError") return "aborted";
  if (name === "CredentialsProviderError") return "no-credentials";
  if (THROTTLING.has(name) || status === 429) return "throttled";
  if (EXPIRED_TOKEN.has(name)) return "expired-token";
  if (INVALID_TOKEN.has(name)) return "invalid-token";
  if (SIGNATURE.has(name)) return "signature";
  if (name === "RegionDisabledException") return "region-disabled";
  if (DENIED.has(name)) return "denied";
  if (status !== undefined && status >= 500) return "server";
  if (status === 403) return "denied";
  if (status !== undefined && status >= 400) return "invalid-request";
  if (name === "TimeoutError" || (code !== undefined && NETWORK_CODES.has(code))) return "network";
  return "unknown";
}

/** The facts of any thrown value, for decisions and hints. */
export function classifyFailure(error: unknown): FailureFacts {
  if (!(error instanceof Error)) {
    return { kind: "unknown", code: typeof error, status: undefined, attempts: undefined, message: String(error) };
  }
  const shape = error as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const code = typeof shape.code === "string" ? shape.code : undefined;
  const name = error.name;
  return {
    kind: kindOf(name, code, status),
    code: code !== undefined && (name === "Error" || name === "TimeoutError") ? code : name,
    status,
    attempts: shape.$metadata?.attempts,
    message: error.message,
  };
}

/** "HTTP 503 ServiceUnavailable" or "ECONNREFUSED": how a failure shows in a message. */
export function describeFailure(facts: FailureFacts): string {
  const status = facts.status === undefined ? "" : `HTTP ${facts.status} `;
  const attempts = facts.attempts !== undefined && facts.attempts > 1 ? ` after ${facts.attempts} attempts` : "";
  return `${status}${facts.code}: ${facts.message}${attempts}`;
}

/** The session the call was signed with is no longer accepted: renewing it (a new AssumeRole) may cure it. */
export function isSessionRejected(kind: FailureKind): boolean {
  return kind === "expired-token" || kind === "invalid-token";
}
