import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

/**
 * A small stand-in for the Rekognition Custom Labels calls modelshare makes (moto has no model lifecycle):
 * DescribeProjectVersions, StartProjectVersion, StopProjectVersion and DetectCustomLabels, over the AWS JSON 1.1
 * protocol the SDK speaks, on 127.0.0.1. Clients reach it through the SDK's per-service endpoint setting
 * (AWS_ENDPOINT_URL_REKOGNITION). Versions move STARTING -> RUNNING and STOPPING -> STOPPED after configurable
 * delays; calls in the wrong state fail with the errors Rekognition returns. It checks no signature or permission:
 * who may call what is checked on the IAM documents in the emulator (test/engine/checks.ts).
 */

export interface FakeVersion {
  readonly arn: string;
  status: string;
  minInferenceUnits?: number;
  maxInferenceUnits?: number;
  /** When a transition (STARTING/STOPPING) completes, in ms since the epoch. */
  settlesAt?: number;
}

export interface FakeOptions {
  /** How long STARTING lasts, in ms. @default 0 (RUNNING at the first describe after the start) */
  readonly startMs?: number;
  /** How long STOPPING lasts, in ms. @default 0 */
  readonly stopMs?: number;
  /** Labels DetectCustomLabels returns for a RUNNING version. */
  readonly labels?: ReadonlyArray<{ readonly Name: string; readonly Confidence: number }>;
  readonly now?: () => number;
}

export interface CallRecord {
  readonly action: string;
  readonly body: Record<string, unknown>;
}

const VERSION_ARN = /^arn:aws[\w-]*:rekognition:[\w-]+:\d{12}:project\/([\w.-]+)\/version\/([\w.-]+)\/\d+$/;

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class RekognitionFake {
  readonly versions = new Map<string, FakeVersion>();
  readonly calls: CallRecord[] = [];
  private server: Server | undefined;
  private readonly now: () => number;

  constructor(private readonly options: FakeOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Adds a trained version (TRAINING_COMPLETED unless given). */
  addVersion(arn: string, status = "TRAINING_COMPLETED", units: { min?: number; max?: number } = {}): void {
    if (!VERSION_ARN.test(arn)) throw new Error(`not a project version ARN: ${arn}`);
    this.versions.set(arn, { arn, status, minInferenceUnits: units.min, maxInferenceUnits: units.max });
  }

  /** The version's status now (a transition whose time has come has completed). */
  status(arn: string): string | undefined {
    const version = this.versions.get(arn);
    if (!version) return undefined;
    this.settle(version);
    return version.status;
  }

  private settle(version: FakeVersion): void {
    if (version.settlesAt === undefined || this.now() < version.settlesAt) return;
    version.status = version.status === "STARTING" ? "RUNNING" : version.status === "STOPPING" ? "STOPPED" : version.status;
    version.settlesAt = undefined;
  }

  private version(arn: unknown): FakeVersion {
    const version = typeof arn === "string" ? this.versions.get(arn) : undefined;
    if (!version) throw new ServiceError("ResourceNotFoundException", `The resource ${String(arn)} was not found.`);
    this.settle(version);
    return version;
  }

  /** Project policies by project ARN (ListProjectPolicies; none unless a test adds one). */
  readonly projectPolicies = new Map<string, { PolicyName: string; PolicyRevisionId: string; PolicyDocument: string }[]>();

  handle(action: string, body: Record<string, unknown>): Record<string, unknown> {
    this.calls.push({ action, body });
    switch (action) {
      case "ListProjectPolicies": {
        if (typeof body.ProjectArn !== "string") throw new ServiceError("InvalidParameterException", "ProjectArn is required");
        return { ProjectPolicies: (this.projectPolicies.get(body.ProjectArn) ?? []).map((p) => ({ ...p, ProjectArn: body.ProjectArn })) };
      }
      case "DescribeProjectVersions": {
        const project = body.ProjectArn;
        if (typeof project !== "string") throw new ServiceError("InvalidParameterException", "ProjectArn is required");
        const names = Array.isArray(body.VersionNames) ? (body.VersionNames as string[]) : undefined;
        const found = [...this.versions.values()].filter((v) => {
          const [, projectName, versionName] = VERSION_ARN.exec(v.arn) ?? [];
          return project.includes(`:project/${projectName}/`) && (names === undefined || names.includes(versionName));
        });
        for (const v of found) this.settle(v);
        return {
          ProjectVersionDescriptions: found.map((v) => ({
            ProjectVersionArn: v.arn,
            Status: v.status,
            StatusMessage: `The model is ${v.status.toLowerCase()}.`,
            ...(v.minInferenceUnits !== undefined ? { MinInferenceUnits: v.minInferenceUnits } : {}),
            ...(v.maxInferenceUnits !== undefined ? { MaxInferenceUnits: v.maxInferenceUnits } : {}),
          })),
        };
      }
      case "StartProjectVersion": {
        const version = this.version(body.ProjectVersionArn);
        const min = body.MinInferenceUnits;
        if (typeof min !== "number" || min < 1) throw new ServiceError("InvalidParameterException", "MinInferenceUnits must be at least 1");
        if (!["TRAINING_COMPLETED", "STOPPED", "COPYING_COMPLETED", "FAILED"].includes(version.status)) {
          throw new ServiceError("ResourceInUseException", `The model is ${version.status} and cannot be started.`);
        }
        version.status = "STARTING";
        version.minInferenceUnits = min;
        version.maxInferenceUnits = typeof body.MaxInferenceUnits === "number" ? body.MaxInferenceUnits : undefined;
        version.settlesAt = this.now() + (this.options.startMs ?? 0);
        return { Status: "STARTING" };
      }
      case "StopProjectVersion": {
        const version = this.version(body.ProjectVersionArn);
        if (!["RUNNING", "STARTING"].includes(version.status)) throw new ServiceError("ResourceInUseException", `The model is ${version.status} and cannot be stopped.`);
        version.status = "STOPPING";
        version.settlesAt = this.now() + (this.options.stopMs ?? 0);
        return { Status: "STOPPING" };
      }
      case "DetectCustomLabels": {
        const version = this.version(body.ProjectVersionArn);
        if (version.status !== "RUNNING") throw new ServiceError("ResourceNotReadyException", `The model is ${version.status}; start it before calling it.`);
        const image = body.Image as { Bytes?: string; S3Object?: unknown } | undefined;
        if (!image?.Bytes && !image?.S3Object) throw new ServiceError("InvalidParameterException", "Image is required");
        const minConfidence = typeof body.MinConfidence === "number" ? body.MinConfidence : 55;
        const labels = (this.options.labels ?? [{ Name: "scratch", Confidence: 97.5 }]).filter((l) => l.Confidence >= minConfidence);
        return { CustomLabels: labels };
      }
      default:
        throw new ServiceError("UnknownOperationException", `the Rekognition fake does not implement ${action}`);
    }
  }

  /** Listens on 127.0.0.1 (a free port unless given); resolves with the endpoint URL. */
  async listen(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 8 * 1024 * 1024) break; // DetectCustomLabels takes at most 4 MB of image bytes (base64: ~5.4 MB)
      chunks.push(chunk as Buffer);
    }
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(payload));
    };
    const target = String(req.headers["x-amz-target"] ?? "");
    const action = target.startsWith("RekognitionService.") ? target.slice("RekognitionService.".length) : "";
    try {
      if (size > 8 * 1024 * 1024) throw new ServiceError("ImageTooLargeException", "request too large");
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      reply(200, this.handle(action, body));
    } catch (error) {
      const e = error instanceof ServiceError ? error : new ServiceError("InternalServerError", String(error), 500);
      reply(e.status, { __type: e.type, message: e.message });
    }
  }
}
