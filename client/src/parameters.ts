import { SSMClient } from "@aws-sdk/client-ssm";
import { OPTIONAL_PARAMETER_NAMES, optionalParameterName, PARAMETER_NAMES, parameterName, ParameterKey, OptionalParameterKey } from "./parameterNames";
import { ParameterReadError } from "./errors";
import { countingObserver, LookupCounters, ModelClientEvent } from "./metrics";
import { FetchTrigger, RefreshingValue, RefreshPolicy } from "./refreshingValue";
import { ModelSettings, readModelSettings, targetOf } from "./settings";

/** Why the parameters are read: first use, TTL elapsed, or a call hinted that the version was replaced. */
export type RefreshReason = "first-use" | "ttl" | "version-replaced";

/** The parameter events (a subset of ModelClientEvent). */
export type ParameterEvent = Extract<ModelClientEvent, { readonly type: "parameters-read" | "parameters-refresh-failed" | "optional-parameter-unreadable" }>;

const REASONS: Record<FetchTrigger, RefreshReason> = { "first-use": "first-use", stale: "ttl", expired: "ttl", forced: "version-replaced" };

/**
 * The environment's parameters, so applications follow a promotion without a redeploy. Served from cache; after the
 * TTL a call still gets the cached values while one background read replaces them (stale-while-revalidate). Only the
 * first call waits. A failed read is not repeated before its backoff, and the cached values stay in use meanwhile
 * (the version in use stays granted until a promotion revokes it, and the refused call then forces a re-read).
 */
export class ParameterCache {
  private readonly value: RefreshingValue<ModelSettings>;
  private optionalUnreadableReported = false;

  constructor(
    ssm: SSMClient,
    readonly environment: string,
    ttlMs: number,
    policy: RefreshPolicy,
    counters: LookupCounters,
    onEvent: (event: ParameterEvent) => void,
  ) {
    const names = [
      ...(Object.keys(PARAMETER_NAMES) as ParameterKey[]).map((key) => parameterName(environment, key)),
      ...(Object.keys(OPTIONAL_PARAMETER_NAMES) as OptionalParameterKey[]).map((key) => optionalParameterName(environment, key)),
    ];
    const fetch = async (signal: AbortSignal) => {
      let read;
      try {
        read = await readModelSettings(ssm, environment, signal);
      } catch (error) {
        // Bad values (and "nothing copied yet") are the parameters' answer, not a failed read.
        if (error instanceof Error && (error.name === "ConfigError" || error.name === "NotCopiedYetError")) throw error;
        throw new ParameterReadError(environment, names, signal.aborted ? signal.reason : error);
      }
      if (read.optionalUnreadable && !this.optionalUnreadableReported) {
        this.optionalUnreadableReported = true;
        onEvent({ type: "optional-parameter-unreadable", environment, parameterName: optionalParameterName(environment, "useFipsEndpoint") });
      }
      return { value: read.settings, freshUntil: policy.now() + ttlMs, validUntil: Infinity };
    };
    this.value = new RefreshingValue(
      fetch,
      policy,
      countingObserver<ModelSettings>(counters, {
        onFetched: (settings, trigger) =>
          onEvent({
            type: "parameters-read",
            environment,
            reason: REASONS[trigger],
            target: targetOf(settings),
          }),
        onFetchFailed: (error, _trigger, retryInMs) => onEvent({ type: "parameters-refresh-failed", environment, error, retryInMs }),
      }),
    );
  }

  /** The settings to use now (see the class comment); waits, bounded by `signal`, only when none were read yet. */
  current(signal?: AbortSignal): Promise<ModelSettings> {
    return this.value.get(signal);
  }

  /** Stops any read in flight (the client is being destroyed). */
  dispose(): void {
    this.value.dispose();
  }

  /**
   * Re-reads at once (a call was refused in a way a promotion causes) and returns what the parameters now say; at
   * most one such re-read a second (rate limit), and none during a failure's backoff: then the cached values.
   */
  refresh(signal?: AbortSignal): Promise<ModelSettings | undefined> {
    return this.value.refresh(signal);
  }
}
