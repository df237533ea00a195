import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  findImageProblems,
  IMAGE_LIMITS,
  ImageValidationError,
  ModelClient,
  readImageHeader,
  validateImageBytes,
} from "@modelshare/client";
import { mockAws, AwsMocks, parameters } from "./helpers/aws";
import { makeGifHeader, makeJpeg, makePng } from "./helpers/images";

describe("image validation (pure)", () => {
  it("reads the dimensions of a real PNG and of a real JPEG with an EXIF segment before its frame header", () => {
    expect(readImageHeader(makePng(130, 65))).to.deep.equal({ format: "png", width: 130, height: 65 });
    expect(readImageHeader(makeJpeg(100, 70, { exif: true }))).to.deep.equal({ format: "jpeg", width: 100, height: 70 });
  });

  it("reads a progressive JPEG's frame header (SOF2) too", () => {
    expect(readImageHeader(makeJpeg(300, 200, { frameMarker: 0xc2 }))).to.deep.equal({ format: "jpeg", width: 300, height: 200 });
  });

  it("accepts the limits themselves: 64 px, 4096 px and exactly 20:1", () => {
    expect(findImageProblems(makePng(64, 64)).problems).to.deep.equal([]);
    expect(findImageProblems(makePng(4096, 205)).problems).to.deep.equal([]); // 19.98:1
    expect(findImageProblems(makeJpeg(1280, 64)).problems).to.deep.equal([]); // 20:1
  });

  it("refuses a side below 64 px, naming the side, the measured value and the limit", () => {
    const { problems } = findImageProblems(makeJpeg(63, 100));
    expect(problems.map((p) => p.check)).to.deep.equal(["width"]);
    expect(problems[0].measured).to.equal("63 px");
    expect(problems[0].message).to.contain("width 63 px").and.contain("minimum of 64");
  });

  it("refuses a side above 4096 px", () => {
    const { problems } = findImageProblems(makePng(300, 4097));
    expect(problems.map((p) => p.check)).to.deep.equal(["height"]);
    expect(problems[0].message).to.contain("height 4097 px").and.contain("maximum of 4096");
  });

  it("refuses an aspect ratio over 20:1 even when each side is allowed", () => {
    const { problems } = findImageProblems(makePng(1300, 64));
    expect(problems.map((p) => p.check)).to.deep.equal(["aspect-ratio"]);
    expect(problems[0].measured).to.equal("20.31:1");
    expect(problems[0].limit).to.equal("at most 20:1");
  });

  it("refuses more than 4 MB of bytes and says to re-encode, never to upload to S3 (the shared role cannot read S3)", () => {
    const png = makePng(100, 100, { paddingBytes: IMAGE_LIMITS.maxBytes });
    const { header, problems } = findImageProblems(png);
    expect(header).to.deep.equal({ format: "png", width: 100, height: 100 });
    expect(problems.map((p) => p.check)).to.deep.equal(["bytes"]);
    expect(problems[0].message).to.contain(`${png.length.toLocaleString("en-US")} bytes`).and.contain("4,194,304").and.contain("re-encode it smaller");
    expect(problems[0].message).to.not.match(/S3|s3/);
  });

  it("names another format when it recognises one, and shows the first bytes otherwise", () => {
    const gif = findImageProblems(makeGifHeader(100, 100)).problems;
    expect(gif.map((p) => p.check)).to.deep.equal(["format"]);
    expect(gif[0].message).to.contain("GIF").and.contain("PNG").and.contain("JPEG");
    const text = findImageProblems(Buffer.from("hello, not an image")).problems;
    expect(text[0].message).to.contain("68 65 6c 6c 6f");
    expect(findImageProblems(new Uint8Array(0)).problems[0].message).to.contain("empty");
  });

  it("reports a truncated header as such, not as another format", () => {
    const png = makePng(100, 100);
    const jpeg = makeJpeg(100, 100, { exif: true });
    const sofOffset = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const cases: Array<[string, Uint8Array, string]> = [
      ["PNG cut inside IHDR", png.subarray(0, 20), "truncated PNG"],
      ["PNG cut inside its signature", png.subarray(0, 5), "truncated PNG"],
      ["JPEG cut inside its frame header", jpeg.subarray(0, sofOffset + 6), "truncated JPEG"],
      ["JPEG cut after the EXIF segment", jpeg.subarray(0, sofOffset), "truncated JPEG"],
      ["JPEG of only its start marker", jpeg.subarray(0, 2), "truncated JPEG"],
    ];
    for (const [what, bytes, expected] of cases) {
      const { header, problems } = findImageProblems(bytes);
      expect(header, what).to.equal(undefined);
      expect(problems.map((p) => p.check), what).to.deep.equal(["header"]);
      expect(problems[0].message, what).to.contain(expected);
    }
  });

  it("refuses a JPEG whose image data starts before any frame header", () => {
    const jpeg = makeJpeg(100, 100);
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const withoutFrame = Buffer.concat([jpeg.subarray(0, sof), jpeg.subarray(sof + 2 + jpeg.readUInt16BE(sof + 2))]);
    expect(findImageProblems(withoutFrame).problems[0].message).to.contain("image data (SOS)").and.contain("before any frame header");
  });

  it("refuses a JPEG whose frame header is too short to hold the dimensions, instead of reading them past its end", () => {
    const jpeg = Buffer.from(makeJpeg(100, 100));
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(2, sof + 2); // SOF0 length 2: nothing after the length field belongs to the frame header
    const { header, problems } = findImageProblems(jpeg);
    expect(header).to.equal(undefined);
    expect(problems.map((p) => p.check)).to.deep.equal(["header"]);
    expect(problems[0].message).to.contain("malformed JPEG").and.contain("frame header (SOFn)").and.contain("length 2");
  });

  it("collects every problem at once and throws them together with the source named", () => {
    const bytes = makePng(30, 5000, { paddingBytes: IMAGE_LIMITS.maxBytes });
    expect(() => validateImageBytes(bytes, "scan.png"))
      .to.throw(ImageValidationError)
      .that.satisfies((error: ImageValidationError) => {
        expect(error.problems.map((p) => p.check)).to.deep.equal(["bytes", "width", "height", "aspect-ratio"]);
        expect(error.message).to.contain("image scan.png").and.contain("4 problems");
        return true;
      });
  });

});

describe("image validation through ModelClient (real files, before any AWS call)", () => {
  let directory: string;
  let mocks: AwsMocks;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "modelshare-image-"));
    mocks = mockAws();
    mocks.ssm.onAnyCommand().resolves(parameters({}));
  });
  afterEach(() => {
    mocks.restore();
    rmSync(directory, { recursive: true, force: true });
  });

  const invalid: Array<[string, () => Uint8Array, string]> = [
    ["sides below 64 px", () => makeJpeg(40, 40), "width"],
    ["a side above 4096 px", () => makePng(5000, 300), "width"],
    ["more than 4 MB", () => makePng(100, 100, { paddingBytes: IMAGE_LIMITS.maxBytes + 1 }), "bytes"],
    ["the wrong format (GIF)", () => makeGifHeader(100, 100), "format"],
    ["a truncated header", () => makePng(100, 100).subarray(0, 18), "header"],
    ["an aspect ratio over 20:1", () => makeJpeg(64, 1400), "aspect-ratio"],
  ];
  for (const [what, make, check] of invalid) {
    it(`refuses a file with ${what}`, async () => {
      const path = join(directory, `${what.replace(/\W+/g, "-")}.img`);
      writeFileSync(path, make());
      const client = ModelClient.fromEnvironment("qa", { region: "eu-west-1" });
      const error = await client.detectLabels({ path }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ImageValidationError);
      expect((error as ImageValidationError).problems[0].check).to.equal(check);
      expect((error as ImageValidationError).source).to.equal(path);
      expect(mocks.callCount(), "AWS calls").to.equal(0);
    });
  }
});
