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
  const flat = pulumi.runtime.allConfig();
  const config = parseStackConfig(rawConfigFromFlat(flat, Object.keys(flat).filter(isConfigSecret)), `stack ${pulumi.getStack()}'s config`);
  return config.stackKind === "ml" ? mlStack(config) : consumerStack(config);
}

/**
 * Whether Pulumi holds a config key as a secret. The runtime exports isConfigSecret (runtime/config.js) without
 * declaring it in its typings; without it, no key is taken as secret (credentials are secret anyway).
 */
function isConfigSecret(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return typeof runtime.isConfigSecret === "function" && runtime.isConfigSecret(key);
}
