import type { FailureKind } from "./failures";
import type { RefreshObserver } from "./refreshingValue";
import type { RefreshReason } from "./parameters";
import type { ModelTarget } from "./settings";

/**
 * Metrics hooks: counters a service can export (client.counters(), cheap to read at any rate) and events for logs
 * (options.onEvent). No metrics library: map them onto Prometheus, CloudWatch EMF or OpenTelemetry in a few lines.
 */

/** A cached lookup (the SSM parameters, the shared role's credentials). */
export interface LookupCounters {
  /** Calls served from the cache without waiting. */
  hits: number;
  /** ...of which served a stale value while a background refresh ran (stale-while-revalidate). */
  staleHits: number;
  /** Calls that had nothing valid and waited for a lookup. */
  waits: number;
  /** Calls that had nothing valid and got a recent failure at once (failure caching). */
  cachedFailures: number;
  /** Lookups made (GetParameters, AssumeRole), whatever started them. */
  lookups: number;
  /** ...of which failed. */
  lookupFailures: number;
}

/** HTTP attempts to one AWS service, as the SDK's retry loop makes them. */
export interface ServiceCounters {
  attempts: number;
  /** Attempts after the first of a call: the SDK's retries. */
  retries: number;
  /** Attempts answered with a throttling error. */
  throttles: number;
  /** Attempts that failed for any reason (throttles included). */
  failures: number;
}

export interface ModelClientCounters {
  readonly calls: {
    started: number;
    succeeded: number;
    failed: number;
    /** Failed because their deadline passed (CallTimeoutError). */
    timedOut: number;
    /** Cancelled by the caller's signal (CallAbortedError). */
    aborted: number;
    /** Retried once after the parameters named another version (a promotion). */
    retriedWithNewTarget: number;
    /** Retried once with a new session after an expired, unknown or revoked one. */
    retriedWithNewSession: number;
  };
  readonly parameters: LookupCounters;
  readonly credentials: LookupCounters & {
    /** Sessions dropped because Rekognition refused them. */
    dropped: number;
  };
  readonly rekognition: ServiceCounters;
  readonly sts: ServiceCounters;
  readonly ssm: ServiceCounters;
}

export type AwsService = "rekognition" | "sts" | "ssm";

function lookupCounters(): LookupCounters {
  return { hits: 0, staleHits: 0, waits: 0, cachedFailures: 0, lookups: 0, lookupFailures: 0 };
}

function serviceCounters(): ServiceCounters {
  return { attempts: 0, retries: 0, throttles: 0, failures: 0 };
}

export function newCounters(): ModelClientCounters {
  return {
    calls: { started: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, retriedWithNewTarget: 0, retriedWithNewSession: 0 },
    parameters: lookupCounters(),
    credentials: { ...lookupCounters(), dropped: 0 },
    rekognition: serviceCounters(),
    sts: serviceCounters(),
    ssm: serviceCounters(),
  };
}

/** Observer that keeps a lookup's counters; `also` adds events. */
export function countingObserver<T>(counters: LookupCounters, also: RefreshObserver<T> = {}): RefreshObserver<T> {
  return {
    onHit(stale) {
      counters.hits++;
      if (stale) counters.staleHits++;
    },
    onWait() {
      counters.waits++;
    },
    onCachedFailure() {
      counters.cachedFailures++;
    },
    onFetched(value, trigger) {
      counters.lookups++;
      also.onFetched?.(value, trigger);
    },
    onFetchFailed(error, trigger, retryInMs) {
      counters.lookups++;
      counters.lookupFailures++;
      also.onFetchFailed?.(error, trigger, retryInMs);
    },
  };
}

/** Something that happened behind the scenes, for an application's logs and the CLI's progress lines. */
export type ModelClientEvent =
  | { readonly type: "parameters-read"; readonly environment: string; readonly target: ModelTarget; readonly reason: RefreshReason }
  | {
      readonly type: "parameters-refresh-failed";
      readonly environment: string;
      readonly error: unknown;
      /** No new read before this long (failure caching); cached values stay in use meanwhile. */
      readonly retryInMs: number;
    }
  | {
      /** The optional use-fips-endpoint parameter could not be read (a stack older than it, or a missing grant): FIPS off. */
      readonly type: "optional-parameter-unreadable";
      readonly environment: string;
      readonly parameterName: string;
    }
  | { readonly type: "credentials-assumed"; readonly roleArn: string; readonly expiration: Date | undefined }
  | { readonly type: "credentials-refresh-failed"; readonly roleArn: string; readonly error: unknown; readonly retryInMs: number }
  | {
      /** Rekognition refused the session (expired, unknown, or denied after a revoke): it is dropped and the role assumed again. */
      readonly type: "credentials-dropped";
      readonly roleArn: string;
      /** Error name of the refused call, e.g. ExpiredTokenException. */
      readonly after: string;
    }
  | {
      readonly type: "retrying-with-new-target";
      /** Error name of the refused call, e.g. AccessDeniedException. */
      readonly after: string;
      readonly from: ModelTarget;
      readonly to: ModelTarget;
    }
  | {
      /** One HTTP attempt failed; the SDK retries it when the kind allows and attempts are left. */
      readonly type: "attempt-failed";
      readonly service: AwsService;
      /** 1 for the first attempt of a call. */
      readonly attempt: number;
      readonly code: string;
      readonly kind: FailureKind;
    }
  | {
      /** One detect()/detectLabels() call ended; for latency and error-rate metrics. */
      readonly type: "call-finished";
      readonly ok: boolean;
      readonly durationMs: number;
      /** For a failed call: the error's class name and, for AWS failures, their kind. */
      readonly error?: string;
      readonly kind?: FailureKind;
    };
