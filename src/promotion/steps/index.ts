import { StepId } from "../types";
import { copyStep } from "./copy";
import { deleteCopyStep } from "./deleteCopy";
import { bakeStep } from "./bake";
import { ensureRunningStep } from "./ensureRunning";
import { grantStep } from "./grant";
import { revokeStep } from "./revoke";
import { StepDefinition } from "./step";
import { stopStep } from "./stop";
import { switchStep } from "./switch";
import { verifyStep } from "./verify";

export type { StepDefinition, StepResult } from "./step";

/** The steps, one module each, in the order of STEP_IDS. */
export const STEPS: Record<StepId, StepDefinition> = {
  "ensure-running": ensureRunningStep,
  grant: grantStep,
  verify: verifyStep,
  switch: switchStep,
  bake: bakeStep,
  revoke: revokeStep,
  stop: stopStep,
  copy: copyStep,
  "delete-copy": deleteCopyStep,
};
