import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DetectCustomLabelsCommand } from "@aws-sdk/client-rekognition";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { formatLabelsTable } from "../../src/cli/invoke";
import { main } from "../../src/cli/main";
import { NOT_COPIED_YET } from "@modelshare/client";
import { AwsMocks, awsError, calledVersions, COPY1, copyParameters, mockAws, parameters, V1 } from "./helpers/aws";
import { makeGifHeader, makeJpeg, makePng } from "./helpers/images";

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `modelshare` entry point in-process, capturing what it writes. */
async function runCli(argv: string[]): Promise<CliRun> {
  const output = { stdout: "", stderr: "" };
  const originalStdout = process.stdout.write;
  const originalStderr = process.stderr.write;
  const capture = (stream: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array) => {
      output[stream] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture("stdout");
  process.stderr.write = capture("stderr");
  try {
    const code = await main(argv);
    return { code, ...output };
  } finally {
    process.stdout.write = originalStdout;
    process.stderr.write = originalStderr;
  }
}

describe("modelshare invoke", () => {
  let mocks: AwsMocks;
  let directory: string;
  let goodImage: string;

  beforeEach(() => {
    mocks = mockAws();
    mocks.ssm.on(GetParametersCommand).resolves(parameters({}));
    directory = mkdtempSync(join(tmpdir(), "modelshare-invoke-"));
    goodImage = join(directory, "part.jpg");
    writeFileSync(goodImage, makeJpeg(640, 480, { exif: true }));
  });
  afterEach(() => {
    mocks.restore();
    rmSync(directory, { recursive: true, force: true });
  });

  it("prints the labels as a table on stdout, progress on stderr, and exits 0", async () => {
    mocks.rekognition.on(DetectCustomLabelsCommand).resolves({
      CustomLabels: [
        { Name: "weld-crack", Confidence: 97.314, Geometry: { BoundingBox: { Left: 0.12, Top: 0.34, Width: 0.2, Height: 0.1 } } },
        { Name: "ok", Confidence: 55 },
      ],
    });
    const run = await runCli(["invoke", "--env", "qa", "--image", goodImage, "--region", "eu-west-1", "--min-confidence", "50", "--max-results", "10"]);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal(
      [
        "LABEL       CONFIDENCE  BOX (left top width height)",
        "weld-crack       97.31  0.120 0.340 0.200 0.100",
        "ok               55.00  -",
        "",
      ].join("\n"),
    );
    expect(run.stderr).to.contain(V1);
    expect(mocks.rekognition.commandCalls(DetectCustomLabelsCommand)[0].args[0].input).to.deep.include({ MinConfidence: 50, MaxResults: 10 });
  });

  it("prints JSON with --json, naming the version that answered and whether its endpoint was FIPS", async () => {
    mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [{ Name: "ok", Confidence: 88 }] });
    const run = await runCli(["invoke", "--env", "qa", "--image", goodImage, "--json"]);
    expect(run.code).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.include({ environment: "qa", modelVersionArn: V1, useFipsEndpoint: false, labels: [{ name: "ok", confidence: 88 }] });
  });

  it("prints its help, with the exit codes, and exits 0", async () => {
    const run = await runCli(["invoke", "--help"]);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.contain("--min-confidence").and.contain("--max-results").and.contain("--timeout").and.contain("Exit codes");
  });

  describe("bad input exits 2 before any AWS call", () => {
    const cases: Array<[string, (image: string, dir: string) => string[], string]> = [
      ["a missing --env", (image) => ["--image", image], "--env is required"],
      ["an invalid --env", (image) => ["--env", "Prod!", "--image", image], '--env "Prod!"'],
      ["a missing --image", () => ["--env", "qa"], "--image is required"],
      ["an unreadable image", (_image, dir) => ["--env", "qa", "--image", join(dir, "missing.jpg")], "cannot read the file (ENOENT)"],
      ["a min-confidence above 100", (image) => ["--env", "qa", "--image", image, "--min-confidence", "150"], '--min-confidence "150"'],
      ["a min-confidence that is not a number", (image) => ["--env", "qa", "--image", image, "--min-confidence", "high"], "0 to 100"],
      ["a non-integer max-results", (image) => ["--env", "qa", "--image", image, "--max-results", "2.5"], '--max-results "2.5"'],
      ["a global STS endpoint", (image) => ["--env", "qa", "--image", image, "--sts-endpoint", "sts.amazonaws.com"], "--sts-endpoint"],
      ["a zero timeout", (image) => ["--env", "qa", "--image", image, "--timeout", "0"], '--timeout "0"'],
      ["a timeout that is not a number", (image) => ["--env", "qa", "--image", image, "--timeout", "soon"], "number of seconds"],
    ];
    for (const [what, args, message] of cases) {
      it(`for ${what}`, async () => {
        const run = await runCli(["invoke", ...args(goodImage, directory)]);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.contain(message);
        expect(run.stdout).to.equal("");
        expect(mocks.callCount(), "AWS calls").to.equal(0);
      });
    }

    it("for an image that breaks the limits, naming each limit and the measured value", async () => {
      const tiny = join(directory, "tiny.png");
      writeFileSync(tiny, makePng(32, 700));
      const run = await runCli(["invoke", "--env", "qa", "--image", tiny]);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain("width 32 px").and.contain("minimum of 64").and.contain("aspect ratio 21.88:1");
      expect(mocks.callCount()).to.equal(0);
    });

    it("for an image in another format", async () => {
      const gif = join(directory, "part.gif");
      writeFileSync(gif, makeGifHeader(100, 100));
      const run = await runCli(["invoke", "--env", "qa", "--image", gif]);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain("a GIF image");
      expect(mocks.callCount()).to.equal(0);
    });

    it("reporting every bad flag at once", async () => {
      const run = await runCli(["invoke", "--min-confidence", "-1", "--max-results", "0"]);
      expect(run.code).to.equal(2);
      for (const flag of ["--env", "--image", "--min-confidence", "--max-results"]) expect(run.stderr).to.contain(flag);
    });
  });

  describe("AWS errors exit 1 with a hint", () => {
    it("when the version is not granted to the environment", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("AccessDeniedException"));
      const run = await runCli(["invoke", "--env", "qa", "--image", goodImage]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain('not granted to environment "qa"');
      expect(run.stdout).to.equal("");
      // Parameters unchanged; one retry with a fresh session (a revoke of sessions also shows as AccessDenied).
      expect(calledVersions(mocks)).to.deep.equal([V1, V1]);
    });

    it("when the call outlasts --timeout, naming what it waited for", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).callsFake(() => new Promise(() => {})); // never answers
      const started = Date.now();
      const run = await runCli(["invoke", "--env", "qa", "--image", goodImage, "--timeout", "0.2"]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("200 ms deadline").and.contain("waiting for DetectCustomLabels").and.contain("hint:");
      expect(Date.now() - started).to.be.below(2000);
    });

    it("when the model is not running", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("ResourceNotReadyException"));
      const run = await runCli(["invoke", "--env", "qa", "--image", goodImage]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain(`modelshare model start --version ${V1}`);
    });

    it("when the environment's parameters do not exist", async () => {
      mocks.ssm.on(GetParametersCommand).resolves(parameters({ modelVersionArn: "", sharedRoleArn: "", region: "" }));
      // Outside a project (an application host), an environment is checked against its parameters only.
      const run = await runCli(["--cwd", directory, "invoke", "--env", "staging", "--image", goodImage]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("/modelshare/staging/model-version-arn").and.contain("is missing");
      expect(mocks.rekognition.calls()).to.have.length(0);
    });
  });

  describe("in a copy environment (no shared-role-arn parameter)", () => {
    it("calls the environment's own copy with the caller's credentials, says so in its progress, and prints no role", async () => {
      mocks.ssm.on(GetParametersCommand).resolves(copyParameters({}));
      mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [{ Name: "scratch", Confidence: 91 }] });
      const run = await runCli(["invoke", "--env", "qa", "--image", goodImage, "--json"]);
      expect(run.code).to.equal(0);
      expect(run.stderr).to.contain("no shared role (copy mode");
      const result = JSON.parse(run.stdout);
      expect(result).to.include({ environment: "qa", modelVersionArn: COPY1 });
      expect(result).not.to.have.property("sharedRoleArn");
      expect(calledVersions(mocks)).to.deep.equal([COPY1]);
      expect(mocks.sts.calls()).to.have.length(0);
    });

    it("exits 1 before the first copy, naming `modelshare promote`, without calling Rekognition", async () => {
      mocks.ssm.on(GetParametersCommand).resolves(copyParameters({ modelVersionArn: NOT_COPIED_YET }));
      const run = await runCli(["invoke", "--env", "qa", "--image", goodImage]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("/modelshare/qa/model-version-arn").and.contain("modelshare promote --env qa");
      expect(mocks.rekognition.calls()).to.have.length(0);
      expect(mocks.sts.calls()).to.have.length(0);
    });
  });

  it("says so when no label reaches the threshold", () => {
    expect(formatLabelsTable([], 90)).to.equal("No labels at or above 90% confidence.\n");
  });
});
