import { copyOf } from "../../config/copy";
import { configPath, StepContext } from "../stepContext";

/**
 * The consumer stack's `modelshare:copy.versions` (`{ source, copy }` entries): the copies its application role and
 * endpoint policy allow, and the map its model-version-arn parameter follows. An entry is written in one `config
 * set-all` (both keys at once), so a crash never leaves half of one, which the schema would refuse.
 */

const VERSIONS = configPath("copy", "versions");

/** Lists `copy` as the environment's copy of `source` (replacing a copy of it that is gone); false when listed already. */
export async function listCopy(context: StepContext, source: string, copy: string, onChange: () => void): Promise<boolean> {
  const consumer = (await context.project()).consumers[context.env];
  const entries = consumer.config.copy?.versions ?? [];
  if (copyOf(consumer.config.copy, source) === copy) return false;
  const index = entries.findIndex((entry) => entry.source === source);
  onChange();
  await context.guard();
  const at = index >= 0 ? index : entries.length;
  await context.deps.workspace.setConfigs(consumer.stack, { [`${VERSIONS}[${at}].source`]: source, [`${VERSIONS}[${at}].copy`]: copy }, { path: true });
  return true;
}

/** Removes the environment's entry for `source`; false when there is none. */
export async function unlistCopy(context: StepContext, source: string, onChange: () => void = () => undefined): Promise<boolean> {
  const consumer = (await context.project()).consumers[context.env];
  const index = (consumer.config.copy?.versions ?? []).findIndex((entry) => entry.source === source);
  if (index < 0) return false;
  onChange();
  await context.guard();
  await context.deps.workspace.removeConfig(consumer.stack, `${VERSIONS}[${index}]`, { path: true });
  return true;
}
