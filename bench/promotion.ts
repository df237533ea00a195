import { registerPromote } from "../src/cli/promote";
import { V1, V2 } from "../test/promotion/fakes";
import { Scenario } from "../test/promotion/harness";

/**
 * Benchmark of one promotion in the simulated world (test/promotion/harness.ts): prod moves from V1 to V2 (the
 * version qa calls), all six steps. Counts what a real run pays for: Pulumi `up`s (each takes minutes against real
 * AWS) and AWS API calls by service, and checks that the invariant held after every mutation. Two worlds: one where a
 * stop is STOPPED at the first poll, one where it stays STOPPING for four polls (a real stop takes minutes; the SDK's
 * waiter polls every 30 to 120 s). Run directly: `npx ts-node --transpile-only bench/promotion.ts`.
 *
 * Measured before issue 9 with this same world (commit ca337f5): 5 ups; AWS calls 6 with the first-poll stop
 * (rekognition 4, ssm 1, sts 1), 9 with the four-poll stop (rekognition 7, ssm 1, sts 1).
 */
export const BEFORE = { ups: 5, awsCalls: { 1: 6, 4: 9 } as Record<number, number> };

export interface PromotionFigures {
  readonly stopPolls: number;
  readonly seconds: number;
  readonly ups: number;
  readonly upStacks: readonly string[];
  readonly awsCalls: Readonly<Record<string, number>>;
  readonly totalAwsCalls: number;
  readonly smokeTests: number;
  readonly invariantChecks: number;
  readonly violations: number;
  readonly exitCode: number;
}

export async function benchPromotion(stopPolls = 1): Promise<PromotionFigures> {
  const s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING" });
  s.aws.stopPolls = stopPolls;
  try {
    const started = process.hrtime.bigint();
    const { exitCode } = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--json"]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const awsCalls = s.aws.callCounts();
    const ups = s.workspace.calls.filter((c) => c.kind === "up").map((c) => c.stack);
    return {
      stopPolls,
      seconds,
      ups: ups.length,
      upStacks: ups,
      awsCalls,
      totalAwsCalls: Object.values(awsCalls).reduce((a, b) => a + b, 0),
      smokeTests: s.smoke.calls.length,
      invariantChecks: s.checks,
      violations: s.violations.length,
      exitCode,
    };
  } finally {
    s.restore();
  }
}

/** The figures as `npm run bench` lines: met when the run succeeded, the invariant held, and no more ups or calls than before. */
export async function benchPromotionFigures(): Promise<{ name: string; seconds: number; limitSeconds: number; ok: boolean; detail: string }[]> {
  const figures = [];
  for (const stopPolls of [1, 4]) {
    const r = await benchPromotion(stopPolls);
    const calls = Object.entries(r.awsCalls).map(([service, n]) => `${service} ${n}`).join(", ");
    figures.push({
      name: `promotion: prod V1 -> V2, stop ${stopPolls === 1 ? "done at 1st poll" : `STOPPING ${stopPolls} polls`}`,
      seconds: r.seconds,
      limitSeconds: 5,
      ok: r.exitCode === 0 && r.violations === 0 && r.ups <= BEFORE.ups && r.seconds <= 5,
      detail:
        `${r.ups} ups (${r.upStacks.join(", ")}; before ${BEFORE.ups}); ${r.totalAwsCalls} AWS calls (${calls}; before ${BEFORE.awsCalls[stopPolls]}); ` +
        `${r.smokeTests} smoke test; invariant checked ${r.invariantChecks} times, ${r.violations} violations; exit ${r.exitCode}`,
    });
  }
  return figures;
}

if (require.main === module) {
  benchPromotionFigures().then((figures) => {
    for (const f of figures) process.stdout.write(`${f.ok ? "ok  " : "MISS"} ${f.name}: ${f.seconds.toFixed(2)} s - ${f.detail}\n`);
    process.exit(figures.every((f) => f.ok) ? 0 : 1);
  });
}
