// Shared mocha setup: Pulumi's mocks are global, so they are installed once for the whole test process.
import { installMocks } from "../src/synth/mocks";
import { recorder } from "./helpers/pulumi";
import { unmapPulumiBookkeepingTraces } from "./helpers/stackTraces";

unmapPulumiBookkeepingTraces();

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await installMocks(recorder, "modelshare", "test");
  },
};
