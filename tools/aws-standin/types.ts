import type { AwsClients } from "./aws";

/** Resource properties as they travel on the wire (camelCase, as @pulumi/aws names them). */
export type Props = Record<string, unknown>;

/**
 * One resource type of the stand-in: each operation is the AWS API call the real provider makes, against whatever
 * endpoint the SDK is pointed at (the emulator in the lane), so AWS-side validation is the emulator's.
 *
 * `read` is the source of truth for outputs: create and update return what `read` sees afterwards, never the inputs
 * echoed back. A type without `update` replaces the resource on every change.
 */
export interface ResourceType {
  /** Input properties whose change replaces the resource (the real provider's ForceNew properties we know of). */
  readonly replaceOn?: readonly string[];
  /**
   * The property holding the physical name. When the program sets it, a replacement deletes the old resource
   * first (two resources cannot share the name), as the real provider does; when the program leaves it out, the
   * stand-in generates `<resource name>-<7 hex>` like Pulumi's default autonaming.
   */
  readonly nameProperty?: string;
  /** Extra validation before any call; returns problems as [property, reason]. */
  check?(inputs: Props): Array<[string, string]>;
  create(aws: AwsClients, inputs: Props): Promise<{ id: string; outputs: Props }>;
  /** Undefined when the resource no longer exists. */
  read(aws: AwsClients, id: string, state: Props): Promise<Props | undefined>;
  update?(aws: AwsClients, id: string, olds: Props, news: Props): Promise<Props>;
  delete(aws: AwsClients, id: string, state: Props): Promise<void>;
}

/** A data source (`aws.ec2.getVpc`, ...): the request's arguments in, the result's properties out. */
export type InvokeFunction = (aws: AwsClients, args: Props) => Promise<Props>;

/** Reads a string input; throws a message that names the property when it is missing. */
export function str(props: Props, key: string): string {
  const value = props[key];
  if (typeof value !== "string" || value === "") throw new Error(`property ${key} is required (got ${JSON.stringify(value)})`);
  return value;
}

export function optStr(props: Props, key: string): string | undefined {
  const value = props[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function optNum(props: Props, key: string): number | undefined {
  const value = props[key];
  return typeof value === "number" ? value : undefined;
}

export function optBool(props: Props, key: string): boolean | undefined {
  const value = props[key];
  return typeof value === "boolean" ? value : undefined;
}

export function strList(props: Props, key: string): string[] {
  const value = props[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export function tagMap(props: Props, key = "tags"): Record<string, string> {
  const value = props[key];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** Tags as most AWS APIs take them. */
export function tagList(props: Props, key = "tags"): Array<{ Key: string; Value: string }> {
  return Object.entries(tagMap(props, key)).map(([Key, Value]) => ({ Key, Value }));
}

/** Tags from an AWS response, back to the map @pulumi/aws uses. */
export function tagsFrom(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? ""]));
}

/** Tag keys removed and tags added or changed between two tag maps. */
export function tagChanges(olds: Props, news: Props): { removed: string[]; set: Array<{ Key: string; Value: string }> } {
  const before = tagMap(olds);
  const after = tagMap(news);
  return {
    removed: Object.keys(before).filter((k) => !(k in after)),
    set: Object.entries(after)
      .filter(([k, v]) => before[k] !== v)
      .map(([Key, Value]) => ({ Key, Value })),
  };
}

/** True for the SDK error AWS returns when the thing looked up does not exist. */
export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? "";
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return /NoSuch|NotFound|InvalidVpcID|InvalidSubnetID|InvalidGroup\.NotFound|InvalidVpcEndpointId|ResourceNotFound|ParameterNotFound|PolicyNotFound/i.test(name) || status === 404;
}

/** Runs a read; an id AWS does not know (the resource is gone) reads as undefined, as the real provider's reads do. */
export async function orGone<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
