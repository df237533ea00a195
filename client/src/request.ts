import { readFile } from "node:fs/promises";
import { CustomLabel, Image } from "@aws-sdk/client-rekognition";
import { ImageReadError, InvalidArgumentError } from "./errors";
import { validateImageBytes } from "./image";
import { ModelTarget } from "./settings";

/** What DetectCustomLabels is asked and answers, in the library's own types, with the local checks. */

/**
 * An image to label: bytes (a Buffer is a Uint8Array) or a local file. Not an S3 object: Rekognition reads an S3 image
 * with the CALLER's permissions, and the caller here is the shared role, which may call nothing but
 * DetectCustomLabels (see S3_IMAGES_UNSUPPORTED).
 */
export type ImageInput = Uint8Array | { readonly bytes: Uint8Array } | { readonly path: string };

/** Why `{ s3 }` is refused, in the words the error gives an application that still passes one. */
export const S3_IMAGES_UNSUPPORTED =
  "an S3 image is not supported: Rekognition reads it with the caller's permissions, and the caller is the shared role, which may " +
  "call only rekognition:DetectCustomLabels (no s3:GetObject on your bucket); download the object with your application's own " +
  "role (e.g. GetObjectCommand) and pass its bytes: { bytes } (up to 4 MB)";

export interface DetectOptions {
  /** Only labels at or above this confidence, 0-100. Default: each label's assumed threshold from training. */
  readonly minConfidence?: number | undefined;
  /** At most this many labels, highest confidence first. Default: all. */
  readonly maxResults?: number | undefined;
  /** Cancels the call: it rejects with CallAbortedError and its request is aborted. */
  readonly signal?: AbortSignal | undefined;
  /** This call's deadline, everything included. @default the client's timeoutMs (5000) */
  readonly timeoutMs?: number | undefined;
}

/** Position of a label as ratios (0-1) of the image's width and height, from its top-left corner. */
export interface BoundingBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface DetectedLabel {
  readonly name: string;
  /** Percent, 0-100. */
  readonly confidence: number;
  /** Present for object-location (detection) models, absent for classification models. */
  readonly geometry?: {
    readonly boundingBox?: BoundingBox;
    readonly polygon?: ReadonlyArray<{ readonly x: number; readonly y: number }>;
  };
}

/** Labels and which target answered them (after a promotion, not necessarily the one first read). */
export interface Detection {
  readonly labels: DetectedLabel[];
  readonly target: ModelTarget;
}

/** Checks DetectCustomLabels' MinConfidence and MaxResults, and the call's deadline and signal, before any call. */
export function validateDetectOptions(options: DetectOptions): void {
  const { minConfidence, maxResults, signal, timeoutMs } = options;
  if (minConfidence !== undefined && !(Number.isFinite(minConfidence) && minConfidence >= 0 && minConfidence <= 100)) {
    throw new InvalidArgumentError("minConfidence", minConfidence, "a number from 0 to 100 (percent)");
  }
  if (maxResults !== undefined && !(Number.isInteger(maxResults) && maxResults >= 1)) {
    throw new InvalidArgumentError("maxResults", maxResults, "a positive integer");
  }
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new InvalidArgumentError("timeoutMs", timeoutMs, "a number of milliseconds > 0");
  }
  // Duck-typed: a signal from another realm or an AbortController polyfill is fine too.
  const signalLike = signal as { aborted?: unknown; addEventListener?: unknown } | undefined;
  if (signal !== undefined && !(typeof signalLike?.aborted === "boolean" && typeof signalLike.addEventListener === "function")) {
    throw new InvalidArgumentError("signal", signal, "an AbortSignal (e.g. new AbortController().signal)");
  }
}

/** Turns any ImageInput into Rekognition's Image after the local checks; reads the file for a path. */
export async function toRekognitionImage(input: ImageInput): Promise<Image> {
  if (input instanceof Uint8Array) {
    validateImageBytes(input, "image bytes");
    return { Bytes: input };
  }
  if (typeof input === "object" && input !== null) {
    if ("bytes" in input && input.bytes instanceof Uint8Array) {
      validateImageBytes(input.bytes, "image bytes");
      return { Bytes: input.bytes };
    }
    if ("path" in input && typeof input.path === "string") {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(input.path);
      } catch (error) {
        throw new ImageReadError(input.path, error);
      }
      validateImageBytes(bytes, input.path);
      return { Bytes: bytes };
    }
    if ("s3" in input) throw new InvalidArgumentError("image", input, `a Uint8Array, { bytes } or { path }; ${S3_IMAGES_UNSUPPORTED}`);
  }
  throw new InvalidArgumentError("image", input, "a Uint8Array, { bytes } or { path }");
}

export function toDetectedLabel(label: CustomLabel): DetectedLabel {
  const box = label.Geometry?.BoundingBox;
  const polygon = label.Geometry?.Polygon;
  const geometry =
    box || polygon
      ? {
          ...(box && {
            boundingBox: { left: box.Left ?? 0, top: box.Top ?? 0, width: box.Width ?? 0, height: box.Height ?? 0 },
          }),
          ...(polygon && { polygon: polygon.map((point) => ({ x: point.X ?? 0, y: point.Y ?? 0 })) }),
        }
      : undefined;
  return { name: label.Name ?? "", confidence: label.Confidence ?? 0, ...(geometry && { geometry }) };
}
