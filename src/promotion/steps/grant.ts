import { versionLabel } from "../plan";
import { configPath } from "../stepContext";
import { removeFromConfigList } from "../workspace";
import { StepDefinition } from "./step";

/** grant: the environment's shared role (ML stack) and then its endpoint policy (consumer stack) allow the new version. */
export const grantStep: StepDefinition = {
  async run(context, step) {
    const { version } = context.journal;
    const env = context.env;
    const consumerStack = (await context.project()).consumers[env].stack;
    // Also after a crash between the edit and the update: the file is ahead of the deployed stack then.
    await context.changeGrants(async (project) => void (await context.addGrant(project, version, step, "addedGrant")));
    await context.up(consumerStack);
    return { note: `${versionLabel(version)} granted to ${env}; shared role and ${consumerStack}'s endpoint policy updated` };
  },
  async undo(context, step) {
    const { version } = context.journal;
    const env = context.env;
    if (!step.effects.addedGrant && !step.effects.addedToCatalogue) return "nothing was granted";
    const consumerStack = (await context.project()).consumers[env].stack;
    await context.changeGrants(async (project) => {
      if (step.effects.addedGrant) await context.removeGrant(project, version);
      if (step.effects.addedToCatalogue) {
        const after = (await context.project()).ml;
        const stillGranted = Object.values(after.config.consumers).some((c) => c.grantedVersions.includes(version));
        if (!stillGranted) await removeFromConfigList(context.deps.workspace, after.stack, configPath("model", "versions"), after.config.model.versions, version);
      }
    });
    await context.up(consumerStack);
    return `grant of ${versionLabel(version)} to ${env} removed`;
  },
};
