import { documentsOf } from "../rules/documents";
import type { DocumentKind } from "../rules/documents";
import type { SynthesizedResource } from "./run";
import { shortType } from "./architecture";
import { plannedProjectPolicies } from "../promotion/projectPolicies";

/** The type shown for a project policy's file: applied by the CLI (PutProjectPolicy), not by a Pulumi provider. */
export const PROJECT_POLICY_TYPE = "modelshare:rekognition:ProjectPolicy";

/** One policy document as synth writes it for review: OUT/policies/<stack>/<file>. */
export interface PolicyDocumentFile {
  /** `<stack>/<file>.json`, relative to OUT/policies. */
  readonly path: string;
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** The input field that holds the document, e.g. `assumeRolePolicy`. */
  readonly field: string;
  readonly kind: DocumentKind;
  /** The document pretty-printed (two-space indent), or the provider's text when it is not JSON. */
  readonly text: string;
}

/** Characters a file name keeps; anything else (path separators, dots in front) becomes `_`. */
function fileSafe(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, (dots) => "_".repeat(dots.length));
  return safe.length > 0 ? safe.slice(0, 200) : "_";
}

/**
 * Every policy document of every stack, one file each, named after the resource that carries it (with its type
 * when two resources of a stack share a name). The document is the whole text the provider gets, pretty-printed:
 * a merged bucket policy includes the owner's statements. Pure; synth writes the files.
 */
export function policyDocumentFiles(stacks: readonly { readonly stack: string; readonly resources: readonly SynthesizedResource[]; readonly outputs?: Record<string, unknown> }[]): PolicyDocumentFile[] {
  const files: PolicyDocumentFile[] = [];
  for (const { stack, resources, outputs } of stacks) {
    const taken = new Set<string>();
    const stackDir = fileSafe(stack);
    // Copy mode: the project policies the ML stack plans and `modelshare deploy` applies (no Pulumi resource carries
    // them: docs/copy.md); a policy with nothing granted (document null) is deleted, so it has no file.
    for (const policy of plannedProjectPolicies(outputs ?? {})) {
      if (policy.document === null) continue;
      const file = fileSafe(policy.policyName);
      taken.add(file);
      files.push({ path: `${stackDir}/${file}.json`, stack, type: PROJECT_POLICY_TYPE, name: policy.policyName, field: "document", kind: "project", text: `${JSON.stringify(policy.document, null, 2)}\n` });
    }
    for (const resource of resources) {
      const documents = documentsOf(resource);
      for (const parsed of documents) {
        const base = fileSafe(documents.length > 1 ? `${resource.name}.${parsed.field}` : resource.name);
        const candidates = [base, `${base}.${fileSafe(shortType(resource.type))}`];
        let file = candidates.find((c) => !taken.has(c));
        for (let i = 2; file === undefined; i++) if (!taken.has(`${candidates[1]}.${i}`)) file = `${candidates[1]}.${i}`;
        taken.add(file);
        const raw = resource.inputs[parsed.field];
        const text = parsed.document !== undefined && typeof raw === "string" ? JSON.stringify(JSON.parse(raw), null, 2) : typeof raw === "string" ? raw : JSON.stringify(raw, null, 2);
        files.push({ path: `${stackDir}/${file}.json`, stack, type: resource.type, name: resource.name, field: parsed.field, kind: parsed.kind, text: `${text}\n` });
      }
    }
  }
  return files;
}
