/** `value` without its undefined properties, for APIs typed under exactOptionalPropertyTypes (the SDK's configs). */
export type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

export function defined<T extends object>(value: T): Defined<T> {
  const result: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(value)) if (property !== undefined) result[key] = property;
  return result as Defined<T>;
}
