import { randomBytes } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { RawRequest, verifySigV4 } from "./sigv4";

/**
 * A local stand-in for SSM, STS and Rekognition that speaks their real wire protocols (SSM and Rekognition: AWS JSON
 * 1.1 with X-Amz-Target; STS: the query protocol, form-encoded in, XML out), checks SigV4 on every request, issues
 * and enforces session credentials, and injects faults. It listens on 127.0.0.1 only, one ephemeral port per
 * service, and `stop()` releases every held request and socket.
 */

export type ServiceName = "ssm" | "sts" | "rekognition";

/** What a fault rule sees of a request that passed authentication. */
export interface FakeRequest {
  readonly service: ServiceName;
  readonly operation: string;
  /** The parsed body: JSON for SSM and Rekognition, form fields for STS. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly accessKeyId: string;
  /** The request's headers (lower-case names), e.g. amz-sdk-request: "attempt=2; max=3". */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type Fault =
  /** The service's throttling error (Rekognition ProvisionedThroughputExceededException, SSM ThrottlingException, STS Throttling). */
  | { readonly kind: "throttle" }
  | { readonly kind: "error"; readonly status: number; readonly code: string; readonly message?: string }
  /** Never answers: the request is held until the client gives up or the fake stops. */
  | { readonly kind: "stall" }
  /** Answers normally after this long. */
  | { readonly kind: "delay"; readonly ms: number };

export type FaultRule = (request: FakeRequest) => Fault | undefined;

interface Session extends AwsCredentialIdentity {
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly issuedAt: number;
}

export interface ServiceCounts {
  /** Every request received. */
  requests: number;
  /** Requests whose SigV4 signature was recomputed and matched. */
  verified: number;
  /** Requests refused for their signature or an unknown key. */
  badSignatures: number;
  /** Answers by operation or error code, e.g. { AssumeRole: 3, Throttling: 2 }. */
  readonly outcomes: Map<string, number>;
}

const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
const MAX_BODY_BYTES = 6 * 1024 * 1024;

function newKeyId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString("hex").toUpperCase()}`;
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export class FakeAws {
  readonly region: string;
  readonly accountId = "111122223333";
  /** The application's own long-term key: signs SSM and STS calls. */
  readonly baseCredentials: AwsCredentialIdentity = { accessKeyId: newKeyId("AKIA"), secretAccessKey: randomBytes(20).toString("base64") };
  /** SSM parameter store: name -> value (String parameters). */
  readonly parameters = new Map<string, string>();
  /** Parameter names the application may read; undefined: all. A GetParameters naming any other is denied whole. */
  readableParameters: Set<string> | undefined;
  /** Role ARNs the application's key may assume. */
  readonly assumableRoles = new Set<string>();
  /** Model version ARNs the shared role may call. */
  readonly grantedVersions = new Set<string>();
  /** Labels every DetectCustomLabels answers. */
  labels: Array<{ Name: string; Confidence: number }> = [{ Name: "weld-crack", Confidence: 97.5 }];
  /** Fault rules per service; undefined answers normally. */
  readonly faults: { ssm?: FaultRule; sts?: FaultRule; rekognition?: FaultRule } = {};
  readonly counts: Record<ServiceName, ServiceCounts>;
  /** Requests being held by a "stall" fault. */
  stalled = 0;

  private readonly sessions = new Map<string, Session>();
  /** Sessions issued before this time are denied (IAM "revoke active sessions": a Deny on aws:TokenIssueTime). */
  private revokedBefore = 0;
  private readonly servers: Partial<Record<ServiceName, Server>> = {};
  private readonly held = new Set<ServerResponse>();
  private ports: Partial<Record<ServiceName, number>> = {};

  private constructor(region: string) {
    this.region = region;
    const counts = (): ServiceCounts => ({ requests: 0, verified: 0, badSignatures: 0, outcomes: new Map() });
    this.counts = { ssm: counts(), sts: counts(), rekognition: counts() };
  }

  static async start(options: { region?: string } = {}): Promise<FakeAws> {
    const fake = new FakeAws(options.region ?? "eu-west-1");
    for (const service of ["ssm", "sts", "rekognition"] as const) {
      const server = createServer({ keepAlive: true }, (request, response) => {
        fake.receive(service, request, response).catch((error: unknown) => {
          if (!response.headersSent) response.writeHead(500).end(String(error));
        });
      });
      server.keepAliveTimeout = 5_000;
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      fake.servers[service] = server;
      fake.ports[service] = (server.address() as AddressInfo).port;
    }
    return fake;
  }

  /** http://127.0.0.1:PORT of each service, for endpoints options or AWS_ENDPOINT_URL_* variables. */
  get endpoints(): Record<ServiceName, string> {
    return {
      ssm: `http://127.0.0.1:${this.ports.ssm}`,
      sts: `http://127.0.0.1:${this.ports.sts}`,
      rekognition: `http://127.0.0.1:${this.ports.rekognition}`,
    };
  }

  /** Number of AssumeRole calls answered with credentials. */
  get assumeRoles(): number {
    return this.counts.sts.outcomes.get("AssumeRole") ?? 0;
  }

  outcome(service: ServiceName, name: string): number {
    return this.counts[service].outcomes.get(name) ?? 0;
  }

  /** Sessions issued so far stop working with ExpiredTokenException. */
  expireSessions(): void {
    for (const [key, session] of this.sessions) this.sessions.set(key, { ...session, expiration: new Date(Date.now() - 1000) });
  }

  /** Sessions issued so far are denied (AccessDeniedException), as after IAM's "revoke active sessions". */
  revokeSessions(): void {
    this.revokedBefore = Date.now() + 1;
  }

  /** Sessions issued so far become unknown to the service (UnrecognizedClientException / InvalidClientTokenId). */
  forgetSessions(): void {
    this.sessions.clear();
  }

  /** Back to an empty account: no parameters, grants, sessions or faults; fresh counters. */
  reset(): void {
    this.parameters.clear();
    this.readableParameters = undefined;
    this.assumableRoles.clear();
    this.grantedVersions.clear();
    this.sessions.clear();
    this.revokedBefore = 0;
    delete this.faults.ssm;
    delete this.faults.sts;
    delete this.faults.rekognition;
    this.resetCounts();
  }

  /** Every request so far had its SigV4 signature checked: verified, or refused for it. */
  get unchecked(): number {
    return Object.values(this.counts).reduce((sum, c) => sum + c.requests - c.verified - c.badSignatures, 0);
  }

  /** Fresh counters (e.g. after a warm-up). */
  resetCounts(): void {
    for (const counts of Object.values(this.counts)) {
      counts.requests = 0;
      counts.verified = 0;
      counts.badSignatures = 0;
      counts.outcomes.clear();
    }
  }

  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.held.clear();
    await Promise.all(
      Object.values(this.servers).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private credentialsFor(service: ServiceName, accessKeyId: string): AwsCredentialIdentity | undefined {
    // SSM and STS are called with the application's own key; Rekognition with the shared role's session.
    if (service === "rekognition") return this.sessions.get(accessKeyId);
    return accessKeyId === this.baseCredentials.accessKeyId ? this.baseCredentials : undefined;
  }

  private count(service: ServiceName, name: string): void {
    const outcomes = this.counts[service].outcomes;
    outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
  }

  private async receive(service: ServiceName, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const counts = this.counts[service];
    counts.requests++;
    const body = await readBody(request);
    if (body === undefined) {
      response.destroy();
      return;
    }
    const raw: RawRequest = { method: request.method ?? "GET", path: request.url ?? "/", headers: request.headers, body };
    const verdict = await verifySigV4(raw, { service, region: this.region }, (key) => this.credentialsFor(service, key));
    if (!verdict.ok) {
      counts.badSignatures++;
      const code = verdict.code === "InvalidClientTokenId" && service !== "sts" ? "UnrecognizedClientException" : verdict.code;
      const status = verdict.code === "InvalidClientTokenId" && service !== "sts" ? 400 : 403;
      this.count(service, code);
      this.sendError(service, response, status, service === "rekognition" && code === "SignatureDoesNotMatch" ? "InvalidSignatureException" : code, verdict.message);
      return;
    }
    counts.verified++;

    let operation: string;
    let input: Record<string, unknown>;
    if (service === "sts") {
      const form = new URLSearchParams(body.toString("utf8"));
      operation = form.get("Action") ?? "";
      input = Object.fromEntries(form);
    } else {
      operation = String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      input = JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
    }

    if (service === "rekognition") {
      const session = this.sessions.get(verdict.accessKeyId);
      if (session && session.expiration.getTime() <= Date.now()) {
        this.count(service, "ExpiredTokenException");
        this.sendError(service, response, 400, "ExpiredTokenException", "The security token included in the request is expired");
        return;
      }
      if (session && session.issuedAt < this.revokedBefore) {
        this.count(service, "AccessDeniedException");
        this.sendError(service, response, 400, "AccessDeniedException", "User is not authorized to perform: rekognition:DetectCustomLabels with an explicit deny in an identity-based policy");
        return;
      }
    }

    const fault = this.faults[service]?.({ service, operation, input, accessKeyId: verdict.accessKeyId, headers: request.headers });
    if (fault?.kind === "stall") {
      this.count(service, "stalled");
      this.stalled++;
      this.held.add(response);
      response.on("close", () => {
        this.held.delete(response);
        this.stalled--;
      });
      return;
    }
    if (fault?.kind === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === "throttle") {
      const code = { ssm: "ThrottlingException", sts: "Throttling", rekognition: "ProvisionedThroughputExceededException" }[service];
      this.count(service, code);
      this.sendError(service, response, 400, code, "Rate exceeded");
      return;
    }
    if (fault?.kind === "error") {
      this.count(service, fault.code);
      this.sendError(service, response, fault.status, fault.code, fault.message ?? fault.code);
      return;
    }
    if (service === "ssm") this.getParameters(operation, input, response);
    else if (service === "sts") this.assumeRole(operation, input, response);
    else this.detectCustomLabels(operation, input, response);
  }

  private getParameters(operation: string, input: Record<string, unknown>, response: ServerResponse): void {
    if (operation !== "GetParameters") return this.sendError("ssm", response, 400, "InvalidAction", `unsupported ${operation}`);
    const names = Array.isArray(input.Names) ? (input.Names as string[]) : [];
    const unreadable = this.readableParameters && names.find((name) => !this.readableParameters?.has(name));
    if (unreadable) {
      this.count("ssm", "AccessDeniedException");
      const arn = `arn:aws:ssm:${this.region}:${this.accountId}:parameter${unreadable}`;
      return this.sendError("ssm", response, 400, "AccessDeniedException", `User is not authorized to perform: ssm:GetParameters on resource: ${arn}`);
    }
    this.count("ssm", "GetParameters");
    const found = names.filter((name) => this.parameters.has(name));
    this.sendJson(response, {
      Parameters: found.map((name) => ({
        Name: name,
        Type: "String",
        Value: this.parameters.get(name),
        Version: 1,
        DataType: "text",
        ARN: `arn:aws:ssm:${this.region}:${this.accountId}:parameter${name}`,
        LastModifiedDate: Math.floor(Date.now() / 1000),
      })),
      InvalidParameters: names.filter((name) => !this.parameters.has(name)),
    });
  }

  private assumeRole(operation: string, input: Record<string, unknown>, response: ServerResponse): void {
    if (operation !== "AssumeRole" || input.Version !== "2011-06-15") {
      return this.sendError("sts", response, 400, "InvalidAction", `unsupported ${operation} ${String(input.Version)}`);
    }
    const roleArn = String(input.RoleArn ?? "");
    if (!this.assumableRoles.has(roleArn)) {
      this.count("sts", "AccessDenied");
      return this.sendError("sts", response, 403, "AccessDenied", `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    }
    this.count("sts", "AssumeRole");
    const duration = Number(input.DurationSeconds ?? 3600);
    const session: Session = {
      accessKeyId: newKeyId("ASIA"),
      secretAccessKey: randomBytes(20).toString("base64"),
      sessionToken: randomBytes(32).toString("base64"),
      expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + duration * 1000),
      issuedAt: Date.now(),
    };
    this.sessions.set(session.accessKeyId, session);
    const roleName = roleArn.split("/").pop() ?? "role";
    const sessionName = String(input.RoleSessionName ?? "");
    this.sendXml(
      response,
      200,
      `<AssumeRoleResponse xmlns="${STS_NS}"><AssumeRoleResult>` +
        `<AssumedRoleUser><Arn>arn:aws:sts::${this.accountId}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(sessionName)}</Arn>` +
        `<AssumedRoleId>AROA0000000000EXAMPLE:${xmlEscape(sessionName)}</AssumedRoleId></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(session.secretAccessKey)}</SecretAccessKey>` +
        `<SessionToken>${xmlEscape(session.sessionToken)}</SessionToken><Expiration>${session.expiration.toISOString()}</Expiration></Credentials>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>${randomBytes(8).toString("hex")}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  }

  private detectCustomLabels(operation: string, input: Record<string, unknown>, response: ServerResponse): void {
    if (operation !== "DetectCustomLabels") return this.sendError("rekognition", response, 400, "InvalidAction", `unsupported ${operation}`);
    const version = String(input.ProjectVersionArn ?? "");
    if (!this.grantedVersions.has(version)) {
      this.count("rekognition", "AccessDeniedException");
      return this.sendError("rekognition", response, 400, "AccessDeniedException", `User is not authorized to perform: rekognition:DetectCustomLabels on resource: ${version}`);
    }
    this.count("rekognition", "DetectCustomLabels");
    this.sendJson(response, { CustomLabels: this.labels });
  }

  private sendJson(response: ServerResponse, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(200, { "content-type": JSON_CONTENT_TYPE, "content-length": Buffer.byteLength(text), "x-amzn-requestid": randomBytes(8).toString("hex") });
    response.end(text);
  }

  private sendXml(response: ServerResponse, status: number, xml: string): void {
    response.writeHead(status, { "content-type": "text/xml", "content-length": Buffer.byteLength(xml), "x-amzn-requestid": randomBytes(8).toString("hex") });
    response.end(xml);
  }

  private sendError(service: ServiceName, response: ServerResponse, status: number, code: string, message: string): void {
    if (service === "sts") {
      const type = status >= 500 ? "Receiver" : "Sender";
      this.sendXml(
        response,
        status,
        `<ErrorResponse xmlns="${STS_NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>` +
          `<RequestId>${randomBytes(8).toString("hex")}</RequestId></ErrorResponse>`,
      );
      return;
    }
    const text = JSON.stringify({ __type: code, message });
    response.writeHead(status, { "content-type": JSON_CONTENT_TYPE, "content-length": Buffer.byteLength(text), "x-amzn-errortype": code });
    response.end(text);
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
