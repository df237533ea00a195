import { readFile } from "node:fs/promises";
import { Command } from "commander";
import type { DetectedLabel, Detection, ModelClient, ModelClientEvent, RefreshReason } from "@modelshare/client";
import { ENVIRONMENT_NAME, REGION_NAME } from "@modelshare/client/contract";
import { parameterPrefix } from "../contract";
import { projectDirectoryOption, stderrProgress, UsageError } from "./common";
import { notRegularFileReason } from "../config/raw";
import { requireProjectEnvironment } from "./projectEnvironments";

/** The client package with its AWS SDK clients, loaded when `invoke` runs (not for every command's `--help`). */
const clientPackage = () => require("@modelshare/client") as typeof import("@modelshare/client");

/** Flags as commander hands them over: strings, unchecked. */
export interface InvokeFlags {
  env?: string;
  image?: string;
  minConfidence?: string;
  maxResults?: string;
  region?: string;
  stsEndpoint?: string;
  rekognitionEndpoint?: string;
  ssmEndpoint?: string;
  timeout?: string;
  json?: boolean;
}

/** Checked flags. */
export interface InvokeRequest {
  readonly environment: string;
  readonly imagePath: string;
  readonly minConfidence: number | undefined;
  readonly maxResults: number | undefined;
  readonly region: string | undefined;
  readonly endpoints: { sts?: string; rekognition?: string; ssm?: string };
  readonly timeoutMs: number;
  readonly json: boolean;
}

/** The CLI runs cold (credential chain, SSM, STS, then Rekognition), so its deadline is longer than the library's. */
export const INVOKE_DEFAULT_TIMEOUT_SECONDS = 30;

/** Checks every flag and reports all problems at once (exit 2), before any file is read or AWS is called. */
export function parseInvokeFlags(flags: InvokeFlags): InvokeRequest {
  const problems: string[] = [];
  const environment = flags.env ?? "";
  if (flags.env === undefined) problems.push("--env is required: the consumer environment whose parameters to use (e.g. qa)");
  else if (!ENVIRONMENT_NAME.test(environment)) {
    problems.push(`--env ${JSON.stringify(environment)}: must be 1-24 characters of lowercase letters, digits and '-', starting with a letter`);
  }
  const imagePath = flags.image ?? "";
  if (flags.image === undefined || imagePath === "") problems.push("--image is required: path of a PNG or JPEG file");

  let minConfidence: number | undefined;
  if (flags.minConfidence !== undefined) {
    minConfidence = Number(flags.minConfidence);
    if (flags.minConfidence.trim() === "" || !Number.isFinite(minConfidence) || minConfidence < 0 || minConfidence > 100) {
      problems.push(`--min-confidence ${JSON.stringify(flags.minConfidence)}: must be a number from 0 to 100 (percent)`);
    }
  }
  let maxResults: number | undefined;
  if (flags.maxResults !== undefined) {
    maxResults = Number(flags.maxResults);
    if (!/^\d+$/.test(flags.maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
      problems.push(`--max-results ${JSON.stringify(flags.maxResults)}: must be a whole number from 1 to ${MAX_RESULTS}`);
    }
  }
  if (flags.region !== undefined && !REGION_NAME.test(flags.region)) {
    problems.push(`--region ${JSON.stringify(flags.region)}: must be an AWS region such as eu-west-1`);
  }
  let timeoutSeconds = INVOKE_DEFAULT_TIMEOUT_SECONDS;
  if (flags.timeout !== undefined) {
    timeoutSeconds = Number(flags.timeout);
    if (flags.timeout.trim() === "" || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 600) {
      problems.push(`--timeout ${JSON.stringify(flags.timeout)}: must be a number of seconds, more than 0 and at most 600`);
    }
  }
  if (problems.length === 1) throw new UsageError(`invoke: ${problems[0]}`);
  if (problems.length > 1) throw new UsageError(`invoke: ${problems.length} problems:\n  - ${problems.join("\n  - ")}`);
  return {
    environment,
    imagePath,
    minConfidence,
    maxResults,
    region: flags.region,
    endpoints: { sts: flags.stsEndpoint, rekognition: flags.rekognitionEndpoint, ssm: flags.ssmEndpoint },
    timeoutMs: Math.round(timeoutSeconds * 1000),
    json: flags.json === true,
  };
}

/** modelshare's bound for --max-results (DetectCustomLabels documents no maximum; a model has far fewer labels). */
const MAX_RESULTS = 1000;

/** Reads and checks the image; any problem is bad input (exit 2). */
async function readCheckedImage(path: string): Promise<Uint8Array> {
  // A FIFO or a device would block the read forever: refuse anything but a regular file first.
  const notRegular = notRegularFileReason(path, 16 * 1024 * 1024);
  if (notRegular !== undefined && notRegular !== "does not exist") throw new UsageError(`--image ${path}: ${notRegular}; allowed: a PNG or JPEG file`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new UsageError(`--image ${path}: cannot read the file (${reason})`);
  }
  const { validateImageBytes, ImageValidationError } = clientPackage();
  try {
    validateImageBytes(bytes, path);
  } catch (error) {
    if (error instanceof ImageValidationError) throw new UsageError(`--image ${error.message.replace(/^image /, "")}`);
    throw error;
  }
  return bytes;
}

function formatBox(label: DetectedLabel): string {
  const box = label.geometry?.boundingBox;
  if (!box) return "-";
  return [box.left, box.top, box.width, box.height].map((n) => n.toFixed(3)).join(" ");
}

/** The labels as an aligned text table (stdout of `invoke` without --json). */
export function formatLabelsTable(labels: readonly DetectedLabel[], minConfidence: number | undefined): string {
  if (labels.length === 0) {
    return minConfidence === undefined
      ? "No labels above each label's trained threshold.\n"
      : `No labels at or above ${minConfidence}% confidence.\n`;
  }
  const rows = [
    ["LABEL", "CONFIDENCE", "BOX (left top width height)"],
    ...labels.map((label) => [label.name, label.confidence.toFixed(2), formatBox(label)]),
  ];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map(([name, confidence, box]) => `${name.padEnd(widths[0])}  ${confidence.padStart(widths[1])}  ${box}`.trimEnd())
    .join("\n")
    .concat("\n");
}

const READ_REASONS: Record<RefreshReason, string> = {
  "first-use": "read",
  ttl: "re-read (TTL elapsed)",
  "version-replaced": "re-read after a refused call",
};

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}

/** A progress line for an event, or undefined for the ones that only feed metrics. */
export function describeEvent(event: ModelClientEvent): string | undefined {
  switch (event.type) {
    case "parameters-read":
      return (
        `${READ_REASONS[event.reason]} ${parameterPrefix(event.environment)}*: version ${event.target.modelVersionArn}, ` +
        `${event.target.sharedRoleArn === undefined ? "no shared role (copy mode: this environment's own copy, with the caller's own credentials)" : `role ${event.target.sharedRoleArn}`}, ` +
        `region ${event.target.region}${event.target.useFipsEndpoint ? ", FIPS endpoint" : ""}`
      );
    case "parameters-refresh-failed":
      return `reading ${parameterPrefix(event.environment)}* failed (next attempt in ${(event.retryInMs / 1000).toFixed(1)} s): ${firstLine(event.error)}`;
    case "optional-parameter-unreadable":
      return `${event.parameterName} is not readable with this role (a consumer stack older than it?): FIPS endpoint off`;
    case "credentials-assumed":
      return `assumed ${event.roleArn}${event.expiration ? ` until ${event.expiration.toISOString()}` : ""}`;
    case "credentials-refresh-failed":
      return `AssumeRole on ${event.roleArn} failed (next attempt in ${(event.retryInMs / 1000).toFixed(1)} s): ${firstLine(event.error)}`;
    case "credentials-dropped":
      return `${event.after}: dropping the session of ${event.roleArn} and assuming it again`;
    case "retrying-with-new-target":
      return `${event.after} on ${event.from.modelVersionArn}; the parameters now name ${event.to.modelVersionArn}: retrying once`;
    case "attempt-failed":
      return `${event.service} attempt ${event.attempt} failed: ${event.code} (${event.kind})`;
    case "call-finished":
      return undefined;
  }
}

async function invoke(flags: InvokeFlags, projectDir: string): Promise<void> {
  const request = parseInvokeFlags(flags);
  requireProjectEnvironment(projectDir, "--env", request.environment);
  const image = await readCheckedImage(request.imagePath);
  const progress = stderrProgress();
  const { ModelClient, InvalidArgumentError } = clientPackage();
  let client: ModelClient;
  try {
    client = ModelClient.fromEnvironment(request.environment, {
      region: request.region,
      endpoints: request.endpoints,
      timeoutMs: request.timeoutMs,
      onEvent: (event) => {
        const line = describeEvent(event);
        if (line !== undefined) progress.step("invoke", line);
      },
    });
  } catch (error) {
    // Endpoint flags are checked when the client is built, still before any call.
    if (error instanceof InvalidArgumentError) throw new UsageError(error.message.replace(/^endpoints\.(\w+)/, "--$1-endpoint"));
    throw error;
  }
  let detection: Detection;
  try {
    progress.step("invoke", `DetectCustomLabels for ${request.imagePath} (environment ${request.environment})`);
    detection = await client.detect(image, { minConfidence: request.minConfidence, maxResults: request.maxResults });
  } finally {
    client.destroy();
  }
  progress.done("invoke", `${detection.labels.length} label${detection.labels.length === 1 ? "" : "s"} from ${detection.target.modelVersionArn}`);
  if (request.json) {
    const result = { environment: request.environment, ...detection.target, labels: detection.labels };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(formatLabelsTable(detection.labels, request.minConfidence));
  }
}

/** `modelshare invoke`: label one image with an environment's model, the way its applications do. */
export function registerInvoke(program: Command): void {
  program
    .command("invoke")
    .description(
      "Label an image with the model version an environment's parameters name, through its shared role, or in a copy " +
        "environment (no shared-role-arn parameter) its own copy with the caller's own credentials (the same path as " +
        "ModelClient). Result on stdout; progress on stderr.",
    )
    .option("--env <name>", "consumer environment whose /modelshare/<env>/ parameters to use (required)")
    .option("--image <path>", "PNG or JPEG file: at most 4 MB, 64-4096 px per side, aspect ratio at most 20:1 (required)")
    .option("--min-confidence <percent>", "only labels at or above this confidence, 0-100 (default: each label's trained threshold)")
    .option("--max-results <n>", "at most this many labels, highest confidence first (default: all)")
    .option("--region <region>", "region of the SSM parameters (default: the SDK's region chain, e.g. AWS_REGION)")
    .option("--sts-endpoint <dns-or-url>", "STS VPC endpoint DNS name, when private DNS is off (must be regional; unused in a copy environment)")
    .option("--rekognition-endpoint <dns-or-url>", "Rekognition VPC endpoint DNS name, when private DNS is off")
    .option("--ssm-endpoint <dns-or-url>", "SSM VPC endpoint DNS name, when private DNS is off")
    .option("--timeout <seconds>", `deadline of the whole call: parameters, role, DetectCustomLabels and retries (default ${INVOKE_DEFAULT_TIMEOUT_SECONDS})`)
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nExit codes: 0 labels printed (possibly none), 1 an AWS call failed (with a hint), 2 bad input (nothing was called).",
    )
    .action(async (flags: InvokeFlags) => {
      await invoke(flags, projectDirectoryOption(program));
    });
}
