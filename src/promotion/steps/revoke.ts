import { versionLabel } from "../plan";
import { StepDefinition } from "./step";

/** revoke: the previous version is no longer granted to the environment (ML stack, then its endpoint policy). */
export const revokeStep: StepDefinition = {
  async run(context, step) {
    const { previous } = context.journal;
    await context.drainAfterSwitch();
    await context.requireNewVersionRunning();
    const env = context.env;
    const consumerStack = (await context.project()).consumers[env].stack;
    await context.changeGrants(async (project) => {
      if (project.ml.config.consumers[env].grantedVersions.includes(previous)) {
        context.intend(step, { removedGrant: true });
        await context.removeGrant(project, previous);
      }
    });
    await context.up(consumerStack);
    return { note: `${versionLabel(previous)} no longer granted to ${env}` };
  },
  async undo(context, step) {
    const { previous } = context.journal;
    const env = context.env;
    if (!step.effects.removedGrant) return "no grant was removed";
    const consumerStack = (await context.project()).consumers[env].stack;
    await context.changeGrants(async (project) => void (await context.addGrant(project, previous, step, null)));
    await context.up(consumerStack);
    return `${versionLabel(previous)} granted to ${env} again`;
  },
};
