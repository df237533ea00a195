import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PulumiWorkspace } from "../../src/promotion/pulumiWorkspace";
import { StackNotDeployedError } from "../../src/promotion/workspace";

// Found by the engine lane (docs/engine-lane.md): on a fresh backend, `modelshare deploy` creates the ML stack and
// then read its outputs to check for hazards; the real CLI answers `{}` for a stack never updated (the fakes threw
// StackNotDeployedError), so the first deploy failed with "has no grantedVersions output: deploy it first".
describe("PulumiWorkspace: a stack created but never updated", () => {
  async function withPulumi(history: string, outputs: string, test: (project: string) => Promise<void>): Promise<void> {
    const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
    writeFileSync(
      join(bin, "pulumi"),
      [
        "#!/bin/sh",
        'if [ "$1" = "version" ]; then echo "v3.274.1"; exit 0; fi',
        `if [ "$1" = "stack" ] && [ "$2" = "output" ]; then echo '${outputs}'; exit 0; fi`,
        `if [ "$1" = "stack" ] && [ "$2" = "history" ]; then echo '${history}'; exit 0; fi`,
        "exit 0",
      ].join("\n"),
      { mode: 0o755 },
    );
    const project = mkdtempSync(join(tmpdir(), "fake-project-"));
    writeFileSync(join(project, "Pulumi.yaml"), "name: modelshare\nruntime: nodejs\n");
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ""}`;
    try {
      await test(project);
    } finally {
      process.env.PATH = path;
    }
  }

  it("reads as not deployed when it has neither outputs nor history", async () => {
    await withPulumi("[]", "{}", async (project) => {
      const error = await (await PulumiWorkspace.create(project, { createMissingStacks: true })).outputs("ml").catch((e: unknown) => e);
      expect(error).to.be.instanceOf(StackNotDeployedError);
      expect((error as Error).message).to.match(/stack ml does not exist .*\(created, never updated\)/);
    });
  });

  it("reads a deployed stack's outputs, even an empty set of them", async () => {
    const update = '[{"version":1,"kind":"update","startTime":"2026-11-29T00:00:00Z","message":"","environment":{},"config":{},"result":"succeeded"}]';
    await withPulumi(update, "{}", async (project) => {
      expect(await (await PulumiWorkspace.create(project)).outputs("ml")).to.deep.equal({});
    });
    await withPulumi("[]", '{"region":"us-east-1"}', async (project) => {
      expect(await (await PulumiWorkspace.create(project)).outputs("ml")).to.deep.equal({ region: "us-east-1" });
    });
  });
});
