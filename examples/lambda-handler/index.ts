/**
 * A Lambda handler (CommonJS) calling the model shared to its environment. The client is created once per execution
 * environment, outside the handler: its parameters and shared-role credentials are cached across invocations and
 * refreshed in the background, so a promotion reaches warm functions within the parameter TTL, without a redeploy.
 *
 * Deploy it in the consumer account with the application role (`modelshare:application.trustedServices` includes
 * lambda.amazonaws.com), in the subnets that reach the endpoints, with MODELSHARE_ENV set (qa, prod, ...).
 */
import { ImageValidationError, ModelClient, ModelClientError, type DetectedLabel } from "@modelshare/client";

/** The request: an image as base64 (API Gateway with binary media types sends the body this way). */
export interface LabelRequest {
  readonly imageBase64: string;
  readonly minConfidence?: number;
}

export interface LabelResponse {
  readonly statusCode: number;
  readonly body: string;
}

const environment = process.env.MODELSHARE_ENV ?? "prod";
// Lambda functions are short calls: a tighter deadline than the 5 s default leaves time to answer.
let client: ModelClient | undefined;
function modelClient(): ModelClient {
  client ??= ModelClient.fromEnvironment(environment, { timeoutMs: 3000 });
  return client;
}

export async function handler(event: LabelRequest): Promise<LabelResponse> {
  const image = Buffer.from(event.imageBase64, "base64");
  try {
    const labels: DetectedLabel[] = await modelClient().detectLabels(image, { minConfidence: event.minConfidence ?? 50 });
    const best = labels[0]; // highest confidence first; undefined when nothing reached minConfidence
    return { statusCode: 200, body: JSON.stringify({ labels, best: best?.name ?? null }) };
  } catch (error) {
    if (error instanceof ImageValidationError) return { statusCode: 400, body: JSON.stringify({ error: error.message }) };
    // Every client failure is a ModelClientError whose hint names the real cause (not granted, not running, ...).
    if (error instanceof ModelClientError) return { statusCode: 502, body: JSON.stringify({ error: error.name, kind: error.kind, hint: error.hint }) };
    throw error;
  }
}

/** For tests and graceful shutdown: frees the client's connections. */
export function resetClient(): void {
  client?.destroy();
  client = undefined;
}
