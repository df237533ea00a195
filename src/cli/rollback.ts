import { Command } from "commander";
import { UsageError, projectDirectoryOption } from "./common";
import { CliContext, defaultCliContext, engineDepsFor, exitCodeFor, formatResult, loadProjectForCli } from "../promotion/cliContext";
import { executePromotion } from "../promotion/engine";
import { rollbackTarget, unitsFromHistory } from "../promotion/plan";
import { formatRefusals, historyRulesFor, screenHistory } from "../promotion/historyChecks";
import { requireEnvironment, requireSmokeTest, requireVersionArn } from "../promotion/validation";
import { requireApprovalPossible } from "../promotion/approval";
import { promotionApproval } from "../promotion/promotionPreview";

interface RollbackFlags {
  env?: string;
  to?: string;
  yes?: boolean;
  json?: boolean;
}

/** `modelshare rollback`: promote an environment back, by the same safe steps. */
export function registerRollback(program: Command, context: () => CliContext = () => defaultCliContext(projectDirectoryOption(program))): void {
  program
    .command("rollback")
    .description(
      "Move an environment back to the version it called before its last promotion (from the history in its account: " +
        "each rollback goes one step further back), or to --to ARN, with the same steps as promote; the version is restarted " +
        "with the inference units it last ran with. When a promotion of the environment was interrupted, undoes it instead.",
    )
    .option("--env <env>", "environment to roll back")
    .option("--to <arn>", "model version ARN to go back to (default: the previous version in the history)")
    .option("--yes", "apply without asking (required without a terminal, like `pulumi up --yes`)")
    .option("--json", "machine-readable output on stdout")
    .addHelpText(
      "after",
      "\nPlan before apply, as promote: previews the stacks and shows the steps; in a terminal it asks, without one it needs --yes.\n" +
        "Exit codes: 0 rolled back (or an interrupted promotion undone); 1 a step failed (undone), a clean-up is pending, another run holds\n" +
        "the lease, the checkout disagrees with what is deployed, or a promotion is in progress; 2 bad input (including no previous version\n" +
        "in the history: pass --to).",
    )
    .action(async (flags: RollbackFlags) => {
      const ctx = context();
      const yes = flags.yes === true;
      // First, before the project is read through Pulumi or any AWS call: a run that could never be approved stops here.
      requireApprovalPossible("rollback", yes, ctx, "run `modelshare status --history` to see where it would go");
      const project = await loadProjectForCli(ctx);
      const env = requireEnvironment(project, "--env", flags.env);
      const to = flags.to === undefined ? undefined : requireVersionArn(project, "--to", flags.to);
      requireSmokeTest(project, env);
      const deps = await engineDepsFor(ctx, project);
      const result = await executePromotion(
        {
          intent: { kind: "rollback", env, ...(to !== undefined ? { version: to } : {}) },
          // Once the lease is held: from the version the deployed stack calls, one step back through the history,
          // restarting the target with the units it last ran with.
          request: async ({ current }) => {
            // The history is in the consumer account: only records that pass the checks are used (historyChecks.ts).
            const { records: history, refused } = screenHistory(await deps.history.list(env), historyRulesFor((await deps.loadProject()).ml.config, env));
            if (refused.length > 0) {
              if (to === undefined) throw new UsageError(`${formatRefusals(env, refused)}\nthe rollback target cannot be trusted: pass --to ARN (a model version ARN of the ML stack's project); it starts with modelshare:promotion's units`);
              ctx.stderr(`${formatRefusals(env, refused)}\n`);
            }
            const target = to ?? rollbackTarget(history, current);
            if (target === undefined) {
              throw new UsageError(`--to is required: the history of ${env} has no successful promotion to its current version ${current}; allowed: a model version ARN of the ML stack's project`);
            }
            const version = to ?? requireVersionArn(await deps.loadProject(), "history's previous version", target);
            const units = unitsFromHistory(history, version);
            return { kind: "rollback", environment: env, version, keepOld: false, ...(units ? { units: { [version]: units } } : {}) };
          },
          approve: promotionApproval("rollback", yes, ctx, deps),
        },
        deps,
      );
      ctx.stdout(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatResult(result)}\n`);
      process.exitCode = exitCodeFor(result);
    });
}
