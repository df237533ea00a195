import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { rawConfigFromFlat, readStackFile, toRuntimeConfig } from "../../src/config/raw";
import { declaredOrganization, OrganizationView } from "../../src/config/placement";
import { parseStackConfig } from "../../src/config/schema";
import { promiseOf, RecordedResource, ResourceRecorder, resolveDeep, settle } from "../../src/synth/mocks";
import { runStack } from "../../stacks";

/** The one recorder behind Pulumi's mocks for the whole test process (installed by test/setup.ts). */
export const recorder = new ResourceRecorder({ account: "000000000000", region: "us-east-1" });

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The example configuration of a stack (Pulumi.<stack>.yaml at the project root). */
export function exampleConfig(stack: "ml" | "qa" | "prod"): Record<string, unknown> {
  return readStackFile(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`));
}

/** Deep copy with edits: `edit` mutates the copy. */
export function withConfig(base: Record<string, unknown>, edit: (config: Record<string, any>) => void): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(base));
  edit(copy);
  return copy;
}

/** The organization an ML stack file declares (none for a consumer stack, or a config the program will refuse). */
function declaredOrganizationOf(fileConfig: Record<string, unknown>): OrganizationView | undefined {
  try {
    const config = parseStackConfig(rawConfigFromFlat(fileConfig), "test");
    return config.stackKind === "ml" ? declaredOrganization(config) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the real stack program under the mocks with the given Pulumi.<stack>.yaml `config:` map. */
export async function runProgram(fileConfig: Record<string, unknown>, secretKeys: readonly string[] = []): Promise<{ outputs: Record<string, any>; resources: RecordedResource[] }> {
  recorder.reset();
  recorder.declaredOrganization = declaredOrganizationOf(fileConfig);
  pulumi.runtime.setAllConfig(toRuntimeConfig(fileConfig), [...secretKeys]);
  const outputs = (await resolveDeep(await runStack())) as Record<string, any>;
  await settle();
  return { outputs, resources: [...recorder.resources] };
}

/** Runs the example ML stack and serves its outputs to consumer stacks' StackReferences. */
export async function publishMlOutputs(mlConfig: Record<string, unknown> = exampleConfig("ml")): Promise<Record<string, any>> {
  const { outputs } = await runProgram(mlConfig);
  recorder.stackOutputs.set("organization/modelshare/ml", outputs);
  return outputs;
}

/** The policy document a resource received, parsed from the JSON string the provider gets. */
export function parsedPolicy(resource: RecordedResource, input = "policy"): any {
  const value = resource.inputs[input];
  if (typeof value !== "string") throw new Error(`${resource.type} ${resource.name} has no ${input} string (got ${typeof value})`);
  return JSON.parse(value);
}

/** The error a program run (or any promise) fails with; fails the test when it succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the program to fail");
}

export { promiseOf };
