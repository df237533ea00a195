import { RekognitionClient } from "@aws-sdk/client-rekognition";
import { STSClient } from "@aws-sdk/client-sts";
import { SharedRoleCredentials } from "./credentials";
import { defined } from "./defined";
import { checkRekognitionEndpoint, rekognitionEndpointConfig, resolveStsEndpoint } from "./endpoints";
import { countingObserver, ModelClientCounters } from "./metrics";
import { FORCED_ASSUME_ROLE_INTERVAL_MS, ResolvedOptions } from "./options";
import { commonSdkConfig, observeAttempts } from "./sdkClients";
import { ModelSettings } from "./settings";

/**
 * What calls to one shared role in one region use: its STS client, its cached credentials, its Rekognition client.
 * In copy mode (no shared role) only a Rekognition client signing with the application's own credentials: no STS
 * client is built and no AssumeRole is made.
 */
export interface Session {
  readonly sts?: STSClient | undefined;
  readonly stsEndpoint?: string | undefined;
  /** The shared role's cached credentials; undefined in copy mode (the SDK resolves the application's own). */
  readonly credentials?: SharedRoleCredentials | undefined;
  readonly rekognition: RekognitionClient;
}

/**
 * One session per shared role (or none: copy mode), region and FIPS choice: a promotion usually changes only the
 * version, which keeps the session, its cached credentials and its connections. Building one resolves the endpoints
 * once (the SDK's configuration files are read then, not on every call).
 */
export class Sessions {
  private readonly sessions = new Map<string, Promise<Session>>();
  private readonly built: Session[] = [];

  constructor(
    private readonly options: ResolvedOptions,
    private readonly counters: ModelClientCounters,
  ) {}

  get(settings: ModelSettings): Promise<Session> {
    const key = `${settings.sharedRoleArn ?? "(own credentials)"} ${settings.region} ${settings.useFipsEndpoint}`;
    let session = this.sessions.get(key);
    if (!session) {
      // A failure here is a configuration problem (an endpoint refused): kept, so it is reported the same way each time.
      session = this.build(settings);
      session.catch(() => {});
      this.sessions.set(key, session);
    }
    return session;
  }

  /** Closes every session's connections. */
  destroy(): void {
    for (const { rekognition, sts, credentials } of this.built.splice(0)) {
      credentials?.dispose();
      rekognition.destroy();
      sts?.destroy();
    }
    this.sessions.clear();
  }

  private async build(settings: ModelSettings): Promise<Session> {
    const shared = settings.sharedRoleArn === undefined ? undefined : await this.sharedRole(settings.sharedRoleArn, settings.region);
    const { options, counters } = this;
    const rekognition: RekognitionClient = options.factories.rekognition({
      ...commonSdkConfig(options.retry, options.connectTimeoutMs),
      region: settings.region,
      ...defined(rekognitionEndpointConfig(options.endpoints.rekognition, settings.useFipsEndpoint, () => rekognition)),
      // Copy mode: the application's own credentials (baseCredentials, else the SDK's default chain).
      ...defined({ credentials: shared ? shared.credentials.provider : options.baseCredentials }),
    });
    try {
      await checkRekognitionEndpoint(rekognition, options.endpoints.rekognition, settings.useFipsEndpoint);
    } catch (error) {
      rekognition.destroy();
      shared?.sts.destroy();
      throw error;
    }
    observeAttempts(rekognition, "rekognition", counters.rekognition, options.onEvent);
    const session = { ...shared, rekognition };
    this.built.push(session);
    return session;
  }

  /** The STS client and cached credentials of a shared role (share mode). */
  private async sharedRole(roleArn: string, region: string): Promise<{ sts: STSClient; stsEndpoint: string; credentials: SharedRoleCredentials }> {
    const { options, counters } = this;
    const { onEvent } = options;
    const common = commonSdkConfig(options.retry, options.connectTimeoutMs);
    const stsEndpoint = await resolveStsEndpoint(options.endpoints.sts, region);
    const sts = options.factories.sts({
      ...common,
      region,
      endpoint: stsEndpoint.url,
      // The URL above already reflects the FIPS/dual-stack settings; with an explicit endpoint the SDK refuses them.
      useFipsEndpoint: false,
      useDualstackEndpoint: false,
      ...defined({ credentials: options.baseCredentials }),
    });
    observeAttempts(sts, "sts", counters.sts, onEvent);
    const credentials = new SharedRoleCredentials({
      sts,
      stsEndpoint: stsEndpoint.url,
      roleArn,
      roleSessionName: options.roleSessionName,
      ...defined({ externalId: options.externalId }),
      durationSeconds: options.sessionDurationSeconds,
      refreshWindowMs: options.credentialRefreshWindowMs,
      now: options.now,
      policy: {
        fetchTimeoutMs: options.lookupTimeoutMs,
        failureBackoffMs: options.failureCacheMs,
        failureBackoffMaxMs: options.failureCacheMaxMs,
        minForcedIntervalMs: FORCED_ASSUME_ROLE_INTERVAL_MS,
      },
      observer: countingObserver(counters.credentials, {
        onFetchFailed: (error, _trigger, retryInMs) => onEvent({ type: "credentials-refresh-failed", roleArn, error, retryInMs }),
      }),
      onAssumed: (expiration) => onEvent({ type: "credentials-assumed", roleArn, expiration }),
    });
    return { sts, stsEndpoint: stsEndpoint.url, credentials };
  }
}
