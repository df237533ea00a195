import { versionLabel } from "../plan";
import { configPath, StepContext } from "../stepContext";
import { removeFromConfigList } from "../workspace";
import { StepDefinition } from "./step";

/**
 * grant: the environment may use the new version. Shared: its shared role (ML stack) and then its endpoint policy
 * (consumer stack) allow it. Copy mode: the ML stack plans the environment's project policy and the CLI applies it
 * (its account may copy the version); the consumer stack lists copies, not grants, so it is not updated here.
 */
export const grantStep: StepDefinition = {
  async run(context, step) {
    const { version } = context.journal;
    const env = context.env;
    // Also after a crash between the edit and the update: the file is ahead of the deployed stack then.
    await context.changeGrants(async (project) => void (await context.addGrant(project, version, step, "addedGrant")));
    const applied = await afterGrantChange(context);
    return { note: `${versionLabel(version)} granted to ${env}; ${applied}` };
  },
  async undo(context, step) {
    const { version } = context.journal;
    const env = context.env;
    if (!step.effects.addedGrant && !step.effects.addedToCatalogue) return "nothing was granted";
    await context.changeGrants(async (project) => {
      if (step.effects.addedGrant) await context.removeGrant(project, version);
      if (step.effects.addedToCatalogue) {
        const after = (await context.project()).ml;
        const stillGranted = Object.values(after.config.consumers).some((c) => c.grantedVersions.includes(version));
        if (!stillGranted) await removeFromConfigList(context.deps.workspace, after.stack, configPath("model", "versions"), after.config.model.versions, version);
      }
    });
    await afterGrantChange(context);
    return `grant of ${versionLabel(version)} to ${env} removed`;
  },
};

/** After the ML stack's update: the consumer stack (share), or the project policy (copy). Says what it did. */
export async function afterGrantChange(context: StepContext): Promise<string> {
  if (context.copying) return `project policies: ${await context.applyProjectPolicies()}`;
  const consumerStack = (await context.project()).consumers[context.env].stack;
  await context.up(consumerStack);
  return `shared role and ${consumerStack}'s endpoint policy updated`;
}
