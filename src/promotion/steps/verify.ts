import { own } from "../../config/lists";
import { NAMESPACE } from "../../config/schema";
import { ML_OUTPUTS, smokeTestFunctionArn } from "../../contract";
import { versionLabel } from "../plan";
import { smokeImageFile, verifyWithRetry } from "../verify";
import { StepContext } from "../stepContext";
import { StepDefinition } from "./step";

/**
 * verify: through the path applications take (smoke-test principal -> shared role, from the consumer's network), the
 * environment can call the version. By default the consumer's smoke-test function makes the call and this step only
 * invokes it (no ML-account credentials in a consumer account); in direct mode this process makes it.
 */
export const verifyStep: StepDefinition = {
  async run(context) {
    const { version } = context.journal;
    const env = context.env;
    const project = await context.project();
    const consumer = project.consumers[env];
    const smoke = consumer.config.smokeTest;
    if (!smoke) throw new Error(`${consumer.path} has no ${NAMESPACE}:smokeTest; nothing proves ${env} can call ${versionLabel(version)}`);
    // Share: through the environment's shared role, on the ML account's version. Copy: directly, on its own copy.
    const target = context.copying ? await context.copyOfVersion(version) : version;
    if (target === undefined) throw new Error(`${env} holds no copy of ${versionLabel(version)}: the copy step must run first (re-run the same command)`);
    const sharedRoleArn = context.copying ? undefined : await sharedRoleOf(context, env, project.ml.stack);
    const image = smokeImageFile(smoke.image, context.deps.projectDir);
    const c = consumer.config;
    const functionArn = smoke.runner === "function" ? smokeTestFunctionArn(c.partition, c.region, c.accountId, env) : undefined;
    const path = sharedRoleArn !== undefined ? `through ${sharedRoleArn}` : `on its copy ${versionLabel(target)}, directly`;
    context.deps.progress.waiting(
      functionArn !== undefined
        ? `invoking ${functionArn}: DetectCustomLabels as ${smoke.principalRoleArn} ${path}, from ${env}'s network`
        : `DetectCustomLabels as ${smoke.principalRoleArn} ${path} (smokeTest.runner direct: from this runner)`,
    );
    const { label, attempts } = await verifyWithRetry({
      tester: context.deps.smokeTester,
      request: {
        environment: env,
        region: project.ml.config.region,
        modelVersionArn: target,
        ...(sharedRoleArn !== undefined ? { sharedRoleArn } : {}),
        principalRoleArn: smoke.principalRoleArn,
        runner: smoke.runner,
        ...(functionArn !== undefined ? { functionArn } : {}),
        image,
        minConfidence: smoke.minConfidence,
      },
      expectedLabel: smoke.expectedLabel,
      deadlineSeconds: smoke.deadlineSeconds,
      now: context.deps.now,
      sleep: context.deps.sleep,
      progress: context.deps.progress,
    });
    return { note: `${env} called ${versionLabel(target)}${target !== version ? ` (its copy of ${versionLabel(version)})` : ""}: "${label.name}" at ${label.confidence.toFixed(1)}% (attempt ${attempts})` };
  },
  async undo() {
    return "nothing to undo (read-only)";
  },
};

async function sharedRoleOf(context: StepContext, env: string, mlStack: string): Promise<string> {
  const sharedRoleArns = ((await context.mlOutputs())[ML_OUTPUTS.sharedRoleArns] ?? {}) as Record<string, string>;
  const sharedRoleArn = own(sharedRoleArns, env);
  if (!sharedRoleArn) throw new Error(`the ML stack ${mlStack} has no ${ML_OUTPUTS.sharedRoleArns} output for ${env}; deploy it first`);
  return sharedRoleArn;
}
