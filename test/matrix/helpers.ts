import * as path from "node:path";
import { rawConfigFromFlat, readStackFile } from "../../src/config/raw";
import { parseStackConfig } from "../../src/config/schema";
import type { MatrixRow } from "../../src/matrix";
import type { StackLike } from "../../src/matrix/topology";
import { StackFile, synthesize, SynthesizedStack } from "../../src/synth/run";
import { exampleConfig, PROJECT_ROOT, withConfig } from "../helpers/pulumi";
import { deepFreeze } from "../helpers/simulator";

type Edit = (config: Record<string, any>) => void;

/** The example stacks synthesized with edits to their Pulumi.<stack>.yaml config maps (ML first). */
export async function synthesizeExample(edits: Partial<Record<"ml" | "qa" | "prod", Edit>> = {}): Promise<SynthesizedStack[]> {
  const files: StackFile[] = (["ml", "prod", "qa"] as const).map((stack) => {
    const fileConfig = withConfig(exampleConfig(stack), edits[stack] ?? (() => {}));
    const file = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    return { stack, file, fileConfig, config: parseStackConfig(rawConfigFromFlat(fileConfig), `Pulumi.${stack}.yaml`) };
  });
  return synthesize(files);
}

/**
 * The red-team variant of the example: qa requires an external id, prod runs on EKS Pod Identity. With the
 * example's break-glass and IAM-admin roles, every kind of row of every category appears.
 */
export const RED_TEAM_EDITS: Partial<Record<"ml" | "qa" | "prod", Edit>> = {
  ml: (c) => {
    c["modelshare:consumers"].qa.externalId = "modelshare-qa-external-id";
    c["modelshare:consumers"].prod.eksPodIdentity = true;
  },
  prod: (c) => {
    c["modelshare:application"].trustedServices = ["pods.eks.amazonaws.com"];
  },
};

/** A copy of the stacks with one resource's inputs replaced (or the resource removed). */
export function withResource(stacks: readonly StackLike[], name: string, edit: ((inputs: Record<string, unknown>) => Record<string, unknown>) | "remove"): StackLike[] {
  return stacks.map((stack) => ({
    ...stack,
    resources: stack.resources.flatMap((r) => (r.name !== name ? [r] : edit === "remove" ? [] : [{ ...r, inputs: edit({ ...r.inputs }) }])),
  }));
}

/** A copy of the stacks with one resource's policy document (a JSON string input) rewritten. */
export function withDocument(stacks: readonly StackLike[], name: string, field: string, edit: (document: any) => any): StackLike[] {
  return withResource(stacks, name, (inputs) => ({ ...inputs, [field]: JSON.stringify(edit(JSON.parse(String(inputs[field])))) }));
}

export function find(rows: readonly MatrixRow[], test: (row: MatrixRow) => boolean): MatrixRow {
  const row = rows.find(test);
  if (!row) throw new Error("no such row");
  return row;
}

/** The copy-mode example (examples/copy: qa and prod share, staging copies) synthesized. */
export async function synthesizeCopyExample(): Promise<SynthesizedStack[]> {
  const dir = path.join(PROJECT_ROOT, "examples", "copy");
  const files: StackFile[] = (["ml", "prod", "qa", "staging"] as const).map((stack) => {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    const fileConfig = readStackFile(file);
    return { stack, file, fileConfig, config: parseStackConfig(rawConfigFromFlat(fileConfig), `Pulumi.${stack}.yaml`) };
  });
  return synthesize(files);
}

/**
 * The unedited example, the red-team variant and the copy example, each synthesized once per test process and
 * shared by the specs that only read them (frozen: a spec that needs a change makes a copy, withResource/withDocument).
 * Unlike synthesizeExample, a call that finds the stacks already made installs no mocks of its own.
 */
const once = new Map<string, Promise<readonly SynthesizedStack[]>>();
function synthesizedOnce(name: string, make: () => Promise<SynthesizedStack[]>): Promise<readonly SynthesizedStack[]> {
  let stacks = once.get(name);
  if (stacks === undefined) {
    stacks = make().then(deepFreeze);
    once.set(name, stacks);
  }
  return stacks;
}
export const exampleStacks = () => synthesizedOnce("example", () => synthesizeExample());
export const redTeamStacks = () => synthesizedOnce("red-team", () => synthesizeExample(RED_TEAM_EDITS));
export const copyExampleStacks = () => synthesizedOnce("copy", () => synthesizeCopyExample());
