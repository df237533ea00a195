import { createHash, createHmac, Hash, Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, HttpRequest } from "@aws-sdk/types";

/** SHA-256 (or HMAC-SHA-256 with a key) on node:crypto, in the shape @smithy/signature-v4 expects. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === "string" ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash("sha256");
    const key = typeof this.secret === "string" ? this.secret : ArrayBuffer.isView(this.secret) ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength) : Buffer.from(this.secret);
    return createHmac("sha256", key);
  }
}

/** What a fake service received, before any parsing of the body. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  /** Node's lower-cased headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export type SigV4Result =
  | { readonly ok: true; readonly accessKeyId: string; readonly sessionToken: string | undefined }
  | { readonly ok: false; readonly code: "MissingAuthenticationToken" | "IncompleteSignature" | "InvalidClientTokenId" | "SignatureDoesNotMatch"; readonly message: string };

// AWS4-HMAC-SHA256 Credential=AKID/20260301/eu-west-1/rekognition/aws4_request, SignedHeaders=a;b;c, Signature=hex
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
// AWS refuses a signature more than 5 minutes away from its clock (RequestTimeTooSkewed / "Signature expired").
const MAX_SKEW_MS = 5 * 60_000;

// A signer caches its derived signing key: one per key and scope keeps verification cheap under load.
const signers = new Map<string, SignatureV4>();

function signerFor(credentials: AwsCredentialIdentity, region: string, service: string): SignatureV4 {
  const key = `${credentials.accessKeyId}/${credentials.secretAccessKey}/${region}/${service}`;
  let signer = signers.get(key);
  if (!signer) {
    if (signers.size > 1000) signers.clear();
    signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256 });
    signers.set(key, signer);
  }
  return signer;
}

function header(request: RawRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * Checks a request's SigV4 signature the way AWS does: the Authorization header's shape, the credential scope
 * (date, region, service), the signed headers (host and x-amz-date at least; the session token when one is used),
 * the clock skew, and the signature itself, recomputed with @smithy/signature-v4 from the secret the fake issued.
 */
export async function verifySigV4(
  request: RawRequest,
  expected: { readonly service: string; readonly region: string },
  credentialsFor: (accessKeyId: string) => AwsCredentialIdentity | undefined,
): Promise<SigV4Result> {
  const authorization = header(request, "authorization");
  if (authorization === undefined) return { ok: false, code: "MissingAuthenticationToken", message: "Missing Authentication Token" };
  const match = AUTHORIZATION.exec(authorization);
  if (!match) return { ok: false, code: "IncompleteSignature", message: `Authorization header is not SigV4: ${authorization.slice(0, 80)}` };
  const [, accessKeyId, scopeDate, region, service, signedHeaderList] = match;
  if (service !== expected.service || region !== expected.region) {
    return { ok: false, code: "SignatureDoesNotMatch", message: `credential scope ${region}/${service}, expected ${expected.region}/${expected.service}` };
  }
  const amzDate = header(request, "x-amz-date") ?? "";
  const date = AMZ_DATE.exec(amzDate);
  if (!date || !amzDate.startsWith(scopeDate)) {
    return { ok: false, code: "IncompleteSignature", message: `X-Amz-Date ${amzDate} does not match the credential scope date ${scopeDate}` };
  }
  const signingDate = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]));
  if (Math.abs(signingDate.getTime() - Date.now()) > MAX_SKEW_MS) {
    return { ok: false, code: "SignatureDoesNotMatch", message: `Signature expired: ${amzDate} is more than 5 minutes away from the server's time` };
  }
  const signedHeaders = signedHeaderList.split(";");
  const sessionToken = header(request, "x-amz-security-token");
  const required = ["host", "x-amz-date", ...(sessionToken === undefined ? [] : ["x-amz-security-token"])];
  const unsigned = required.filter((name) => !signedHeaders.includes(name));
  if (unsigned.length > 0) return { ok: false, code: "SignatureDoesNotMatch", message: `headers not signed: ${unsigned.join(", ")}` };

  const credentials = credentialsFor(accessKeyId);
  if (!credentials) return { ok: false, code: "InvalidClientTokenId", message: "The security token included in the request is invalid." };
  if (credentials.sessionToken !== sessionToken) {
    return { ok: false, code: "InvalidClientTokenId", message: "The security token included in the request is invalid." };
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request, name);
    if (value === undefined) return { ok: false, code: "SignatureDoesNotMatch", message: `signed header ${name} is missing` };
    headers[name] = value;
  }
  const [path, query = ""] = request.path.split("?", 2);
  const toSign: HttpRequest = {
    method: request.method,
    protocol: "http:",
    hostname: (headers.host ?? "").replace(/:\d+$/, ""),
    path,
    query: Object.fromEntries(new URLSearchParams(query)),
    headers,
    body: request.body,
  };
  const signed = await signerFor(credentials, region, service).sign(toSign, { signingDate });
  const recomputed = signed.headers.authorization ?? signed.headers.Authorization;
  if (recomputed !== authorization) {
    return { ok: false, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided." };
  }
  return { ok: true, accessKeyId, sessionToken };
}
