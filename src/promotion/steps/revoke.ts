import { versionLabel } from "../plan";
import { afterGrantChange } from "./grant";
import { StepDefinition } from "./step";

/**
 * revoke: the previous version is no longer granted to the environment (ML stack, then its endpoint policy; in copy
 * mode, then the project policy: its account may no longer copy it, while a copy it holds stays its own).
 */
export const revokeStep: StepDefinition = {
  async run(context, step) {
    const { previous } = context.journal;
    await context.drainAfterSwitch();
    await context.requireNewVersionRunning();
    const env = context.env;
    await context.changeGrants(async (project) => {
      if (project.ml.config.consumers[env].grantedVersions.includes(previous)) {
        context.intend(step, { removedGrant: true });
        await context.removeGrant(project, previous);
      }
    });
    const applied = await afterGrantChange(context);
    return { note: `${versionLabel(previous)} no longer granted to ${env}; ${applied}` };
  },
  async undo(context, step) {
    const { previous } = context.journal;
    const env = context.env;
    if (!step.effects.removedGrant) return "no grant was removed";
    await context.changeGrants(async (project) => void (await context.addGrant(project, previous, step, null)));
    await afterGrantChange(context);
    return `${versionLabel(previous)} granted to ${env} again`;
  },
};
