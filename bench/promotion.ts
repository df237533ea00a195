import { registerPromote } from "../src/cli/promote";
import { V1, V2 } from "../test/promotion/fakes";
import { Scenario } from "../test/promotion/harness";

/**
 * Benchmark of one promotion in the simulated world (test/promotion/harness.ts): prod moves from V1 to V2 (the
 * version qa calls), all six steps. Counts what a real run pays for: Pulumi `up`s (each one minutes against real
 * AWS) and AWS API calls by service, and checks that the invariant held throughout.
 * Run directly: `npx ts-node --transpile-only bench/promotion.ts`.
 */

export async function benchPromotion(): Promise<{ ups: number; awsCalls: Record<string, number>; violations: number; exitCode: number }> {
  const s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING" });
  try {
    const { exitCode } = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--json"]);
    const awsCalls: Record<string, number> = { ...s.aws.callCounts(), smokeTests: s.smoke.calls.length };
    return { ups: s.workspace.calls.filter((c) => c.kind === "up").length, awsCalls, violations: s.violations.length, exitCode };
  } finally {
    s.restore();
  }
}

if (require.main === module) {
  benchPromotion().then((r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  });
}
