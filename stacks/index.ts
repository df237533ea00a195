import * as pulumi from "@pulumi/pulumi";
import { rawConfigFromFlat } from "../src/config/raw";
import { parseStackConfig } from "../src/config/schema";
import { consumerStack } from "./consumer";
import { mlStack } from "./ml";

/**
 * The program Pulumi runs for every stack. Which program (ML or consumer) comes from `modelshare:stackKind`,
 * never from the stack's name, so stacks can be named to suit the organization. Config is validated in full
 * before any resource is registered.
 */
export async function runStack(): Promise<Record<string, pulumi.Input<unknown>>> {
  const config = parseStackConfig(rawConfigFromFlat(pulumi.runtime.allConfig()), `stack ${pulumi.getStack()}'s config`);
  return config.stackKind === "ml" ? mlStack(config) : consumerStack(config);
}
