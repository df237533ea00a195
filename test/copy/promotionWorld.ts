import { AwsWorld, COPY_OF, plannedCopyPolicy, ProjectLayout, V1, V2, V3 } from "../promotion/fakes";
import { Scenario } from "../promotion/harness";

/**
 * The simulated world of test/promotion (fakes.ts, harness.ts) with a copy environment: qa shares V2; prod copies,
 * calls its copy of V1 (running in its own account), and its project policy lets it copy V1. The ML account runs only
 * what shared environments call (V2): V1 is STOPPED there, V3 trained and never started.
 */
export const PROD_V1 = COPY_OF("prod", V1);

export function copyLayout(options: { deleteOldCopies?: boolean } = {}): ProjectLayout {
  return {
    configured: { qa: V2, prod: V1 },
    granted: { qa: [V2], prod: [V1] },
    catalogue: [V1, V2, V3],
    copyEnvs: { prod: { copies: { [V1]: PROD_V1 }, ...(options.deleteOldCopies ? { deleteOldCopies: true } : {}) } },
  };
}

export const COPY_MODELS = { [V1]: "STOPPED", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED", [PROD_V1]: "RUNNING" };

/** The project policy prod's deployed grants call for, as the last deploy applied it. */
export function seedProjectPolicy(aws: AwsWorld, granted: string[] = [V1]): void {
  aws.projectPolicies["modelshare-copy-prod"] = { document: JSON.stringify(plannedCopyPolicy("prod", granted).document), revision: "r0" };
}

export function copyScenario(options: { deleteOldCopies?: boolean } = {}): Scenario {
  const s = new Scenario(copyLayout(options), COPY_MODELS);
  s.aws.models[PROD_V1].source = V1;
  seedProjectPolicy(s.aws);
  return s;
}
