import { ImageProblem, ImageValidationError } from "./errors";

/**
 * DetectCustomLabels' limits on the input image (Custom Labels guide, "Guidelines and quotas"; the API gives
 * Image.Bytes a maximum length of 4,194,304). Checked locally so a bad image fails fast with a clear message
 * instead of a round trip through STS and Rekognition. Pure: no I/O in this module.
 */
export const IMAGE_LIMITS = {
  /** Image sent as bytes. */
  maxBytes: 4 * 1024 * 1024,
  minSidePixels: 64,
  maxSidePixels: 4096,
  /** Longer side divided by shorter side. */
  maxAspectRatio: 20,
} as const;

export type ImageLimits = typeof IMAGE_LIMITS;

export type ImageFormat = "png" | "jpeg";

/** What the image's own header says. */
export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

/** Why a header could not be read: not PNG/JPEG at all, or PNG/JPEG with a truncated or malformed header. */
export interface HeaderProblem {
  readonly check: "format" | "header";
  readonly message: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** SOI marker and the first byte of the next marker. */
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

// Signatures of formats people often send by mistake, so the message can say what the file is instead.
const OTHER_FORMATS: ReadonlyArray<{ name: string; matches: (b: Uint8Array) => boolean }> = [
  { name: "GIF", matches: (b) => ascii(b, 0, 4) === "GIF8" },
  { name: "WebP", matches: (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP" },
  { name: "BMP", matches: (b) => ascii(b, 0, 2) === "BM" },
  { name: "TIFF", matches: (b) => ascii(b, 0, 4) === "II*\0" || ascii(b, 0, 4) === "MM\0*" },
  { name: "HEIC/AVIF", matches: (b) => ascii(b, 4, 4) === "ftyp" },
  { name: "PDF", matches: (b) => ascii(b, 0, 5) === "%PDF-" },
];

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (bytes.length < offset + length) return "";
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function hex(bytes: Uint8Array, count: number): string {
  return Array.from(bytes.subarray(0, count), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** The byte at `offset`; callers check the length first, so a byte past the end reads as 0 rather than undefined. */
function byteAt(bytes: Uint8Array, offset: number): number {
  return bytes[offset] ?? 0;
}

function uint16(bytes: Uint8Array, offset: number): number {
  return (byteAt(bytes, offset) << 8) | byteAt(bytes, offset + 1);
}

function uint32(bytes: Uint8Array, offset: number): number {
  return ((byteAt(bytes, offset) << 24) >>> 0) + ((byteAt(bytes, offset + 1) << 16) | (byteAt(bytes, offset + 2) << 8) | byteAt(bytes, offset + 3));
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** Reads format and dimensions from the first bytes of a PNG or JPEG, or says why it cannot. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | HeaderProblem {
  if (bytes.length === 0) return { check: "format", message: "is empty (0 bytes); expected a PNG or JPEG image" };
  if (startsWith(bytes, PNG_SIGNATURE)) return readPngHeader(bytes);
  if (startsWith(bytes, JPEG_SIGNATURE)) return readJpegHeader(bytes);
  // A file cut inside its own signature is a truncated PNG or JPEG, not another format.
  const cutInside = (signature: readonly number[]) =>
    bytes.length < signature.length && bytes.every((b, i) => b === signature[i]);
  if (cutInside(PNG_SIGNATURE)) {
    return { check: "header", message: `is a truncated PNG: ${bytes.length} bytes, shorter than the 8-byte signature` };
  }
  if (cutInside(JPEG_SIGNATURE)) {
    return { check: "header", message: `is a truncated JPEG: ${bytes.length} bytes, shorter than the 3-byte signature` };
  }
  const other = OTHER_FORMATS.find((f) => f.matches(bytes));
  return {
    check: "format",
    message:
      `is ${other ? `a ${other.name} image` : `not a PNG or JPEG (first bytes ${hex(bytes, 8)})`}; ` +
      "DetectCustomLabels accepts only PNG (89 50 4e 47 ...) or JPEG (ff d8 ff ...)",
  };
}

function readPngHeader(bytes: Uint8Array): ImageHeader | HeaderProblem {
  // Signature (8), then the first chunk, which the PNG spec requires to be IHDR: length (4), type (4), width (4),
  // height (4), ...
  const ihdrEnd = 8 + 4 + 4 + 8;
  if (bytes.length < ihdrEnd) {
    return { check: "header", message: `is a truncated PNG: ${bytes.length} bytes, the IHDR header needs ${ihdrEnd}` };
  }
  const chunkType = ascii(bytes, 12, 4);
  if (chunkType !== "IHDR") {
    return { check: "header", message: `is a malformed PNG: first chunk is "${chunkType}", the PNG spec requires IHDR` };
  }
  const width = uint32(bytes, 16);
  const height = uint32(bytes, 20);
  if (width === 0 || height === 0) {
    return { check: "header", message: `is a malformed PNG: IHDR says ${width}x${height} px, a side of 0 is invalid` };
  }
  return { format: "png", width, height };
}

// Start-of-frame markers carry the dimensions: SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

// A frame header's length field counts itself (2), precision (1), height (2), width (2), component count (1) and
// 3 bytes per component: 11 with the one component every image has. A shorter one does not hold the dimensions.
const MIN_FRAME_HEADER_LENGTH = 11;

// Markers without a length field: TEM, RST0-7, SOI.
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);
}

function readJpegHeader(bytes: Uint8Array): ImageHeader | HeaderProblem {
  const truncated = (where: string): HeaderProblem => ({
    check: "header",
    message: `is a truncated JPEG: ${bytes.length} bytes end ${where} before the frame header (SOFn) that holds the dimensions`,
  });
  // Walk the segments after SOI (APPn such as EXIF, DQT, DHT, COM, ...) until a start-of-frame segment.
  let offset = 2;
  for (;;) {
    if (offset >= bytes.length) return truncated("after a segment");
    if (bytes[offset] !== 0xff) {
      return {
        check: "header",
        message: `is a malformed JPEG: expected a marker (ff) at byte ${offset}, found ${byteAt(bytes, offset).toString(16).padStart(2, "0")}`,
      };
    }
    while (offset < bytes.length && bytes[offset] === 0xff) offset++; // fill bytes may precede a marker
    if (offset >= bytes.length) return truncated("inside a marker");
    const marker = byteAt(bytes, offset);
    offset++;
    if (isStandalone(marker)) continue;
    if (marker === 0xda || marker === 0xd9 || marker === 0x00) {
      const what = marker === 0xda ? "image data (SOS)" : marker === 0xd9 ? "end of image (EOI)" : "an invalid marker ff 00";
      return { check: "header", message: `is a malformed JPEG: ${what} at byte ${offset - 2} comes before any frame header (SOFn)` };
    }
    if (offset + 2 > bytes.length) return truncated("inside a segment length");
    const segmentLength = uint16(bytes, offset);
    if (segmentLength < 2) {
      return { check: "header", message: `is a malformed JPEG: segment at byte ${offset - 2} has length ${segmentLength}` };
    }
    if (isStartOfFrame(marker)) {
      // Length (2), sample precision (1), height (2), width (2), component count (1), 3 bytes per component (at least one).
      if (segmentLength < MIN_FRAME_HEADER_LENGTH) {
        return {
          check: "header",
          message: `is a malformed JPEG: frame header (SOFn) at byte ${offset - 2} has length ${segmentLength}, shorter than the ${MIN_FRAME_HEADER_LENGTH} bytes of a frame with one component`,
        };
      }
      if (offset + 7 > bytes.length) return truncated("inside the frame header");
      const height = uint16(bytes, offset + 3);
      const width = uint16(bytes, offset + 5);
      if (height === 0 || width === 0) {
        return {
          check: "header",
          message: `is a JPEG whose frame header says ${width}x${height} px; a side of 0 (size given later by a DNL marker) is not supported`,
        };
      }
      return { format: "jpeg", width, height };
    }
    offset += segmentLength;
  }
}

const count = (n: number) => n.toLocaleString("en-US");

/** Every DetectCustomLabels limit the bytes break, with the header when it could be read. */
export function findImageProblems(
  bytes: Uint8Array,
  limits: ImageLimits = IMAGE_LIMITS,
): { header: ImageHeader | undefined; problems: ImageProblem[] } {
  const problems: ImageProblem[] = [];
  if (bytes.length > limits.maxBytes) {
    problems.push({
      check: "bytes",
      limit: `at most ${count(limits.maxBytes)} bytes`,
      measured: `${count(bytes.length)} bytes`,
      message:
        `size ${count(bytes.length)} bytes exceeds the ${count(limits.maxBytes)}-byte (4 MB) limit for images sent as bytes; ` +
        "re-encode it smaller (a lower JPEG quality, or scaled down: 4096 px a side is the most DetectCustomLabels accepts)",
    });
  }
  const header = readImageHeader(bytes);
  if ("check" in header) {
    problems.push({
      check: header.check,
      limit: "a PNG or JPEG with a readable header",
      measured: header.check === "format" ? "another format" : "unreadable header",
      message: `format: ${header.message}`,
    });
    return { header: undefined, problems };
  }
  const sides: Array<["width" | "height", number]> = [
    ["width", header.width],
    ["height", header.height],
  ];
  for (const [side, pixels] of sides) {
    if (pixels < limits.minSidePixels || pixels > limits.maxSidePixels) {
      const bound = pixels < limits.minSidePixels ? `below the minimum of ${limits.minSidePixels}` : `above the maximum of ${limits.maxSidePixels}`;
      problems.push({
        check: side,
        limit: `${limits.minSidePixels} to ${limits.maxSidePixels} px`,
        measured: `${pixels} px`,
        message: `${side} ${pixels} px is ${bound} px (allowed ${limits.minSidePixels}-${limits.maxSidePixels} px per side)`,
      });
    }
  }
  const ratio = Math.max(header.width, header.height) / Math.min(header.width, header.height);
  if (ratio > limits.maxAspectRatio) {
    problems.push({
      check: "aspect-ratio",
      limit: `at most ${limits.maxAspectRatio}:1`,
      measured: `${ratio.toFixed(2)}:1`,
      message: `aspect ratio ${ratio.toFixed(2)}:1 (${header.width}x${header.height} px) exceeds ${limits.maxAspectRatio}:1`,
    });
  }
  return { header, problems };
}

/** Returns the header of an image that passes every local check, or throws ImageValidationError listing all problems. */
export function validateImageBytes(bytes: Uint8Array, source = "image bytes", limits: ImageLimits = IMAGE_LIMITS): ImageHeader {
  const { header, problems } = findImageProblems(bytes, limits);
  if (problems.length > 0 || header === undefined) throw new ImageValidationError(problems, source);
  return header;
}
