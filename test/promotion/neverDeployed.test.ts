import { expect } from "chai";
import { PulumiWorkspace } from "../../src/promotion/pulumiWorkspace";
import { StackNotDeployedError } from "../../src/promotion/workspace";
import { withPulumiScript } from "../helpers/fakePulumi";

// Found by the engine lane (docs/engine-lane.md): on a fresh backend, `modelshare deploy` creates the ML stack and
// then read its outputs to check for hazards; the real CLI answers `{}` for a stack never updated (the fakes threw
// StackNotDeployedError), so the first deploy failed with "has no grantedVersions output: deploy it first".
describe("PulumiWorkspace: a stack created but never updated", () => {
  const withPulumi = (history: string, outputs: string, test: (project: string) => Promise<void>) =>
    withPulumiScript(
      [
        'if [ "$1" = "version" ]; then echo "v3.274.1"; exit 0; fi',
        `if [ "$1" = "stack" ] && [ "$2" = "output" ]; then echo '${outputs}'; exit 0; fi`,
        `if [ "$1" = "stack" ] && [ "$2" = "history" ]; then echo '${history}'; exit 0; fi`,
        "exit 0",
      ],
      test,
    );

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
