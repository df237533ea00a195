import { Command } from "commander";
import { projectDirectoryOption, requireAll } from "./common";
import { CliContext, defaultCliContext, leaseIdentity, loadProjectForCli, promotionLeaseFor } from "../promotion/cliContext";
import { deployStacks, formatDeploySummary, parseStackList, selectStacks } from "../promotion/deploy";
import { requireInteger } from "../promotion/validation";
import { approvePlan, requireApprovalPossible } from "../promotion/approval";
import { formatPlan } from "../promotion/changes";
import { applyProjectPolicies, deployedProjectPolicies, plannedProjectPolicies, refusedForProjectPolicies } from "../promotion/projectPolicies";
import { ML_OUTPUTS } from "../contract";

interface DeployFlags {
  stacks?: string;
  preview?: boolean;
  yes?: boolean;
  concurrency?: string;
  json?: boolean;
}

export const DEFAULT_CONCURRENCY = 4;

/** `modelshare deploy`: the ML stack, then the consumer stacks, through the Automation API. */
export function registerDeploy(program: Command, context: () => CliContext = () => defaultCliContext(projectDirectoryOption(program))): void {
  program
    .command("deploy")
    .description(
      "Update (or preview) the project's stacks with the pulumi CLI on PATH: the ML stack first, then the consumer stacks " +
        "concurrently. Each stack's output is streamed to stderr with its name in front; a summary of changes per stack follows.",
    )
    .option("--stacks <list>", "comma-separated stack names (default: every Pulumi.<stack>.yaml of the project)")
    .option("--preview", "preview instead of update: show what each stack would create, update, replace and delete")
    .option("--yes", "apply the previewed changes without asking (required without a terminal, like `pulumi up --yes`)")
    .option("--concurrency <n>", `consumer stacks updated at once (default ${DEFAULT_CONCURRENCY})`)
    .option("--json", "print the summary as JSON on stdout")
    .addHelpText(
      "after",
      "\nAn update previews every stack first and shows, per stack, what will be created, updated, replaced and deleted (a replaced\n" +
        "shared role, endpoint, project or lease table marked !!); in a terminal it asks before applying, without one it needs --yes.\n" +
        "An update holds the promotion lease and is refused (nothing deployed) when this checkout's files would take a version away\n" +
        "from an environment that calls it, or switch an environment's version (that is `modelshare promote`'s job).\n" +
        "Before the ML stack, an adopted project's project policies are listed (ListProjectPolicies): one not in model.existingProjectPolicies, and not modelshare's own copy policy with its planned document, refuses the deploy.\n" +
        "Exit codes: 0 every stack succeeded (or nothing to change); 1 a stack (or its preview) failed (consumer stacks are not run when the ML stack fails), the plan was declined, the lease is held, the checkout is refused, or the project carries an unlisted project policy; 2 bad input (including no --yes without a terminal).",
    )
    .action(async (flags: DeployFlags) => {
      const ctx = context();
      const yes = flags.yes === true;
      // First, before the project is read (reading the config through Pulumi would create missing stacks) or any
      // AWS call: a run that could never be approved stops here, with the other flag found wrong without the project.
      requireAll(
        "deploy",
        () => flags.preview || requireApprovalPossible("deploy", yes, ctx, "run `modelshare deploy --preview` to see the plan"),
        () => requireInteger("--concurrency", flags.concurrency, 1, 64),
      );
      const concurrency = requireInteger("--concurrency", flags.concurrency, 1, 64) ?? DEFAULT_CONCURRENCY;
      const project = await loadProjectForCli(ctx, { createMissingStacks: true });
      const selection = selectStacks(project, parseStackList(flags.stacks));
      const workspace = await ctx.workspace({ createMissingStacks: true });
      const adopted = project.ml.config.model.projectArn;
      // modelshare's own copy policies (planned by the config or applied by the last deploy) are expected, not foreign.
      const mlStack = selection.ml;
      if (mlStack && adopted !== undefined && (await refusedForProjectPolicies(ctx, adopted, project.ml.config, "modelshare deploy: refused, nothing deployed", () => deployedProjectPolicies(workspace, mlStack)))) return;
      const results = await deployStacks(selection, { preview: flags.preview === true, concurrency }, {
        workspace,
        now: ctx.now,
        writeOutput: ctx.stderr,
        lease: { lease: promotionLeaseFor(ctx, project), identity: () => leaseIdentity(ctx, project, `deploy ${[selection.ml, ...selection.consumers].filter(Boolean).join(",")}`) },
        project,
        approve: (plans) => approvePlan("deploy", plans, yes, ctx),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        afterMlUpdate: async (stack) => {
          const outputs = await workspace.outputs(stack);
          const planned = plannedProjectPolicies(outputs);
          const projectArn = String(outputs[ML_OUTPUTS.projectArn] ?? project.ml.config.model.projectArn ?? "");
          if (planned.length === 0 || projectArn === "") return undefined;
          const changes = await applyProjectPolicies(ctx.rekognition(project.ml.config.region), projectArn, planned);
          return `project policies of ${projectArn}: ${changes.map((c) => `${c.policyName} ${c.action}`).join(", ")}`;
        },
      });
      if (flags.preview) ctx.stderr(`\n${formatPlan(results.map((r) => ({ stack: r.stack, changes: r.resources ?? [] })))}\n\n`);
      ctx.stdout(flags.json ? `${JSON.stringify({ stacks: results }, null, 2)}\n` : `${formatDeploySummary(results)}\n`);
      process.exitCode = results.every((r) => r.status === "ok") ? 0 : 1;
    });
}
