import { Command } from "commander";
import { projectDirectoryOption } from "./common";
import { CliContext, defaultCliContext, engineDepsFor, exitCodeFor, formatResult, loadProjectForCli, loadProjectOffline, projectArnOf } from "../promotion/cliContext";
import { deployedProjectPolicies, refusedForProjectPolicies } from "../promotion/projectPolicies";
import { executePromotion, InterruptedPromotionError } from "../promotion/engine";
import { currentOwner, FileJournalStore, FileLocks } from "../promotion/journal";
import { planFromJournal, planPromotion, resolveInterrupted } from "../promotion/plan";
import { PromotionPlan, PromotionRequest } from "../promotion/types";
import { promotionRequestFromOptions } from "../promotion/validation";
import { Project } from "../promotion/project";
import { requireApprovalPossible } from "../promotion/approval";
import { promotionApproval } from "../promotion/promotionPreview";

interface PromoteFlags {
  env?: string;
  version?: string;
  from?: string;
  keepOld?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** `modelshare promote`: move an environment to a model version, in steps that keep it working throughout. */
export function registerPromote(program: Command, context: () => CliContext = () => defaultCliContext(projectDirectoryOption(program))): void {
  program
    .command("promote")
    .description(
      "Move an environment to a model version: ensure-running, grant, verify, switch, bake, revoke, stop; a copy environment " +
        "(sharing: copy) runs grant, copy, ensure-running, verify, switch, stop, delete-copy, revoke on its own copy. A step failing before the " +
        "switch undoes the steps taken; after the verified switch, the clean-up is left pending; so the environment always calls a " +
        "granted, RUNNING version. A re-run after a crash resumes, re-checking what the crash may have invalidated.",
    )
    .option("--env <env>", "environment to promote (modelshare:environment of a consumer stack)")
    .option("--version <arn>", "model version ARN to promote to")
    .option("--from <env>", "promote to the version another environment calls (e.g. --from qa)")
    .option("--keep-old", "keep the previous version granted to the environment (and so running)")
    .option("--dry-run", "print the plan (from the journal when a promotion of the environment was interrupted); no AWS or Pulumi call")
    .option("--yes", "apply without asking (required without a terminal, like `pulumi up --yes`)")
    .option("--json", "machine-readable output on stdout")
    .addHelpText(
      "after",
      "\nPlan before apply: previews the ML and consumer stacks with the config the run ends with and shows the steps and, per stack,\n" +
        "what will be created, updated, replaced and deleted; in a terminal it asks before the first change, without one it needs --yes.\n" +
        "Holds the promotion lease (ML account) for the whole run; starts from what is deployed and refuses a checkout that is behind it.\n" +
        "Exit codes: 0 promoted; 1 a step failed (undone), the clean-up after a verified switch is pending (re-run to finish it),\n" +
        "another run holds the lease, the checkout disagrees with what is deployed, an interrupted promotion is in the way, or the\n" +
        "shared project carries a project policy not listed in model.existingProjectPolicies (nothing is changed);\n" +
        "2 bad input (including a journal file that cannot be read, and no --yes without a terminal); a declined plan exits 1 with nothing changed.\n" +
        "Progress (step, elapsed, what is awaited) goes to stderr.",
    )
    .action(async (flags: PromoteFlags) => {
      const ctx = context();
      const yes = flags.yes === true;
      // First, before the project is read through Pulumi or any AWS call: a run that could never be approved stops here.
      if (!flags.dryRun) requireApprovalPossible("promote", yes, ctx, "add --dry-run to see the plan");
      // A dry run makes no Pulumi call: it reads the files alone (secrets and ESC environments are warned about).
      const project = flags.dryRun ? await loadProjectOffline(ctx) : await loadProjectForCli(ctx);
      const request = promotionRequestFromOptions(project, flags);
      if (flags.dryRun) {
        const plan = dryRunPlan(ctx.stateDir, project, request, ctx);
        const head = plan.resumes
          ? `plan: resume the interrupted ${plan.resumes.kind} of ${plan.env} to ${plan.version} (journal ${plan.resumes.journal}, ${plan.resumes.phase}, started by ${plan.resumes.who} at ${plan.resumes.startedAt})`
          : plan.previous === plan.version
            ? `plan: ${plan.env} already calls ${plan.version}: re-check only (it is granted, RUNNING and answers the smoke test); nothing is switched`
            : `plan: promote ${plan.env} from ${plan.previous} to ${plan.version}`;
        ctx.stdout(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : `${[head, ...plan.steps.map((s) => `  ${s.id.padEnd(14)}  ${s.detail}`)].join("\n")}\n`);
        return;
      }
      if (await refusedForProjectPolicies(ctx, await projectArnOf(ctx, project), project.ml.config, "modelshare promote: refused, nothing changed", async () => deployedProjectPolicies(await ctx.workspace(), project.ml.stack))) return;
      const deps = await engineDepsFor(ctx, project);
      const approve = promotionApproval("promote", yes, ctx, deps);
      const result = await executePromotion({ intent: { kind: "promote", env: request.environment, version: request.version }, request: async () => request, approve }, deps);
      ctx.stdout(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatResult(result)}\n`);
      process.exitCode = exitCodeFor(result);
    });
}

/** The `--dry-run` plan as `resumes`, when the journal says the real run would resume. */
export interface DryRunPlan extends PromotionPlan {
  readonly resumes?: { readonly journal: string; readonly kind: string; readonly phase: string; readonly startedAt: string; readonly who: string };
}

/**
 * What the real run would do, from the same inputs it starts from locally: the environment's journal first (the
 * run resumes it, or refuses with the same message and exit code), else a plan from the checkout's files. The
 * checkout is compared with what is deployed only by the real run (a dry run makes no Pulumi call).
 */
function dryRunPlan(stateDir: string, project: Project, request: PromotionRequest, ctx: CliContext): DryRunPlan {
  // A run of this environment alive in this checkout: the real run is refused (PromotionConflictError, exit 1), and
  // so is the dry run, rather than planning a "resume" of a journal that is not interrupted.
  new FileLocks(stateDir, ctx.liveness).acquireEnvironment(request.environment, currentOwner(ctx.commandLine, new Date(ctx.now()))).release();
  const journals = new FileJournalStore(stateDir);
  const journal = journals.read(request.environment);
  const decision = resolveInterrupted(journal, { kind: "promote", env: request.environment, version: request.version });
  if (decision.action === "refuse") throw new InterruptedPromotionError(decision.message);
  if (decision.action === "resume") {
    const j = decision.journal;
    return {
      env: j.env,
      version: j.version,
      previous: j.previous,
      steps: planFromJournal(j, "resume"),
      resumes: { journal: `${stateDir}/journal/${j.env}.json`, kind: j.kind, phase: j.phase, startedAt: j.startedAt, who: j.who },
    };
  }
  const others = journals.list().filter((j) => j.env !== request.environment);
  return planPromotion(project, request, others);
}
