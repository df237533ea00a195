import type { LambdaClient } from "@aws-sdk/client-lambda";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { SmokeTestEvent } from "../smokeFunction/handler";
import { lambdaSdk } from "./sdk";
import { DetectedLabel, SmokeTester, SmokeTestRequest } from "./verify";

/**
 * Lambda's limit for a synchronous invocation's request and its response: 6 MB each (Lambda API Reference, Invoke:
 * "For synchronous invocations, the maximum payload size is 6 MB"). Counted here in decimal megabytes, the smaller
 * reading, so a payload this accepts is never one Lambda refuses.
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6_000_000;

/** The invocation payload for a test image of `imageBytes` bytes: base64 (4/3) plus the JSON envelope's fields. */
export function smokeTestPayloadBytes(imageBytes: number, modelVersionArn: string): number {
  const envelope: SmokeTestEvent = { modelVersionArn, imageBase64: "", minConfidence: 100, sharing: "share" };
  return Buffer.byteLength(JSON.stringify(envelope)) + 4 * Math.ceil(imageBytes / 3);
}

/** Why an image of this size cannot be sent to the smoke-test function, or undefined when it can. */
export function smokeTestPayloadProblem(imageBytes: number, modelVersionArn: string): string | undefined {
  const payload = smokeTestPayloadBytes(imageBytes, modelVersionArn);
  return payload > LAMBDA_SYNC_PAYLOAD_BYTES
    ? `makes an invocation payload of ${payload} bytes (the image base64-encoded); Lambda accepts at most ${LAMBDA_SYNC_PAYLOAD_BYTES} for a synchronous invocation`
    : undefined;
}

const resultSchema = z.object({ labels: z.array(z.object({ name: z.string(), confidence: z.number() })).max(1000) });
const errorSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() });

/** A failure the function reported: its errorType becomes the name, so verify's retry rules see STS's or Rekognition's own error names. */
export class SmokeTestFunctionError extends Error {
  constructor(name: string, message: string, readonly functionArn: string) {
    super(message);
    this.name = name;
  }
}

/**
 * The smoke test as an invocation of the consumer's smoke-test function, from wherever the pipeline runs (the ML
 * account): the image bytes travel in the payload; the call to the model starts in the consumer's network as the
 * smoke-test role (through the shared role, or in copy mode on the environment's own copy, as the function decides from
 * its own configuration; the event says which mode verify expects). Lambda's own errors (AccessDeniedException while the pipeline's grant propagates, throttling)
 * reach verifyWithRetry unchanged; the function's errors come back as SmokeTestFunctionError named after their type.
 */
export class LambdaSmokeTester implements SmokeTester {
  constructor(private readonly lambdaFor: (region: string) => LambdaClient) {}

  async detectLabels(request: SmokeTestRequest): Promise<readonly DetectedLabel[]> {
    if (request.functionArn === undefined) throw new Error(`no smoke-test function for ${request.environment}: deploy its consumer stack with smokeTest.runner "function"`);
    if (!("path" in request.image)) throw new Error("the smoke-test function takes the image bytes in its payload: smokeTest.image must be a file");
    const image = await readFile(request.image.path);
    const tooLarge = smokeTestPayloadProblem(image.length, request.modelVersionArn);
    if (tooLarge !== undefined) throw new Error(`smokeTest.image ${request.image.path} ${tooLarge}`);
    // The mode verify expects (no shared role: copy): a function deployed for the other mode refuses before any AWS call.
    const sharing = request.sharedRoleArn === undefined ? "copy" : "share";
    const event: SmokeTestEvent = { modelVersionArn: request.modelVersionArn, imageBase64: image.toString("base64"), minConfidence: request.minConfidence, sharing };
    const region = request.functionArn.split(":")[3];
    const response = await this.lambdaFor(region).send(new (lambdaSdk().InvokeCommand)({ FunctionName: request.functionArn, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(event)) }));
    const text = response.Payload ? Buffer.from(response.Payload).toString("utf8") : "";
    const body = parseJson(text);
    if (response.FunctionError !== undefined) {
      const reported = errorSchema.safeParse(body);
      const name = reported.success && reported.data.errorType ? reported.data.errorType : response.FunctionError;
      const message = reported.success && reported.data.errorMessage ? reported.data.errorMessage : text.slice(0, 500);
      throw new SmokeTestFunctionError(name, `the smoke-test function ${request.functionArn} failed: ${message}`, request.functionArn);
    }
    const result = resultSchema.safeParse(body);
    if (!result.success) throw new Error(`the smoke-test function ${request.functionArn} answered something other than {labels: [{name, confidence}]}: ${text.slice(0, 200)}`);
    return result.data.labels;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
