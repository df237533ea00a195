import { randomBytes } from "node:crypto";
import { Props, ResourceType } from "./types";

/** What the engine sends for a value not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Inputs key listing the properties the stand-in filled in itself (autonaming), as the real provider records them. */
export const DEFAULTS_KEY = "__defaults";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Props)
        .sort()
        .filter((k) => (value as Props)[k] !== undefined && (value as Props)[k] !== null)
        .map((k) => [k, canonical((value as Props)[k])]),
    );
  }
  return value;
}

const containsUnknown = (value: unknown): boolean =>
  value === UNKNOWN || (Array.isArray(value) ? value.some(containsUnknown) : value !== null && typeof value === "object" ? Object.values(value).some(containsUnknown) : false);

/** Top-level input properties that differ (an unknown value counts as a change), sorted. */
export function changedKeys(olds: Props, news: Props): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((k) => k !== DEFAULTS_KEY));
  return [...keys]
    .filter((k) => containsUnknown(news[k]) || JSON.stringify(canonical(olds[k]) ?? null) !== JSON.stringify(canonical(news[k]) ?? null))
    .sort();
}

export interface DiffPlan {
  readonly diffs: string[];
  readonly replaces: string[];
  readonly deleteBeforeReplace: boolean;
}

/**
 * The change between the inputs last applied and the new ones: properties in the type's replaceOn replace the
 * resource (every change does for a type without update). A named resource is deleted before it is replaced:
 * the new one would take the same name (the stand-in keeps an autonamed resource's name too).
 */
export function planDiff(type: ResourceType, oldInputs: Props, newInputs: Props): DiffPlan {
  const diffs = changedKeys(oldInputs, newInputs);
  const replaces = type.update === undefined ? diffs : diffs.filter((k) => (type.replaceOn ?? []).includes(k));
  return { diffs, replaces, deleteBeforeReplace: replaces.length > 0 && type.nameProperty !== undefined };
}

/** The name part of a URN (`urn:pulumi:stack::project::type::name`). */
export function urnName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/**
 * The inputs to store for a resource: the program's, plus a name when the type has one and the program left it
 * out (kept from the previous inputs, else `<resource name>-<7 hex characters>`).
 */
export function checkInputs(type: ResourceType, urn: string, olds: Props, news: Props, random: () => string = () => randomBytes(4).toString("hex").slice(0, 7)): Props {
  const name = type.nameProperty;
  if (name === undefined || (news[name] !== undefined && news[name] !== null) || news.namePrefix !== undefined) return news;
  const previous = Array.isArray(olds[DEFAULTS_KEY]) && (olds[DEFAULTS_KEY] as unknown[]).includes(name) ? olds[name] : undefined;
  return { ...news, [name]: typeof previous === "string" ? previous : `${urnName(urn)}-${random()}`, [DEFAULTS_KEY]: [name] };
}
