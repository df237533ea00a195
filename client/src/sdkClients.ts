import type { FinalizeRequestHandlerOptions, FinalizeRequestMiddleware, AbsoluteLocation } from "@aws-sdk/types";
import { classifyFailure } from "./failures";
import { AwsService, ModelClientEvent, ServiceCounters } from "./metrics";

/** How the SDK retries each AWS call (the `retry` option, resolved). */
export interface RetrySettings {
  /**
   * "standard": a failed or throttled attempt backs off on its own (exponential with full jitter), never delaying
   * other calls. "adaptive": the SDK also rate-limits the whole client after a throttle, slowing every call.
   */
  readonly mode: "standard" | "adaptive";
  /** Attempts per AWS call, the first included. */
  readonly maxAttempts: number;
}

/** SDK client settings every client of ModelClient shares: retries and the connect timeout. */
export function commonSdkConfig(retry: RetrySettings, connectTimeoutMs: number) {
  return {
    maxAttempts: retry.maxAttempts,
    retryMode: retry.mode,
    // A blackholed endpoint (private subnet, no VPC endpoint) fails an attempt after this instead of the OS's minutes.
    requestHandler: { connectionTimeout: connectTimeoutMs },
  };
}

interface ObservableClient {
  readonly middlewareStack: {
    add(middleware: FinalizeRequestMiddleware<object, object>, options: FinalizeRequestHandlerOptions & AbsoluteLocation & { name: string; override: boolean }): void;
  };
}

// Set by the SDK's retry middleware on each attempt: "attempt=2; max=3".
const ATTEMPT_HEADER = "amz-sdk-request";

function attemptNumber(request: unknown): number {
  const headers = (request as { headers?: Record<string, string> } | undefined)?.headers;
  const match = /attempt=(\d+)/.exec(headers?.[ATTEMPT_HEADER] ?? "");
  return match ? Number(match[1]) : 1;
}

/**
 * Counts every HTTP attempt of a client (inside the SDK's retry loop: it sits in the finalizeRequest step below the
 * retry middleware) and reports failed ones: the retries and throttles the SDK otherwise hides.
 */
export function observeAttempts(client: ObservableClient, service: AwsService, counters: ServiceCounters, onEvent: (event: ModelClientEvent) => void): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const attempt = attemptNumber(args.request);
      counters.attempts++;
      if (attempt > 1) counters.retries++;
      try {
        return await next(args);
      } catch (error) {
        const failure = classifyFailure(error);
        counters.failures++;
        if (failure.kind === "throttled") counters.throttles++;
        onEvent({ type: "attempt-failed", service, attempt, code: failure.code, kind: failure.kind });
        throw error;
      }
    },
    { step: "finalizeRequest", priority: "low", name: "modelshareAttemptObserver", override: true },
  );
}
