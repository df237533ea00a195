import { Command } from "commander";
import { CliContext, defaultCliContext, engineDepsFor, exitCodeFor, formatResult, loadProjectForCli } from "../promotion/cliContext";
import { executePromotion } from "../promotion/engine";
import { FileJournalStore } from "../promotion/journal";
import { planPromotion } from "../promotion/plan";
import { promotionRequestFromOptions } from "../promotion/validation";

interface PromoteFlags {
  env?: string;
  version?: string;
  from?: string;
  keepOld?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** `modelshare promote`: move an environment to a model version, in steps that keep it working throughout. */
export function registerPromote(program: Command, context: () => CliContext = () => defaultCliContext()): void {
  program
    .command("promote")
    .description(
      "Move an environment to a model version: ensure-running, grant, verify, switch, revoke, stop. A failing step " +
        "undoes the steps taken, so the environment always calls a granted, RUNNING version. A re-run after a crash resumes.",
    )
    .option("--env <env>", "environment to promote (modelshare:environment of a consumer stack)")
    .option("--version <arn>", "model version ARN to promote to")
    .option("--from <env>", "promote to the version another environment calls (e.g. --from qa)")
    .option("--keep-old", "keep the previous version granted to the environment (and so running)")
    .option("--dry-run", "print the plan; no AWS or Pulumi call")
    .option("--json", "machine-readable output on stdout")
    .addHelpText(
      "after",
      "\nExit codes: 0 promoted; 1 a step failed (undone) or another promotion of the environment is in progress; 2 bad input.\n" +
        "Progress (step, elapsed, what is awaited) goes to stderr.",
    )
    .action(async (flags: PromoteFlags) => {
      const ctx = context();
      const project = loadProjectForCli(ctx);
      const request = promotionRequestFromOptions(project, flags);
      if (flags.dryRun) {
        const others = new FileJournalStore(ctx.stateDir).list().filter((j) => j.env !== request.environment);
        const plan = planPromotion(project, request, others);
        ctx.stdout(
          flags.json
            ? `${JSON.stringify(plan, null, 2)}\n`
            : `${[`plan: promote ${plan.env} from ${plan.previous} to ${plan.version}`, ...plan.steps.map((s) => `  ${s.id.padEnd(14)}  ${s.detail}`)].join("\n")}\n`,
        );
        return;
      }
      const deps = await engineDepsFor(ctx, project);
      const result = await executePromotion({ intent: { kind: "promote", env: request.environment, version: request.version }, request: async () => request }, deps);
      ctx.stdout(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatResult(result)}\n`);
      process.exitCode = exitCodeFor(result);
    });
}
