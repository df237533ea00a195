import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./problems";
import { notRegularFileReason } from "./raw";

/** A Pulumi.<stack>.yaml (or .yml) file of a project directory. */
export interface StackFileName {
  readonly stack: string;
  readonly path: string;
}

/** Pulumi stack names: letters, digits, '-', '_' and '.' (Pulumi docs, "Stacks"), so `Pulumi.qa.eu.yaml` is stack qa.eu. */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
const STACK_FILE = /^Pulumi\.(.+)\.(yaml|yml)$/;

/**
 * The stack files of a directory, every problem with them collected: a name that is not a stack name, and the same
 * stack as both .yaml and .yml (which one Pulumi reads is not what a user expects to guess).
 */
export function listStackFiles(dir: string): { files: StackFileName[]; problems: ConfigError[] } {
  const problems: ConfigError[] = [];
  const byStack = new Map<string, string[]>();
  for (const name of readdirSync(dir).sort()) {
    const match = STACK_FILE.exec(name);
    if (!match) continue;
    const stack = match[1];
    if (!STACK_NAME.test(stack)) {
      problems.push(new ConfigError([{ key: "(file name)", value: name, message: `names the stack "${stack}"; Pulumi stack names contain only letters, digits, '-', '_' and '.': rename the file` }], name));
      continue;
    }
    byStack.set(stack, [...(byStack.get(stack) ?? []), name]);
  }
  const files: StackFileName[] = [];
  for (const [stack, names] of byStack) {
    if (names.length > 1) {
      problems.push(new ConfigError([{ key: "(file name)", value: names.join(", "), message: `${names.join(" and ")} are both files of stack "${stack}"; keep one (Pulumi reads only one of them)` }], names.join(" and ")));
      continue;
    }
    files.push({ stack, path: join(dir, names[0]) });
  }
  return { files: files.sort((a, b) => a.stack.localeCompare(b.stack)), problems };
}

/** The project name of Pulumi.yaml (stack references name it: `org/<project>/<stack>`), or undefined without one. */
export function projectName(dir: string): string | undefined {
  const file = join(dir, "Pulumi.yaml");
  if (notRegularFileReason(file) !== undefined) return undefined;
  try {
    const name = (parseYaml(readFileSync(file, "utf8")) as { name?: unknown } | null)?.name;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}
