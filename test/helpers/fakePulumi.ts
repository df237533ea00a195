import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * A stand-in `pulumi` CLI (a Node script first on PATH) for tests that run the real CLI context: it answers
 * `version`, succeeds on `stack select`, and answers `config --show-secrets --json --stack S` from the stack file in
 * its working directory the way Pulumi does (objects as JSON, the fake ciphertext of fakeSecure decrypted and
 * flagged secret). Every call is appended to `log`.
 */
export function fakePulumiBin(): { bin: string; log: string } {
  const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-cli-"));
  const log = join(bin, "calls.log");
  const yaml = JSON.stringify(resolve(__dirname, "..", "..", "node_modules", "yaml"));
  writeFileSync(
    join(bin, "pulumi"),
    `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, args.join(" ") + "\\n");
if (args[0] === "version") { console.log("v3.239.0"); process.exit(0); }
if (args[0] === "config" && args.includes("--json")) {
  const stack = args[args.indexOf("--stack") + 1];
  const file = "Pulumi." + stack + ".yaml";
  if (!fs.existsSync(file)) { console.error("error: no stack named '" + stack + "' found"); process.exit(255); }
  const doc = require(${yaml}).parse(fs.readFileSync(file, "utf8")) || {};
  const out = {};
  for (const [key, value] of Object.entries(doc.config || {})) {
    let secret = false;
    const decrypt = (v) => {
      if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.secure === "string") {
        secret = true;
        return Buffer.from(v.secure.replace(/^v1:fake:/, ""), "base64").toString("utf8");
      }
      if (Array.isArray(v)) return v.map(decrypt);
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decrypt(x)]));
      return v;
    };
    const plain = decrypt(value);
    out[key] = { value: typeof plain === "string" ? plain : JSON.stringify(plain), secret };
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}
process.exit(0);
`,
    { mode: 0o755 },
  );
  return { bin, log };
}

/** Runs `work` with the stand-in pulumi first on PATH. */
export async function withFakePulumiOnPath<T>(work: (log: string) => Promise<T>): Promise<T> {
  const { bin, log } = fakePulumiBin();
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path ?? ""}`;
  try {
    return await work(log);
  } finally {
    process.env.PATH = path;
  }
}

/**
 * Runs `test` with a stand-in `pulumi` (a shell script of the given lines after `#!/bin/sh`) first on PATH and a
 * project directory holding a minimal Pulumi.yaml; gives the test the project and the script's folder.
 */
export async function withPulumiScript(lines: readonly string[], test: (project: string, bin: string) => Promise<void>): Promise<void> {
  const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
  writeFileSync(join(bin, "pulumi"), ["#!/bin/sh", ...lines].join("\n"), { mode: 0o755 });
  const project = mkdtempSync(join(tmpdir(), "fake-project-"));
  writeFileSync(join(project, "Pulumi.yaml"), "name: modelshare\nruntime: nodejs\n");
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path ?? ""}`;
  try {
    await test(project, bin);
  } finally {
    process.env.PATH = path;
  }
}
