import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * A stand-in `pulumi` CLI for tests that run the real CLI context: it answers `version`, succeeds on `stack select`
 * (and anything else), and answers `config --show-secrets --json --stack S` from the stack file in its working
 * directory the way Pulumi does (objects as JSON, the fake ciphertext of fakeSecure decrypted and flagged secret).
 * Every call is appended to `log`. The entry point is a shell script: the Automation API runs 7-9 commands per CLI
 * command, and only the config answer needs Node (a YAML parser), whose start-up is most of a call's time.
 */
export function fakePulumiBin(): { bin: string; log: string } {
  const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-cli-"));
  const log = join(bin, "calls.log");
  const yaml = JSON.stringify(resolve(__dirname, "..", "..", "node_modules", "yaml"));
  const configAnswer = join(bin, "config-json.js");
  writeFileSync(
    join(bin, "pulumi"),
    `#!/bin/sh
printf '%s\\n' "$*" >> ${shellQuote(log)}
case "$1" in
  version) echo v3.239.0; exit 0 ;;
  config) case " $* " in *" --json "*) exec ${shellQuote(process.execPath)} ${shellQuote(configAnswer)} "$@" ;; esac ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  writeFileSync(
    configAnswer,
    `const fs = require("node:fs");
const args = process.argv.slice(2);
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
`,
  );
  return { bin, log };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
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
