import { versionLabel } from "../plan";
import { configPath } from "../stepContext";
import { StepDefinition } from "./step";

/** switch: the environment's consumer stack names the new version (its SSM parameter: applications follow). */
export const switchStep: StepDefinition = {
  async run(context, step) {
    const { version } = context.journal;
    const consumer = (await context.project()).consumers[context.env];
    if (consumer.config.modelVersionArn !== version) {
      context.intend(step, { switchedFrom: consumer.config.modelVersionArn });
      await context.guard();
      await context.deps.workspace.setConfig(consumer.stack, configPath("modelVersionArn"), version, { path: false });
    }
    await context.up(consumer.stack);
    return { note: `${context.env} now calls ${versionLabel(version)}` };
  },
  async undo(context, step) {
    const switchedFrom = step.effects.switchedFrom;
    if (switchedFrom === undefined) return "the configured version was not changed";
    const consumer = (await context.project()).consumers[context.env];
    if (consumer.config.modelVersionArn !== switchedFrom) {
      await context.guard();
      await context.deps.workspace.setConfig(consumer.stack, configPath("modelVersionArn"), switchedFrom, { path: false });
    }
    await context.up(consumer.stack);
    return `${context.env} calls ${versionLabel(switchedFrom)} again`;
  },
};
