import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError } from "./problems";

/**
 * Config as Pulumi hands it over, in the two forms modelshare reads it: a stack's flat map (`namespace:key` ->
 * value) from Pulumi's runtime or the Automation API (every value a string, objects as JSON, secrets decrypted),
 * and a Pulumi.<stack>.yaml file read offline (typed values; `secure:` values cannot be decrypted, ESC
 * environments cannot be opened). Both become the same raw object for the schema.
 */

export const NAMESPACE_MODELSHARE = "modelshare";

/**
 * What synth puts where a `secure:` value is: it cannot decrypt offline, and must never print or write the
 * ciphertext. Opaque, and valid where free text is (e.g. an sts:ExternalId); a key whose value must have a form
 * (an account id, an ARN) reports that synth cannot check it (schema.ts).
 */
export const SECRET_PLACEHOLDER = "secret-not-decrypted-offline";

/** Everything in a flat config besides the modelshare keys: what the schema checks alongside them. */
export interface FlatExtras {
  /** Every key of the flat map with its decoded value (aws:* settings are validated from here). */
  readonly all: ReadonlyMap<string, unknown>;
  /** Keys (with --path paths, e.g. `modelshare:consumers.qa.externalId`) that hold secrets. */
  readonly secretPaths: readonly string[];
}

/** Non-enumerable, so the schema's unknown-key check never sees it. */
export const FLAT_EXTRAS: unique symbol = Symbol("modelshare.flatExtras");

/**
 * Turns a stack's flat config map into the raw object the schema validates: `modelshare:*` keys without the
 * namespace, `region` from aws:region, and (hidden from the key check) every key for the namespace and aws:*
 * checks. `secretKeys` are the keys Pulumi holds as secrets (top-level keys, or paths for a file's `secure:` leaves).
 */
export function rawConfigFromFlat(flat: Record<string, unknown>, secretKeys: readonly string[] = []): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const all = new Map<string, unknown>();
  for (const [fullKey, value] of Object.entries(flat)) {
    const decoded = decodeValue(value);
    all.set(fullKey, decoded);
    if (fullKey === "aws:region") raw.region = decoded;
    else if (fullKey.startsWith(`${NAMESPACE_MODELSHARE}:`)) defineOwn(raw, fullKey.slice(NAMESPACE_MODELSHARE.length + 1), decoded);
  }
  const extras: FlatExtras = { all, secretPaths: secretKeys };
  Object.defineProperty(raw, FLAT_EXTRAS, { value: extras, enumerable: false });
  return raw;
}

/** The extras rawConfigFromFlat attached, or none for a raw object built another way. */
export function flatExtrasOf(raw: Record<string, unknown>): FlatExtras {
  return (raw as { [FLAT_EXTRAS]?: FlatExtras })[FLAT_EXTRAS] ?? { all: new Map(), secretPaths: [] };
}

/** An own property even for `__proto__` (plain assignment would set the prototype and lose the key). */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function decodeValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value; // the schema reports it with the value it got
    }
  }
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  return value;
}

/** A Pulumi.<stack>.yaml file as synth (offline) sees it. */
export interface StackFileContents {
  /** The `config:` map, every `secure:` value replaced by SECRET_PLACEHOLDER. */
  readonly config: Record<string, unknown>;
  /** Where the secrets were, as config keys with paths (`modelshare:consumers.qa.externalId`, `aws:secretKey`). */
  readonly secretPaths: readonly string[];
  /** The ESC environments the file imports (its `environment:` block), which only Pulumi can open. */
  readonly environments: readonly string[];
}

/** Stack files are small; anything larger is not one (and would be read whole into memory). */
export const MAX_STACK_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Why `path` cannot be read as a small regular file, or undefined when it can: a FIFO or a device would block the
 * read forever, a directory is a mistake.
 */
export function notRegularFileReason(path: string, maxBytes = MAX_STACK_FILE_BYTES): string | undefined {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  if (stats.isFile()) return stats.size > maxBytes ? `is ${stats.size} bytes; at most ${maxBytes} are allowed` : undefined;
  const kind = stats.isDirectory() ? "a directory" : stats.isFIFO() ? "a FIFO (named pipe)" : stats.isSocket() ? "a socket" : stats.isCharacterDevice() || stats.isBlockDevice() ? "a device" : "not a regular file";
  return `is ${kind}, not a regular file`;
}

/** Reads a Pulumi.<stack>.yaml file; anything that is not a readable YAML stack file is a ConfigError naming it. */
export function readStackFileContents(path: string): StackFileContents {
  const source = basename(path);
  const fail = (message: string, key = "(file)"): never => {
    throw new ConfigError([{ key, message }], source);
  };
  const reason = notRegularFileReason(path);
  if (reason !== undefined) fail(`${reason}; a stack file must be a regular YAML file`);
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, "utf8"), { uniqueKeys: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : "";
    fail(`is not valid YAML${where}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (document === null || document === undefined) return { config: {}, secretPaths: [], environments: [] };
  if (typeof document !== "object" || Array.isArray(document)) fail("must be a YAML mapping with a config: block");
  const { config, environment } = document as { config?: unknown; environment?: unknown };
  if (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config))) {
    fail("must be a mapping of `namespace:key: value` entries", "config");
  }
  const secretPaths: string[] = [];
  const cleaned = Object.fromEntries(
    Object.entries((config ?? {}) as Record<string, unknown>).map(([key, value]) => [key, withoutSecrets(value, key, secretPaths)]),
  );
  return { config: cleaned, secretPaths, environments: environmentImports(environment) };
}

/** The `config:` map of a Pulumi.<stack>.yaml file (secrets replaced by the placeholder). */
export function readStackFile(path: string): Record<string, unknown> {
  return readStackFileContents(path).config;
}

/** `{ secure: <ciphertext> }` anywhere in a value becomes the placeholder; its path is noted. */
function withoutSecrets(value: unknown, path: string, secretPaths: string[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item, i) => withoutSecrets(item, `${path}[${i}]`, secretPaths));
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0][0] === "secure" && typeof entries[0][1] === "string") {
    secretPaths.push(path);
    return SECRET_PLACEHOLDER;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of entries) defineOwn(copy, key, withoutSecrets(item, `${path}.${key}`, secretPaths));
  return copy;
}

/** The environment names of a stack file's `environment:` block (a list, or `imports:` as in an ESC definition). */
function environmentImports(block: unknown): string[] {
  if (block === undefined || block === null) return [];
  const list = Array.isArray(block) ? block : typeof block === "object" && Array.isArray((block as { imports?: unknown }).imports) ? (block as { imports: unknown[] }).imports : [block];
  return list.map((entry) => (typeof entry === "string" ? entry : JSON.stringify(entry)));
}

/**
 * The flat string map Pulumi's runtime hands a program (objects as JSON), from a stack file's `config:` map:
 * synth and the tests feed the real program exactly what `pulumi up` would.
 */
export function toRuntimeConfig(fileConfig: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fileConfig).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}

/** The top-level keys a file's secret paths belong to: what Pulumi's runtime marks secret (it cannot mark less). */
export function topLevelSecretKeys(secretPaths: readonly string[]): string[] {
  return [...new Set(secretPaths.map((path) => /^[^.[]+/.exec(path)?.[0] ?? path))];
}

/** One value of `Stack.getAllConfig()` (`pulumi config --show-secrets --json`): secrets decrypted, ESC resolved. */
export interface AutomationConfigValue {
  readonly value: string;
  readonly secret?: boolean;
}

/** The Automation API's config map as the flat map and secret keys the schema takes. */
export function flatFromAutomationConfig(config: Readonly<Record<string, AutomationConfigValue>>): { flat: Record<string, string>; secretKeys: string[] } {
  const flat: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, entry] of Object.entries(config)) {
    Object.defineProperty(flat, key, { value: entry.value, enumerable: true, writable: true, configurable: true });
    if (entry.secret) secretKeys.push(key);
  }
  return { flat, secretKeys };
}
