import { STSClient } from "@aws-sdk/client-sts";
import { InvalidArgumentError } from "./errors";

/**
 * Which endpoint each service is called at. The SDK's own rules and configuration are used throughout; the client
 * only adds two requirements of the design: STS is always regional (an STS interface endpoint serves only the
 * regional name, so the global sts.amazonaws.com leaves the VPC or times out in private subnets), and a Rekognition
 * call for an environment that requires FIPS never goes to a non-FIPS endpoint.
 */

/** An endpoint and where it came from, for error messages. */
export interface EndpointChoice {
  readonly url: string;
  /** "endpoints.sts", "AWS_ENDPOINT_URL_STS", "the shared config file", "the SDK's regional default". */
  readonly source: string;
}

/**
 * Normalizes an endpoint option: a VPC endpoint DNS name (vpce-...amazonaws.com) or an https URL. Plain http only
 * for localhost, where test doubles run; anything else would send signed requests in the clear.
 */
export function normalizeEndpoint(option: string, value: string, service?: "sts"): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(option, value, "an https URL or a DNS name such as vpce-0a1b2c3d-abcd.sts.eu-west-1.vpce.amazonaws.com");
  }
  const local = parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1";
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && local)) {
    throw new InvalidArgumentError(option, value, "an https URL (http only for localhost)");
  }
  if ((service === "sts" || option === "endpoints.sts") && parsed.hostname === "sts.amazonaws.com") {
    throw new InvalidArgumentError(
      option,
      value,
      "a regional STS endpoint (https://sts.REGION.amazonaws.com or a VPC endpoint); the global sts.amazonaws.com is not served by an STS interface endpoint",
    );
  }
  return parsed.toString().replace(/\/$/, "");
}

/**
 * The regional STS endpoint of a region by the SDK's own endpoint rules (so every partition's DNS suffix is right),
 * e.g. https://sts.eu-west-1.amazonaws.com, or https://sts-fips.us-east-1.amazonaws.com with useFipsEndpoint.
 * Never the global name: the rules are asked with UseGlobalEndpoint false, whatever AWS_STS_REGIONAL_ENDPOINTS says.
 */
export function regionalStsEndpoint(region: string, options: { readonly useFipsEndpoint?: boolean; readonly useDualstackEndpoint?: boolean } = {}): string {
  const rules = new STSClient({ region }).config.endpointProvider;
  const endpoint = rules({ Region: region, UseFIPS: options.useFipsEndpoint ?? false, UseDualStack: options.useDualstackEndpoint ?? false, UseGlobalEndpoint: false });
  return endpoint.url.toString().replace(/\/$/, "");
}

interface ConfigurableClient {
  readonly config: {
    readonly serviceConfiguredEndpoint?: () => Promise<string | undefined>;
    readonly useFipsEndpoint: () => Promise<boolean>;
    readonly useDualstackEndpoint: () => Promise<boolean>;
  };
  destroy(): void;
}

/** Names the setting an SDK-configured endpoint came from, as precisely as the environment tells. */
function configuredSource(serviceVariable: string, configured: string): string {
  if (process.env[serviceVariable] === configured) return serviceVariable;
  if (process.env.AWS_ENDPOINT_URL === configured) return "AWS_ENDPOINT_URL";
  return "the shared config file (endpoint_url)";
}

/**
 * What the SDK's configuration says about a service's endpoint: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, or the
 * shared config file (a services section or endpoint_url), all ignored under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
 * and whether FIPS or dual-stack endpoints are asked for (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT).
 * Read through a throw-away client, so the SDK's own precedence applies.
 */
async function sdkEndpointSettings(client: ConfigurableClient): Promise<{ configured: string | undefined; useFips: boolean; useDualstack: boolean }> {
  try {
    const [configured, useFips, useDualstack] = await Promise.all([
      client.config.serviceConfiguredEndpoint?.(),
      client.config.useFipsEndpoint(),
      client.config.useDualstackEndpoint(),
    ]);
    return { configured, useFips, useDualstack };
  } finally {
    client.destroy();
  }
}

/**
 * The STS endpoint for the shared role's region: the endpoints.sts option, else the SDK's configured endpoint for
 * STS, else the regional default. Whatever the source, the global name and plain http (but for localhost) are refused.
 * Returned with the FIPS/dual-stack choice already applied, so the STS client is built with this exact URL.
 */
export async function resolveStsEndpoint(option: string | undefined, region: string): Promise<EndpointChoice> {
  if (option !== undefined) return { url: option, source: "endpoints.sts" };
  const settings = await sdkEndpointSettings(new STSClient({ region }));
  if (settings.configured !== undefined) {
    const source = configuredSource("AWS_ENDPOINT_URL_STS", settings.configured);
    return { url: normalizeEndpoint(source, settings.configured, "sts"), source };
  }
  const url = regionalStsEndpoint(region, { useFipsEndpoint: settings.useFips, useDualstackEndpoint: settings.useDualstack });
  return { url, source: "the SDK's regional default" };
}

/** The part of a Rekognition client's resolved config the FIPS check reads. */
interface RekognitionEndpointConfig {
  readonly config: { readonly serviceConfiguredEndpoint?: () => Promise<string | undefined> };
}

/**
 * The Rekognition client's endpoint settings: the endpoints.rekognition option if set; else the SDK finds its
 * configured endpoint (AWS_ENDPOINT_URL_REKOGNITION, ...) or its default. When the environment requires FIPS and no
 * endpoint is configured, the SDK's rules are asked for rekognition-fips; with a configured endpoint the SDK's FIPS
 * flag must stay off (the SDK refuses "FIPS and custom endpoint"), and checkRekognitionEndpoint vets the endpoint.
 * Lazy, because the configured endpoint is known only to the client being built.
 */
export function rekognitionEndpointConfig(
  option: string | undefined,
  requireFips: boolean,
  client: () => RekognitionEndpointConfig,
): { readonly endpoint: string | undefined; readonly useFipsEndpoint: boolean | (() => Promise<boolean>) | undefined } {
  if (option !== undefined) return { endpoint: option, useFipsEndpoint: false };
  if (!requireFips) return { endpoint: undefined, useFipsEndpoint: undefined }; // the SDK's own setting (AWS_USE_FIPS_ENDPOINT)
  return { endpoint: undefined, useFipsEndpoint: async () => (await client().config.serviceConfiguredEndpoint?.()) === undefined };
}

/**
 * When the environment requires FIPS, an explicitly configured Rekognition endpoint must be a FIPS one (its host
 * name says "fips", as the rekognition-fips interface endpoint's DNS names do): otherwise the call is refused
 * rather than sent to a non-FIPS endpoint.
 */
export async function checkRekognitionEndpoint(client: RekognitionEndpointConfig, option: string | undefined, requireFips: boolean): Promise<void> {
  if (!requireFips) return;
  const configured = option ?? (await client.config.serviceConfiguredEndpoint?.());
  if (configured === undefined) return;
  const source = option !== undefined ? "endpoints.rekognition" : configuredSource("AWS_ENDPOINT_URL_REKOGNITION", configured);
  const host = new URL(/:\/\//.test(configured) ? configured : `https://${configured}`).hostname;
  if (!/fips/i.test(host)) {
    throw new InvalidArgumentError(
      source,
      configured,
      "a Rekognition FIPS endpoint (e.g. the DNS name of a com.amazonaws.REGION.rekognition-fips interface endpoint), " +
        "because this environment's use-fips-endpoint parameter is \"true\"",
    );
  }
}
