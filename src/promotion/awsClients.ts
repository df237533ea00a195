/**
 * Every AWS client the CLI builds (lease, promotion, status, model, history) gets these bounds, so a silent endpoint
 * (a broken proxy, a half-open connection) fails the call instead of hanging the run while the lease is renewed.
 * @smithy/node-http-handler's connectionTimeout and requestTimeout default to 0 (none), and a breached requestTimeout
 * only logs a warning unless throwOnRequestTimeout is set (NodeHttpHandlerOptions, @smithy/types). The SDK retries a
 * timed-out request (maxAttempts), so one call waits at most about maxAttempts x (connection + request timeout) plus
 * the retry backoff: about 100 s with the defaults, well inside a lease duration.
 */
export interface AwsTimeouts {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
}

export const DEFAULT_AWS_TIMEOUTS: AwsTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, maxAttempts: 3 };

/** Client options with the bounds (the SDK turns `requestHandler` options into its NodeHttpHandler). */
export function boundedClientConfig(region: string, timeouts: AwsTimeouts = DEFAULT_AWS_TIMEOUTS) {
  return {
    region,
    maxAttempts: timeouts.maxAttempts,
    requestHandler: { connectionTimeout: timeouts.connectionTimeoutMs, requestTimeout: timeouts.requestTimeoutMs, throwOnRequestTimeout: true },
  };
}

/** A synchronous Invoke lasts as long as the smoke-test function runs (its timeout is 30 s, components/SmokeTestFunction.ts). */
export const SMOKE_FUNCTION_TIMEOUTS: AwsTimeouts = { ...DEFAULT_AWS_TIMEOUTS, requestTimeoutMs: 60_000 };
