import { crc32, deflateSync } from "node:zlib";

/**
 * Tiny but real image encoders for the tests: the files they produce open in ordinary viewers, so the validator is
 * tested against genuine headers rather than hand-picked bytes.
 */

function uint32be(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  return Buffer.concat([uint32be(data.length), typeAndData, uint32be(crc32(typeAndData))]);
}

/**
 * A grayscale 8-bit PNG of the given size, all mid-gray. `paddingBytes` adds a private ancillary chunk (which
 * decoders skip) to make the file as large as a test needs without a large image.
 */
export function makePng(width: number, height: number, options: { paddingBytes?: number } = {}): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.concat([uint32be(width), uint32be(height), Buffer.from([8, 0, 0, 0, 0])]); // 8-bit gray
  const scanline = Buffer.alloc(1 + width, 0x80);
  scanline[0] = 0; // filter type None
  const raw = Buffer.alloc(scanline.length * height);
  for (let row = 0; row < height; row++) scanline.copy(raw, row * scanline.length);
  const chunks = [pngChunk("IHDR", ihdr), pngChunk("IDAT", deflateSync(raw))];
  if (options.paddingBytes) chunks.push(pngChunk("prVt", Buffer.alloc(options.paddingBytes)));
  chunks.push(pngChunk("IEND", Buffer.alloc(0)));
  return Buffer.concat([signature, ...chunks]);
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/**
 * A baseline grayscale JPEG of the given size, all mid-gray. Each 8x8 block is "DC difference 0, end of block";
 * with one-symbol Huffman tables (code "0") that is 2 bits a block, so the scan is all zero bits.
 * `exif` puts an APP1 segment before the frame header, as cameras do; `frameMarker` chooses the SOFn marker
 * (0xc2 for a progressive frame header).
 */
export function makeJpeg(width: number, height: number, options: { exif?: boolean; frameMarker?: number } = {}): Buffer {
  const segments: Buffer[] = [Buffer.from([0xff, 0xd8])]; // SOI
  segments.push(jpegSegment(0xe0, Buffer.from("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", "latin1")));
  if (options.exif) {
    // "Exif", a big-endian TIFF header pointing at an empty IFD, then room a camera would fill with tags.
    const tiff = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0]);
    segments.push(jpegSegment(0xe1, Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff, Buffer.alloc(600)])));
  }
  segments.push(jpegSegment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]))); // DQT 0, all ones
  const frame = Buffer.from([8, 0, 0, 0, 0, 1, 1, 0x11, 0]); // precision, height, width, 1 component (id 1, 1x1, table 0)
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  segments.push(jpegSegment(options.frameMarker ?? 0xc0, frame));
  const oneCodeOfLengthOne = (tableClassAndId: number) =>
    Buffer.concat([Buffer.from([tableClassAndId, 1]), Buffer.alloc(15), Buffer.from([0x00])]); // symbol 0
  segments.push(jpegSegment(0xc4, oneCodeOfLengthOne(0x00))); // DC table 0: category 0
  segments.push(jpegSegment(0xc4, oneCodeOfLengthOne(0x10))); // AC table 0: end of block
  segments.push(jpegSegment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0]))); // SOS: component 1, tables 0/0
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const scan = Buffer.alloc(Math.ceil((blocks * 2) / 8), 0);
  const usedBits = (blocks * 2) % 8;
  if (usedBits !== 0) scan[scan.length - 1] = 0xff >> usedBits; // pad the last byte with 1 bits
  segments.push(scan, Buffer.from([0xff, 0xd9])); // EOI
  return Buffer.concat(segments);
}

/** The first bytes of a GIF, a format DetectCustomLabels refuses. */
export function makeGifHeader(width: number, height: number): Buffer {
  const header = Buffer.from("GIF89a\0\0\0\0\0\0\0", "latin1");
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  return header;
}
