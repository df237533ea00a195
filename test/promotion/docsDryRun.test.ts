import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { registerPromote } from "../../src/cli/promote";
import { V1, V2, V3 } from "./fakes";
import { Scenario } from "./harness";

/**
 * docs/promotion.md shows a `promote --dry-run --json` example (SRE review S14: it had gone stale). Each step's detail
 * in it must match what the tool prints for that step, with the example's "..." and version names as wildcards.
 */
function docsExample(): { steps: { id: string; detail: string }[] } {
  const text = readFileSync(join(__dirname, "..", "..", "docs", "promotion.md"), "utf8");
  const block = /`promote --dry-run --json` prints[\s\S]*?```json\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error("docs/promotion.md has no dry-run JSON example");
  return JSON.parse(block[1]) as { steps: { id: string; detail: string }[] };
}

function pattern(detail: string): RegExp {
  const wild = "\u0000";
  const marked = detail.replace(/\.\.\./g, wild).replace(/defect-detector\.[\w.:-]+?(?=['\s),;]|$)/g, wild).replace(/arn:aws:iam::\d+:role\/[\w/-]+/g, wild);
  return new RegExp(`^${marked.split(wild).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*?")}$`);
}

describe("docs/promotion.md's dry-run example", () => {
  let s: Scenario;
  afterEach(() => s.restore());

  it("says, step by step, what `promote --dry-run --json` prints", async () => {
    s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "RUNNING" });
    const run = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--dry-run", "--json"]);
    expect(run.error?.message).to.equal(undefined);
    const real = JSON.parse(s.out.join("")) as { steps: { id: string; detail: string }[] };
    const shown = docsExample().steps.filter((d) => real.steps.some((r) => r.id === d.id));
    expect(shown.map((d) => d.id)).to.include.members(["ensure-running", "grant", "verify", "switch", "revoke", "stop"]);
    for (const step of shown) expect(real.steps.find((r) => r.id === step.id)!.detail, `docs' ${step.id}`).to.match(pattern(step.detail));
  });
});
