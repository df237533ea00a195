import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import * as ts from "typescript";
import { PROJECT_ROOT } from "../helpers/pulumi";

/**
 * The packed client as a fresh application gets it: `npm pack` of client/ (built by `npm run build`, which `npm test`
 * runs first), unpacked into an empty app's node_modules, outside the repository. Its dependencies are linked from this
 * repository's node_modules instead of installed, so the test is offline and takes seconds; `npm run bench` does the
 * real `npm install <tarball> --omit=dev` into an empty folder (and measures its size).
 */
const CLIENT_DIR = path.join(PROJECT_ROOT, "client");

function node(cwd: string, args: readonly string[]): string {
  return execFileSync(process.execPath, [...args], { cwd, encoding: "utf8", timeout: 20_000 });
}

const STRICT_APP_CJS = `
import { ImageValidationError, ModelClient, NotGrantedError, type DetectOptions, type ModelClientOptions } from "@modelshare/client";
import { parameterName } from "@modelshare/client/contract";

// What an application with exactOptionalPropertyTypes and noUncheckedIndexedAccess writes.
const timeoutMs: number | undefined = process.env.TIMEOUT_MS ? Number(process.env.TIMEOUT_MS) : undefined;
const options: ModelClientOptions = { timeoutMs, region: process.env.AWS_REGION };
export async function label(path: string): Promise<string | undefined> {
  const client = ModelClient.fromEnvironment("prod", options);
  const detect: DetectOptions = { minConfidence: 80, signal: undefined };
  try {
    const labels = await client.detectLabels({ path }, detect);
    const best = labels[0];
    return best === undefined ? parameterName("prod", "region") : \`\${best.name} \${best.confidence.toFixed(1)} \${best.geometry?.boundingBox?.left ?? 0}\`;
  } catch (error) {
    if (error instanceof NotGrantedError || error instanceof ImageValidationError) return error.hint ?? error.message;
    throw error;
  } finally {
    client.destroy();
  }
}
`;

const STRICT_APP_ESM = `
import { ModelClient, type Detection } from "@modelshare/client";
const client = ModelClient.fromExplicit({ modelVersionArn: "arn", sharedRoleArn: "arn", region: "eu-west-1", useFipsEndpoint: undefined });
const detection: Detection = await client.detect(new Uint8Array(8));
export const first: string | undefined = detection.labels[0]?.name;
`;

/** The first TypeScript block of the README's "Calling the model from an application". */
function readmeClientSample(): string {
  const readme = readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Calling the model from an application"));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  expect(block, "a ts block in the README's client section").to.not.equal(null);
  return block![1]!;
}

describe("@modelshare/client as a fresh application installs it (packed tarball, outside the repository)", function () {
  this.timeout(60_000);
  let work: string;
  let app: string;
  let packed: { filename: string; files: { path: string }[] };

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), "modelshare-client-pack-"));
    app = path.join(work, "app");
    const output = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: CLIENT_DIR, encoding: "utf8", timeout: 30_000 });
    packed = (JSON.parse(output) as (typeof packed)[])[0]!;
    const installed = path.join(app, "node_modules", "@modelshare", "client");
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["xzf", path.join(work, packed.filename), "-C", installed, "--strip-components=1"], { timeout: 20_000 });
    // The dependencies, as npm would have installed them (the SDK's own dependencies resolve from their real path).
    symlinkSync(path.join(PROJECT_ROOT, "node_modules", "@aws-sdk"), path.join(app, "node_modules", "@aws-sdk"));
    mkdirSync(path.join(app, "node_modules", "@types"));
    symlinkSync(path.join(PROJECT_ROOT, "node_modules", "@types", "node"), path.join(app, "node_modules", "@types", "node"));
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "fresh-app", private: true, dependencies: { "@modelshare/client": "^0.1.0" } }));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("ships compiled JavaScript and declarations only, and depends on nothing but the AWS SDK clients it calls", () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).to.include.members(["package.json", "dist/cjs/index.js", "dist/cjs/index.d.ts", "dist/esm/index.mjs", "dist/esm/index.d.mts", "dist/cjs/contract.js", "dist/esm/contract.mjs"]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(".d.mts"))).to.deep.equal([]);
    expect(files.filter((f) => /tsbuildinfo|test|\.map$/.test(f))).to.deep.equal([]);
    const manifest = JSON.parse(readFileSync(path.join(CLIENT_DIR, "package.json"), "utf8"));
    expect(Object.keys(manifest.dependencies).every((name) => name.startsWith("@aws-sdk/"))).to.equal(true);
    expect(Object.keys(manifest.dependencies)).to.include.members(["@aws-sdk/client-rekognition", "@aws-sdk/client-ssm", "@aws-sdk/client-sts"]);
    expect(manifest).to.not.have.property("private");
  });

  it("works from plain node with require: the client, its errors and the contract subpath", () => {
    const out = node(app, [
      "-e",
      `const c = require("@modelshare/client");
       const { parameterName } = require("@modelshare/client/contract");
       let refused;
       try { c.ModelClient.fromEnvironment("Prod/../x"); } catch (e) { refused = e instanceof c.InvalidArgumentError && e instanceof c.ModelClientError; }
       console.log(JSON.stringify({ client: typeof c.ModelClient, refused, name: parameterName("prod", "modelVersionArn") }));`,
    ]);
    expect(JSON.parse(out)).to.deep.equal({ client: "function", refused: true, name: "/modelshare/prod/model-version-arn" });
  });

  it("works from plain node with import, sharing one copy of every class with require (instanceof holds across both)", () => {
    const out = node(app, [
      "--input-type=module",
      "-e",
      `import * as esm from "@modelshare/client";
       import { createRequire } from "node:module";
       const cjs = createRequire(import.meta.url + "/")("@modelshare/client");
       const same = Object.keys(cjs).filter((k) => k !== "__esModule").every((k) => esm[k] === cjs[k]);
       let crossed;
       try { esm.ModelClient.fromEnvironment("Prod"); } catch (e) { crossed = e instanceof cjs.InvalidArgumentError; }
       console.log(JSON.stringify({ names: Object.keys(esm).length === Object.keys(cjs).filter((k) => k !== "__esModule").length, same, crossed }));`,
    ]);
    expect(JSON.parse(out)).to.deep.equal({ names: true, same: true, crossed: true });
  });

  it("type-checks in a strict application (strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes), CommonJS and ESM, the README's sample too, and the types are not any", () => {
    writeFileSync(path.join(app, "index.ts"), STRICT_APP_CJS);
    writeFileSync(path.join(app, "esm.mts"), STRICT_APP_ESM);
    // A mistake a strict application must be told about: the declarations really constrain.
    writeFileSync(path.join(app, "wrong.ts"), `import { ModelClient } from "@modelshare/client";\nModelClient.fromEnvironment("prod", { timeoutMs: "5s" });\n`);
    // The README's sample, as an application (CommonJS: no top-level await) would paste it.
    writeFileSync(path.join(app, "readme.ts"), readmeClientSample());
    const program = ts.createProgram(["index.ts", "esm.mts", "wrong.ts", "readme.ts"].map((f) => path.join(app, f)), {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      // Library declarations are checked by `npm run bench` (a full check of the AWS SDK's takes half a minute); the
      // client's own are compiled under these same flags by its build.
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [path.join(app, "node_modules", "@types")],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => `${path.basename(d.file?.fileName ?? "")}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(diagnostics.filter((d) => !d.startsWith("wrong.ts"))).to.deep.equal([]);
    expect(diagnostics.filter((d) => d.startsWith("wrong.ts")).join("\n")).to.match(/Type 'string' is not assignable to type 'number'/);
    // The declarations came from the unpacked tarball, through its exports map (ESM: .d.mts, CommonJS: .d.ts).
    const declarations = program.getSourceFiles().map((f) => f.fileName).filter((f) => f.includes("@modelshare/client"));
    expect(declarations.some((f) => f.endsWith("dist/esm/index.d.mts"))).to.equal(true);
    expect(declarations.some((f) => f.endsWith("dist/cjs/index.d.ts"))).to.equal(true);
    expect(declarations.every((f) => f.startsWith(app))).to.equal(true);
  });
});
