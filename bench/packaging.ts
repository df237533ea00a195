import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

/**
 * How modelshare ships (issue 12):
 *   - `modelshare --help` and `--version` wall time next to `node -e 0` in the same run (target: within 0.5 s of it);
 *   - the client package as an application installs it: `npm pack` of client/, `npm install <tarball> --omit=dev` into
 *     an empty folder (the registry may be asked for metadata; the packages come from npm's cache when there), the
 *     size of node_modules (target: at most 20 MB), then require, import and a strict TypeScript check WITH the
 *     libraries' declarations (skipLibCheck off: the test suite skips them for time);
 *   - the component package's schema as Pulumi would derive it for other languages (the analyzer in @pulumi/pulumi).
 */

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin", "modelshare.js");

export interface PackagingFigure {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  readonly ok: boolean;
  readonly detail: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function wallSeconds(args: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [...args], { stdio: "ignore", timeout: 30_000 });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
  return (performance.now() - started) / 1000;
}

/** Interleaved rounds, so a burst of load on the machine hits the baseline and the CLI alike. */
export function benchCliStartup(rounds = 9): PackagingFigure[] {
  const samples: Record<string, number[]> = { base: [], help: [], version: [] };
  wallSeconds([BIN, "--version"]); // warm the file system cache
  for (let i = 0; i < rounds; i++) {
    samples.base!.push(wallSeconds(["-e", "0"]));
    samples.help!.push(wallSeconds([BIN, "--help"]));
    samples.version!.push(wallSeconds([BIN, "--version"]));
  }
  const base = median(samples.base!);
  return (["help", "version"] as const).map((flag) => {
    const seconds = median(samples[flag]!);
    return {
      name: `modelshare --${flag} (median of ${rounds})`,
      measured: `${seconds.toFixed(2)} s`,
      target: "within 0.50 s of node -e 0",
      ok: seconds - base <= 0.5,
      detail: `node -e 0 ${base.toFixed(2)} s; +${(seconds - base).toFixed(2)} s, ratio ${(seconds / base).toFixed(1)}`,
    };
  });
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

const STRICT_APP = `import { ModelClient, NotGrantedError, type DetectOptions } from "@modelshare/client";
const options: DetectOptions = { minConfidence: 80, timeoutMs: undefined };
export async function label(path: string): Promise<string | undefined> {
  const client = ModelClient.fromEnvironment("prod");
  try { return (await client.detectLabels({ path }, options))[0]?.name; }
  catch (error) { if (error instanceof NotGrantedError) return error.hint; throw error; }
  finally { client.destroy(); }
}
`;

export function benchClientInstall(log: (line: string) => void): PackagingFigure[] {
  const work = mkdtempSync(path.join(tmpdir(), "modelshare-bench-install-"));
  try {
    const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: path.join(ROOT, "client"), encoding: "utf8", timeout: 300_000 })) as { filename: string; size: number }[];
    const tarball = path.join(work, packed[0]!.filename);
    const app = path.join(work, "app");
    execFileSync("mkdir", [app]);
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "fresh-app", private: true }));
    const started = performance.now();
    execFileSync("npm", ["install", tarball, "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app, encoding: "utf8", timeout: 600_000 });
    const installSeconds = (performance.now() - started) / 1000;
    const megabytes = directoryBytes(path.join(app, "node_modules")) / 1024 / 1024;
    const packages = execFileSync("npm", ["ls", "--all", "--parseable", "--omit=dev"], { cwd: app, encoding: "utf8", timeout: 60_000 }).trim().split("\n").length - 1;
    const cjs = execFileSync(process.execPath, ["-e", 'console.log(typeof require("@modelshare/client").ModelClient)'], { cwd: app, encoding: "utf8" }).trim();
    const esm = execFileSync(process.execPath, ["--input-type=module", "-e", 'import { ModelClient } from "@modelshare/client"; console.log(typeof ModelClient)'], { cwd: app, encoding: "utf8" }).trim();
    log(`client install: ${packed[0]!.size} byte tarball, ${packages} packages, ${installSeconds.toFixed(1)} s; require -> ${cjs}, import -> ${esm}`);
    const figures: PackagingFigure[] = [
      {
        name: "@modelshare/client installed size (--omit=dev)",
        measured: `${megabytes.toFixed(1)} MB`,
        target: "<= 20 MB",
        ok: megabytes <= 20 && cjs === "function" && esm === "function",
        detail: `${packages} packages, tarball ${(packed[0]!.size / 1024).toFixed(0)} KB; require and import work`,
      },
    ];
    // A strict application, libraries' declarations included (TypeScript from this repository; @types/node linked).
    writeFileSync(path.join(app, "index.ts"), STRICT_APP);
    execFileSync("mkdir", ["-p", path.join(app, "node_modules", "@types")]);
    execFileSync("ln", ["-s", path.join(ROOT, "node_modules", "@types", "node"), path.join(app, "node_modules", "@types", "node")]);
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--strict", "--noUncheckedIndexedAccess", "--exactOptionalPropertyTypes", "--skipLibCheck", "false", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", "index.ts"], { cwd: app, encoding: "utf8", timeout: 300_000 });
    figures.push({
      name: "@modelshare/client under a strict app, skipLibCheck off",
      measured: tsc.status === 0 ? "0 errors" : "errors",
      target: "0 errors",
      ok: tsc.status === 0,
      detail: tsc.status === 0 ? "strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes, every .d.ts checked" : tsc.stdout.split("\n").slice(0, 5).join(" | "),
    });
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * What `pulumi package add` would get for other languages: the schema Pulumi's component provider host derives from
 * the sources (no pulumi CLI needed for this part). Reported, not a target: see the README for what it refuses.
 */
export async function benchComponentSchema(): Promise<PackagingFigure> {
  const { ComponentProvider } = require("@pulumi/pulumi/provider/experimental") as typeof import("@pulumi/pulumi/provider/experimental");
  const { CROSS_LANGUAGE_COMPONENTS } = require("../src/crossLanguage") as typeof import("../src/crossLanguage");
  const provider = new ComponentProvider({ components: [...CROSS_LANGUAGE_COMPONENTS], name: "modelshare", dirname: ROOT });
  const started = performance.now();
  try {
    const schema = JSON.parse(await provider.getSchema()) as { resources?: Record<string, unknown> };
    return { name: "component package schema (other languages)", measured: "derived", target: "reported", ok: true, detail: `${Object.keys(schema.resources ?? {}).join(", ")} in ${((performance.now() - started) / 1000).toFixed(1)} s` };
  } catch (error) {
    return { name: "component package schema (other languages)", measured: "refused", target: "reported", ok: true, detail: (error as Error).message.split("\n")[0] ?? "" };
  }
}
