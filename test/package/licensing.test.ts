import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../helpers/pulumi";

const AGPL_PACKAGE = "@cloud-copilot/iam-simulate";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith(".ts") ? [full] : [];
  });
}

describe("what the runtime dependency tree contains (the README's AGPL claim)", () => {
  const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8"));

  it("declares the AGPL simulator as a dev dependency only, and the lock file agrees", () => {
    expect(manifest.devDependencies).to.have.property(AGPL_PACKAGE);
    expect(manifest.dependencies).not.to.have.property(AGPL_PACKAGE);
    expect(lock.packages[`node_modules/${AGPL_PACKAGE}`].dev).to.equal(true);
  });

  it("lets no product source import it statically (only the matrix's dynamic import loads it)", () => {
    const roots = ["src", "stacks", "components"].map((dir) => path.join(PROJECT_ROOT, dir));
    const offenders = roots
      .flatMap(sourceFiles)
      .filter((file) => new RegExp(`(from|require\\()\\s*["']${AGPL_PACKAGE}`).test(readFileSync(file, "utf8")));
    expect(offenders).to.deep.equal([]);
  });
});
